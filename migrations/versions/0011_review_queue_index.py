"""the review queue's order as an index (status, submitted_at, id)

Revision ID: 0011
Revises: 0010
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.create_index(
            'ix_loan_applications_status_submitted_at', ['status', 'submitted_at', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_applications_status_submitted_at')
