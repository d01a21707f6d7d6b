"""Ledger: e-invoice instalments and outreach for the whole life of a debt

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Several due dates of one invoice (FatturaPA DettaglioPagamento); see bot/ledger/instalments.py.
    op.create_table('invoice_instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.String(length=40), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('invoice_id', 'number', name='uq_invoice_instalments_invoice_number')
    )
    with op.batch_alter_table('invoice_instalments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_instalments_creditor_id'), ['creditor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_instalments_invoice_id'), ['invoice_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invoice_instalments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_instalments_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_instalments_creditor_id'))
    op.drop_table('invoice_instalments')
