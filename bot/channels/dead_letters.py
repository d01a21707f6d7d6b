"""What the durable pipeline gave up on, for agents: dead inbound updates and undelivered replies.

``dead_letters`` lists both (newest first) with a short, masked preview; ``retry`` puts one
back in line (attempts start again), so an agent can retry once the cause is fixed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.channels.models import DEAD, FAILED, QUEUED, InboundUpdate, OutboundDelivery
from bot.logs import mask_text

PREVIEW_CHARS = 80


@dataclass(frozen=True)
class DeadLetter:
    kind: str                 # inbound | outbound
    id: int
    channel: str
    conversation_id: str | None
    attempts: int
    error: str
    preview: str              # masked: no phone number or tax code
    at: datetime


def _preview(kind: str, payload: str) -> str:
    try:
        data: Any = json.loads(payload)
    except ValueError:
        return ""
    if kind == "outbound":
        text = data.get("text", "")
    elif "Body" in data:
        text = data.get("Body", "")
    elif "message" in data or "callback_query" in data:
        text = (data.get("message") or {}).get("text") or (data.get("callback_query") or {}).get("data") or ""
    else:
        text = data.get("display_text") or data.get("text") or ""
    text = mask_text(str(text))
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"


def dead_letters(session: Session, limit: int = 100) -> list[DeadLetter]:
    """Dead inbound updates and undelivered replies, newest first."""
    inbound = session.execute(select(InboundUpdate).where(InboundUpdate.status == DEAD)
                              .order_by(InboundUpdate.id.desc()).limit(limit)).scalars().all()
    outbound = session.execute(select(OutboundDelivery).where(OutboundDelivery.status == DEAD)
                               .order_by(OutboundDelivery.id.desc()).limit(limit)).scalars().all()
    letters = [DeadLetter("inbound", r.id, r.channel, r.conversation_id, r.attempts, mask_text(r.last_error or ""),
                          _preview("inbound", r.payload), r.received_at) for r in inbound]
    letters += [DeadLetter("outbound", r.id, r.channel, r.conversation_id, r.attempts, mask_text(r.last_error or ""),
                           _preview("outbound", r.payload), r.created_at) for r in outbound]
    return sorted(letters, key=lambda d: d.at, reverse=True)[:limit]


def retry(session: Session, kind: str, row_id: int) -> bool:
    """Put a dead row back in line; False when there is no such dead row."""
    if kind == "inbound":
        stmt = update(InboundUpdate).where(InboundUpdate.id == row_id, InboundUpdate.status == DEAD).values(
            status=FAILED, attempts=0, next_attempt_at=datetime.utcnow())
    elif kind == "outbound":
        stmt = update(OutboundDelivery).where(OutboundDelivery.id == row_id, OutboundDelivery.status == DEAD).values(
            status=QUEUED, attempts=0, next_attempt_at=None)
    else:
        return False
    return bool(session.execute(stmt.execution_options(synchronize_session=False)).rowcount)
