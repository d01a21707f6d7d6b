"""Reading the audit log about one debtor (CLI and supervisor console)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.privacy.export import _json, _plain
from bot.privacy.inventory import debtor_keys, row_filter


def debtor_audit(session: Session, debtor_ref: str, creditor_id: str | None = None) -> list[dict[str, Any]]:
    """Audit entries naming the debtor or one of their conversations, oldest first."""
    from bot.ledger.models import AuditLog
    keys = debtor_keys(session, debtor_ref, creditor_id)
    table = AuditLog.__table__
    rows = session.execute(sa.select(table).where(row_filter(table, keys)).order_by(table.c.id)).all()
    out = []
    for row in rows:
        entry = {k: _plain(v) for k, v in row._mapping.items()}
        entry["details"] = _json(entry["details"])
        out.append(entry)
    return out
