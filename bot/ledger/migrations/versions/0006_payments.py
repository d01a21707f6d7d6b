"""Payments: provider sessions, payment events, bank statement lines and matches

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 01:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("creditor_id", sa.String(40), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("debtor_id", sa.Integer(), sa.ForeignKey("debtors.id"), nullable=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=True),
        sa.Column("instalment_id", sa.Integer(), sa.ForeignKey("plan_instalments.id"), nullable=True),
        sa.Column("promise_id", sa.Integer(), sa.ForeignKey("promises.id"), nullable=True),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payments.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("source", "event_id", name="uq_payment_events_source_event"),
    )
    op.create_index("ix_payment_events_creditor_id", "payment_events", ["creditor_id"])
    op.create_index("ix_payment_events_debtor_id", "payment_events", ["debtor_id"])
    op.create_index("ix_payment_events_invoice_id", "payment_events", ["invoice_id"])
    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("creditor_id", sa.String(40), nullable=False),
        sa.Column("txn_id", sa.String(128), nullable=False),
        sa.Column("source_file", sa.String(200), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("value_on", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("remittance", sa.Text(), nullable=False),
        sa.Column("counterparty", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("debtor_id", sa.Integer(), sa.ForeignKey("debtors.id"), nullable=True),
        sa.Column("allocations", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("creditor_id", "txn_id", name="uq_statement_lines_creditor_txn"),
    )
    op.create_index("ix_statement_lines_status", "statement_lines", ["status"])
    op.create_index("ix_statement_lines_debtor_id", "statement_lines", ["debtor_id"])


def downgrade() -> None:
    op.drop_table("statement_lines")
    op.drop_table("payment_events")
