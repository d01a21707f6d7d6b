"""Agent console: debtor profile, task inbox, canned replies, assisted verification

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 07:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_sources',
    sa.Column('followup_task_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id']),
    sa.PrimaryKeyConstraint('followup_task_id'),
    sa.UniqueConstraint('source', 'source_id')
    )
    with op.batch_alter_table('task_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_sources_invoice_id'), ['invoice_id'], unique=False)
    op.create_table('canned_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('creditor_id', 'language', 'title')
    )
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_replies_creditor_id'), ['creditor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_canned_replies_creditor_id'))
    op.drop_table('canned_replies')
    with op.batch_alter_table('task_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_sources_invoice_id'))
    op.drop_table('task_sources')
