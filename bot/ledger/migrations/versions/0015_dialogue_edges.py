"""Dialogue: dispute categories and readable case references (continued)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Why a debtor disputes an invoice, chosen from buttons or read from their words.
    with op.batch_alter_table("disputes") as batch:
        batch.add_column(sa.Column("category", sa.String(length=16), nullable=False, server_default="other"))


def downgrade() -> None:
    with op.batch_alter_table("disputes") as batch:
        batch.drop_column("category")
