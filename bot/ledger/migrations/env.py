"""Alembic environment: runs migrations on the URL set by bot.ledger.migrate."""
from __future__ import annotations

from alembic import context

from bot.ledger.db import make_engine
from bot.schema import Base  # every table of every room

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit the migrations as SQL text instead of running them on a connection."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live connection to the configured database."""
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        # render_as_batch lets later ALTERs work on SQLite too.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
