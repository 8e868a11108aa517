"""marketplace: fund policy, listings, bids, loans, loan parts, questionnaires, auto-invest rules, notifications

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('autoinvest_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('grades', sa.String(length=5), nullable=False),
    sa.Column('categories', sa.String(length=80), nullable=False),
    sa.Column('methods', sa.String(length=80), nullable=False),
    sa.Column('min_term', sa.Integer(), nullable=False),
    sa.Column('max_term', sa.Integer(), nullable=False),
    sa.Column('min_rate_bps', sa.Integer(), nullable=False),
    sa.Column('amount_per_loan_fen', sa.BigInteger(), nullable=False),
    sa.Column('max_total_fen', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_per_loan_fen >= 5000 AND amount_per_loan_fen % 5000 = 0', name=op.f('ck_autoinvest_rules_amount_units')),
    sa.CheckConstraint('max_total_fen >= amount_per_loan_fen', name=op.f('ck_autoinvest_rules_max_total_covers_one_loan')),
    sa.CheckConstraint('min_rate_bps BETWEEN 1 AND 3600', name=op.f('ck_autoinvest_rules_min_rate_range')),
    sa.CheckConstraint('min_term BETWEEN 3 AND 36 AND max_term BETWEEN min_term AND 36', name=op.f('ck_autoinvest_rules_term_range')),
    sa.ForeignKeyConstraint(['investor_id'], ['users.id'], name=op.f('fk_autoinvest_rules_investor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_autoinvest_rules'))
    )
    with op.batch_alter_table('autoinvest_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_autoinvest_rules_investor_id'), ['investor_id'], unique=False)

    op.create_table('fund_policy_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('max_share_bps', sa.Integer(), nullable=False),
    sa.Column('eligible_categories', sa.String(length=80), nullable=False),
    sa.Column('max_per_enterprise_fen', sa.BigInteger(), nullable=True),
    sa.Column('budgets', sa.JSON(), nullable=False),
    sa.Column('target_leverage', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_per_enterprise_fen IS NULL OR max_per_enterprise_fen >= 0', name=op.f('ck_fund_policy_versions_enterprise_limit_not_negative')),
    sa.CheckConstraint('max_share_bps BETWEEN 0 AND 3000', name=op.f('ck_fund_policy_versions_max_share_range')),
    sa.CheckConstraint('target_leverage > 0', name=op.f('ck_fund_policy_versions_target_leverage_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_policy_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_policy_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_fund_policy_versions_version'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('risk_questionnaires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('age_band', sa.String(length=10), nullable=False),
    sa.Column('annual_income_fen', sa.BigInteger(), nullable=False),
    sa.Column('investable_assets_fen', sa.BigInteger(), nullable=False),
    sa.Column('experience_years', sa.Integer(), nullable=False),
    sa.Column('loss_tolerance', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('risk_class', sa.String(length=20), nullable=False),
    sa.Column('declared_limit_fen', sa.BigInteger(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.CheckConstraint("age_band IN ('18-35', '36-55', '56+')", name=op.f('ck_risk_questionnaires_age_band_allowed')),
    sa.CheckConstraint("loss_tolerance IN ('none', 'some', 'high')", name=op.f('ck_risk_questionnaires_loss_tolerance_allowed')),
    sa.CheckConstraint("risk_class IN ('conservative', 'balanced', 'aggressive')", name=op.f('ck_risk_questionnaires_risk_class_allowed')),
    sa.CheckConstraint('annual_income_fen >= 0', name=op.f('ck_risk_questionnaires_income_not_negative')),
    sa.CheckConstraint('declared_limit_fen > 0', name=op.f('ck_risk_questionnaires_declared_limit_positive')),
    sa.CheckConstraint('experience_years BETWEEN 0 AND 80', name=op.f('ck_risk_questionnaires_experience_range')),
    sa.CheckConstraint('investable_assets_fen >= 0', name=op.f('ck_risk_questionnaires_assets_not_negative')),
    sa.ForeignKeyConstraint(['investor_id'], ['users.id'], name=op.f('fk_risk_questionnaires_investor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_questionnaires'))
    )
    with op.batch_alter_table('risk_questionnaires', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_questionnaires_investor_id'), ['investor_id'], unique=False)

    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('borrower_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('max_rate_bps', sa.Integer(), nullable=False),
    sa.Column('fund_share_bps', sa.Integer(), nullable=False),
    sa.Column('fund_committed_fen', sa.BigInteger(), nullable=False),
    sa.Column('min_fill_fen', sa.BigInteger(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('repayment_method', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('grade', sa.String(length=1), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clearing_rate_bps', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('government', 'livelihood', 'industry', 'none')", name=op.f('ck_listings_category_allowed')),
    sa.CheckConstraint("repayment_method IN ('equal_installment', 'equal_principal', 'interest_only')", name=op.f('ck_listings_repayment_method_allowed')),
    sa.CheckConstraint("status IN ('open', 'funded', 'failed')", name=op.f('ck_listings_status_allowed')),
    sa.CheckConstraint('amount_fen BETWEEN 1000000 AND 100000000', name=op.f('ck_listings_amount_range')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_listings_closes_after_opening')),
    sa.CheckConstraint('fund_committed_fen >= 0', name=op.f('ck_listings_fund_committed_not_negative')),
    sa.CheckConstraint('fund_share_bps BETWEEN 0 AND 3000', name=op.f('ck_listings_fund_share_range')),
    sa.CheckConstraint('max_rate_bps BETWEEN 1 AND 3600', name=op.f('ck_listings_max_rate_range')),
    sa.CheckConstraint('min_fill_fen > 0 AND min_fill_fen <= amount_fen', name=op.f('ck_listings_min_fill_range')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_listings_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['borrower_id'], ['users.id'], name=op.f('fk_listings_borrower_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_listings_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings')),
    sa.UniqueConstraint('application_id', name=op.f('uq_listings_application_id'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_listings_status_closes_at', ['status', 'closes_at'], unique=False)

    op.create_table('bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('min_rate_bps', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('accepted_fen', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('manual', 'auto')", name=op.f('ck_bids_source_allowed')),
    sa.CheckConstraint("status IN ('active', 'cancelled', 'accepted', 'partly_accepted', 'released')", name=op.f('ck_bids_status_allowed')),
    sa.CheckConstraint('accepted_fen >= 0 AND accepted_fen <= amount_fen', name=op.f('ck_bids_accepted_range')),
    sa.CheckConstraint('amount_fen >= 5000 AND amount_fen % 5000 = 0', name=op.f('ck_bids_amount_units')),
    sa.CheckConstraint('min_rate_bps BETWEEN 1 AND 3600', name=op.f('ck_bids_min_rate_range')),
    sa.ForeignKeyConstraint(['investor_id'], ['users.id'], name=op.f('fk_bids_investor_id_users')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_bids_listing_id_listings')),
    sa.ForeignKeyConstraint(['rule_id'], ['autoinvest_rules.id'], name=op.f('fk_bids_rule_id_autoinvest_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bids'))
    )
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.create_index('ix_bids_investor_id_status', ['investor_id', 'status'], unique=False)
        batch_op.create_index('ix_bids_listing_id_status', ['listing_id', 'status'], unique=False)

    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('borrower_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('rate_bps', sa.Integer(), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('repayment_method', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('disbursed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('government', 'livelihood', 'industry', 'none')", name=op.f('ck_loans_category_allowed')),
    sa.CheckConstraint("repayment_method IN ('equal_installment', 'equal_principal', 'interest_only')", name=op.f('ck_loans_repayment_method_allowed')),
    sa.CheckConstraint("status IN ('current', 'late', 'defaulted', 'repaid', 'written_off')", name=op.f('ck_loans_status_allowed')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_loans_amount_positive')),
    sa.CheckConstraint('days_past_due >= 0', name=op.f('ck_loans_days_past_due_not_negative')),
    sa.CheckConstraint('rate_bps BETWEEN 1 AND 3600', name=op.f('ck_loans_rate_range')),
    sa.ForeignKeyConstraint(['borrower_id'], ['users.id'], name=op.f('fk_loans_borrower_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_loans_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_loans_listing_id_listings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
    sa.UniqueConstraint('listing_id', name=op.f('uq_loans_listing_id'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_status'), ['status'], unique=False)

    op.create_table('loan_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('holder_type', sa.String(length=10), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=True),
    sa.Column('bid_id', sa.Integer(), nullable=True),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('outstanding_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(holder_type = 'fund' AND investor_id IS NULL) OR (holder_type = 'investor' AND investor_id IS NOT NULL AND bid_id IS NOT NULL)", name=op.f('ck_loan_parts_holder_consistent')),
    sa.CheckConstraint("holder_type IN ('fund', 'investor')", name=op.f('ck_loan_parts_holder_type_allowed')),
    sa.CheckConstraint('outstanding_fen >= 0 AND outstanding_fen <= principal_fen', name=op.f('ck_loan_parts_outstanding_range')),
    sa.CheckConstraint('principal_fen > 0', name=op.f('ck_loan_parts_principal_positive')),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_loan_parts_bid_id_bids')),
    sa.ForeignKeyConstraint(['investor_id'], ['users.id'], name=op.f('fk_loan_parts_investor_id_users')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_parts_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_parts')),
    sa.UniqueConstraint('bid_id', name=op.f('uq_loan_parts_bid_id'))
    )
    with op.batch_alter_table('loan_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_parts_investor_id'), ['investor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_parts_loan_id'), ['loan_id'], unique=False)




def downgrade():
    with op.batch_alter_table('loan_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_parts_loan_id'))
        batch_op.drop_index(batch_op.f('ix_loan_parts_investor_id'))

    op.drop_table('loan_parts')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_status'))
        batch_op.drop_index(batch_op.f('ix_loans_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_loans_borrower_id'))

    op.drop_table('loans')
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_index('ix_bids_listing_id_status')
        batch_op.drop_index('ix_bids_investor_id_status')

    op.drop_table('bids')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_status_closes_at')
        batch_op.drop_index(batch_op.f('ix_listings_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_listings_borrower_id'))

    op.drop_table('listings')
    with op.batch_alter_table('risk_questionnaires', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_questionnaires_investor_id'))

    op.drop_table('risk_questionnaires')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_read_at')

    op.drop_table('notifications')
    op.drop_table('fund_policy_versions')
    with op.batch_alter_table('autoinvest_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_autoinvest_rules_investor_id'))

    op.drop_table('autoinvest_rules')
