"""The audit log is append-only, enforced by PostgreSQL itself.

A trigger refuses UPDATE and DELETE on ``audit_log`` unless the transaction has switched on
``bot.audit_maintenance`` (with ``set_config(..., true)``, so the switch dies with the
transaction). Only retention and erasure switch it on, through ``audit_maintenance()``.
SQLite deployments (single-host trials) rely on the application alone.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('bot.audit_maintenance', true), '') <> 'on' THEN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""
GUARD_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""
DROP_TRIGGER = "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"
DROP_FUNCTION = "DROP FUNCTION IF EXISTS audit_log_append_only()"


def guard_statements() -> list[str]:
    """DDL installing the guard (PostgreSQL only), safe to run again."""
    return [GUARD_FUNCTION, DROP_TRIGGER, GUARD_TRIGGER]


def install_guard(connection: sa.engine.Connection) -> None:
    """Install the trigger on a PostgreSQL connection; nothing on other databases."""
    if connection.dialect.name != "postgresql":
        return
    for statement in guard_statements():
        connection.execute(sa.text(statement))


@contextmanager
def audit_maintenance(session: Session) -> Iterator[None]:
    """Allow retention/erasure to change audit rows for the rest of this transaction only."""
    on_postgres = session.get_bind().dialect.name == "postgresql"
    if on_postgres:
        session.execute(sa.text("SELECT set_config('bot.audit_maintenance', 'on', true)"))
    yield  # on an error the transaction is rolled back, and the switch with it
    if on_postgres:
        session.execute(sa.text("SELECT set_config('bot.audit_maintenance', 'off', true)"))


def _after_create(table: sa.Table, connection: sa.engine.Connection, **_: object) -> None:
    install_guard(connection)


def listen(audit_table: sa.Table) -> None:
    """Install the guard whenever ``create_all`` builds the audit table (tests, first start)."""
    if not sa.event.contains(audit_table, "after_create", _after_create):
        sa.event.listen(audit_table, "after_create", _after_create)


def _register() -> None:
    from bot.ledger.models import AuditLog
    listen(AuditLog.__table__)


_register()
