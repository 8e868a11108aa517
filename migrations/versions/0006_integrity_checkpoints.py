"""integrity checkpoints (audit chain and ledger verification results)

Revision ID: 0006
Revises: 0005

"""
import sqlalchemy as sa
from alembic import op

from marketplace.database import append_only_ddl, drop_append_only_ddl

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integrity_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_name', sa.String(length=20), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=True),
    sa.Column('last_entry_id', sa.BigInteger(), nullable=True),
    sa.Column('first_broken_seq', sa.BigInteger(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('covered', sa.BigInteger(), nullable=False),
    sa.Column('rows_read', sa.BigInteger(), nullable=False),
    sa.Column('accounts', sa.Integer(), nullable=True),
    sa.Column('entries', sa.BigInteger(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.CheckConstraint("check_name IN ('audit_chain', 'ledger')", name=op.f('ck_integrity_checkpoints_check_name_allowed')),
    sa.CheckConstraint("mode IN ('full', 'incremental')", name=op.f('ck_integrity_checkpoints_mode_allowed')),
    sa.CheckConstraint("source IN ('cli', 'web', 'api')", name=op.f('ck_integrity_checkpoints_source_allowed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrity_checkpoints'))
    )
    with op.batch_alter_table('integrity_checkpoints', schema=None) as batch_op:
        batch_op.create_index('ix_integrity_checkpoints_check_name_id', ['check_name', 'id'], unique=False)
    # A result is a record of what a check found at that time: never rewritten.
    for statement in append_only_ddl(op.get_bind().dialect.name, 'integrity_checkpoints'):
        op.execute(statement)


def downgrade():
    for statement in drop_append_only_ddl(op.get_bind().dialect.name, 'integrity_checkpoints'):
        op.execute(statement)
    with op.batch_alter_table('integrity_checkpoints', schema=None) as batch_op:
        batch_op.drop_index('ix_integrity_checkpoints_check_name_id')
    op.drop_table('integrity_checkpoints')
