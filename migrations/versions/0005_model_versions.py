"""credit model versions (the active one is a row)

Revision ID: 0005
Revises: 0004

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Nothing is backfilled: rows are written by `flask scoring train|promote|ensure`, and
    # `ensure` adopts a registry's ACTIVE file once (docs/scoring.md, "Registry").
    op.create_table('credit_model_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('artifact_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('promoted_by', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('NOT active OR promoted_at IS NOT NULL',
                       name=op.f('ck_credit_model_versions_active_was_promoted')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_model_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_credit_model_versions_version'))
    )
    with op.batch_alter_table('credit_model_versions', schema=None) as batch_op:
        batch_op.create_index('uq_credit_model_versions_one_active', ['active'], unique=True,
                              postgresql_where=sa.text('active'), sqlite_where=sa.text('active = 1'))


def downgrade():
    with op.batch_alter_table('credit_model_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_credit_model_versions_one_active',
                            postgresql_where=sa.text('active'), sqlite_where=sa.text('active = 1'))

    op.drop_table('credit_model_versions')
