"""application documents have a kind: the checklist item they satisfy, or "other"

Revision ID: 0008
Revises: 0007

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The kinds as this revision knows them (marketplace.rules.documents.DOCUMENT_KINDS); a later
# change of the vocabulary comes with its own migration.
KINDS = ('business_licence', 'financial_statements', 'bank_statements', 'tax_certificate', 'other')


def upgrade():
    # Documents uploaded before the checklist existed satisfy nothing: they become "other", and
    # their applications' owners upload the required items before the next submission.
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=30), server_default='other', nullable=False)
        )
        allowed = ', '.join(f"'{kind}'" for kind in KINDS)
        batch_op.create_check_constraint(
            op.f('ck_application_documents_kind_allowed'), f'kind IN ({allowed})'
        )


def downgrade():
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_application_documents_kind_allowed'), type_='check')
        batch_op.drop_column('kind')
