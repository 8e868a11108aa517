"""payments may credit the smart-city fund's pool instead of their user's wallet

Revision ID: 0010
Revises: 0009

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Existing payments keep NULL: each credited (or debited) its own user's wallet.
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credited_owner', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_payments_credited_owner_allowed'), "credited_owner IN ('fund')"
        )
        batch_op.create_index(batch_op.f('ix_payments_credited_owner'), ['credited_owner'], unique=False)


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_credited_owner'))
        batch_op.drop_constraint(op.f('ck_payments_credited_owner_allowed'), type_='check')
        batch_op.drop_column('credited_owner')
