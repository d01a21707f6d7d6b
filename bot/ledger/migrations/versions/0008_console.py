"""Agent console: sessions, throttles, roles, assignment, tasks, canned replies

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_revocations',
    sa.Column('session_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('session_hash')
    )
    with op.batch_alter_table('console_revocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_revocations_expires_at'), ['expires_at'], unique=False)

    op.create_table('console_login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('console_login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_login_failures_failed_at'), ['failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_login_failures_key_hash'), ['key_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_login_failures_key_hash'))
        batch_op.drop_index(batch_op.f('ix_console_login_failures_failed_at'))
    op.drop_table('console_login_failures')

    with op.batch_alter_table('console_revocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_revocations_expires_at'))
    op.drop_table('console_revocations')
