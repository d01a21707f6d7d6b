"""Compare the migrated database with the models, leaving out what is not ours."""
from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.schema import Base


def _ours(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Rasa's tracker store owns ``events`` (and its indexes) in the same database."""
    table = name if type_ == "table" else parent_names.get("table_name")
    return table != "events"


def schema_diff(conn: Connection) -> list[Any]:
    """Differences between the database on ``conn`` and our models; [] when they match."""
    return compare_metadata(MigrationContext.configure(conn, opts={"include_name": _ours}), Base.metadata)
