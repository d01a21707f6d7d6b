"""Data protection: retention bookkeeping, privacy requests, append-only audit

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 01:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No new tables: retention and privacy requests work on the existing ones. On PostgreSQL
    # the audit log becomes append-only (bot/privacy/audit_guard.py explains the switch).
    from bot.privacy.audit_guard import install_guard
    install_guard(op.get_bind())


def downgrade() -> None:
    from bot.privacy.audit_guard import DROP_FUNCTION, DROP_TRIGGER
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_TRIGGER)
        op.execute(DROP_FUNCTION)
