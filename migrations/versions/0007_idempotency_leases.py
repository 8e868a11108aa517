"""idempotency key reservations expire (a lease recovered after a crash)

Revision ID: 0007
Revises: 0006

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Rows already in progress keep NULL: no lease, so the next retry with their key takes them
    # over (docs/payments.md, "After a crash").
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.drop_column('leased_until')
