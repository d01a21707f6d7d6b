"""Drop provider retries: the same Telegram ``update_id`` or Twilio ``MessageSid`` twice.

Providers retry a webhook when our answer is slow or lost. Every update is stored in
``inbound_updates`` before it is acknowledged, and the unique (channel, provider id) pair
is the dedupe: it survives restarts and is shared by every replica on the database.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.channels.models import InboundUpdate
from bot.ledger.db import session_scope

MAX_PROVIDER_ID = 160


def provider_key(message_id: str | int | None) -> str | None:
    """The stored form of a provider id; ``None`` when the provider gave none."""
    if message_id is None or str(message_id).strip() == "":
        return None
    return str(message_id).strip()[:MAX_PROVIDER_ID]


def claim(channel: str, message_id: str | int, payload: dict[str, Any], conversation_id: str | None = None) -> int | None:
    """Store an update; returns its row id, or ``None`` when the id was stored before (a retry)."""
    key = provider_key(message_id)
    if key is None:
        raise ValueError("an inbound update needs the provider's id")
    try:
        with session_scope() as session:
            row = InboundUpdate(channel=channel, provider_id=key, conversation_id=conversation_id,
                                payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
            session.add(row)
            session.flush()
            return int(row.id)
    except IntegrityError:
        return None  # the unique constraint: another request (or replica) stored it first


def seen_before(channel: str, message_id: str | int | None) -> bool:
    """Whether an update with this id is stored already (``None`` ids are never duplicates)."""
    key = provider_key(message_id)
    if key is None:
        return False
    with session_scope() as session:
        return session.execute(select(InboundUpdate.id).where(
            InboundUpdate.channel == channel, InboundUpdate.provider_id == key)).first() is not None
