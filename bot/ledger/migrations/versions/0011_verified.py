"""verified conversations (server-side verification record)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('verified_conversations',
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('verified_by', sa.String(length=80), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('session_key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtors.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('conversation_id')
    )
    with op.batch_alter_table('verified_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verified_conversations_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verified_conversations_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('verified_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verified_conversations_expires_at'))
        batch_op.drop_index(batch_op.f('ix_verified_conversations_debtor_id'))
    op.drop_table('verified_conversations')
