"""Right of access and portability (GDPR art. 15 and 20): everything held about one debtor."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.privacy.inventory import POLICY, debtor_keys, row_filter, tables, tracker_table

FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    """JSON-ready value: Decimal as a string (never float), dates and times ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


JSON_FIELDS = {"audit_log": "details", "handoffs": "summary"}  # JSON kept in text columns


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _row(row: Any) -> dict[str, Any]:
    return {key: _plain(value) for key, value in row._mapping.items()}


def export_debtor(session: Session, debtor_ref: str, creditor_id: str | None = None) -> dict[str, Any]:
    """One JSON-ready document with the debtor's rows of every table and tracker event."""
    keys = debtor_keys(session, debtor_ref, creditor_id)
    stores: dict[str, list[dict[str, Any]]] = {}
    for table in tables():
        if POLICY.get(table.name) == "none":
            continue
        where = row_filter(table, keys)
        if where is None:
            continue
        order = list(table.primary_key.columns) or list(table.c)[:1]
        rows = session.execute(sa.select(table).where(where).order_by(*order)).all()
        stores[table.name] = [_row(r) for r in rows]
        field = JSON_FIELDS.get(table.name)
        if field is not None:
            for entry in stores[table.name]:
                entry[field] = _json(entry.get(field))
    events = tracker_table(session)
    if events is not None and keys.conversation_ids:
        rows = session.execute(sa.select(events).where(events.c.sender_id.in_(keys.conversation_ids))
                               .order_by(events.c.id)).all()
        stores["tracker_events"] = []
        for r in rows:
            entry = _row(r)
            entry["data"] = _json(entry.get("data"))
            stores["tracker_events"].append(entry)
    return {"format": "debtor-export", "version": FORMAT_VERSION, "debtor_ref": keys.debtor_ref,
            "creditor_id": keys.creditor_id, "exported_at": datetime.utcnow().isoformat() + "Z",
            "conversation_ids": sorted(keys.conversation_ids), "stores": stores}


def export_json(document: dict[str, Any]) -> str:
    """The export serialised: UTF-8 text, stable key order."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=_plain)
