"""Security: server-side verification records, verification limits per tax code and client

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('verification_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('client_key', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_verification_attempts_tax_key'), ['tax_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_attempts_client_key'), ['client_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('verification_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_attempts_client_key'))
        batch_op.drop_index(batch_op.f('ix_verification_attempts_tax_key'))
        batch_op.drop_column('client_key')
        batch_op.drop_column('tax_key')
