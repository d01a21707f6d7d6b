"""Alembic, driven from code so no alembic.ini is needed: ``python -m bot db upgrade``."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for ``url``, by default the configured ``DATABASE_URL``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade_database(url: str | None = None) -> None:
    """Apply every pending migration (up to head); safe to run on a database already up to date."""
    command.upgrade(alembic_config(url), "head")


def downgrade_database(url: str | None = None, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (by default all of them, dropping the tables)."""
    command.downgrade(alembic_config(url), revision)
