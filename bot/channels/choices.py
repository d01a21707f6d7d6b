"""The numbered options last sent per conversation ("2" means the second), in the database.

SMS and WhatsApp lists show options as numbers; the debtor's answer may reach another
replica than the one that sent the list, or arrive after a restart, so the options live
in ``channel_state`` rather than one process's memory. Matching rules are
``formatting.NumberedChoices``'s; entries expire after ``TTL`` (a stale "2" is just text).
Blocking calls: run them in a worker thread.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Iterable

from bot.channels.formatting import Button, NumberedChoices
from bot.channels.models import ChannelState
from bot.ledger.db import session_scope

KIND = "choices"
TTL = timedelta(hours=6)


def remember(conversation_id: str, buttons: Iterable[Button], now: datetime | None = None) -> None:
    """Store the options just sent (nothing to store keeps the previous ones, as in memory)."""
    buttons = tuple(buttons)
    if not buttons:
        return
    value = json.dumps([[b.title, b.payload] for b in buttons], ensure_ascii=False)
    expires = (now or datetime.utcnow()) + TTL
    with session_scope() as session:
        row = session.get(ChannelState, (conversation_id, KIND))
        if row is None:
            session.add(ChannelState(conversation_id=conversation_id, kind=KIND, value=value, expires_at=expires))
        else:
            row.value, row.expires_at = value, expires


def resolve(conversation_id: str, text: str, now: datetime | None = None) -> Button | None:
    """The option picked by typing its title or its number; None when nothing matches."""
    with session_scope() as session:
        row = session.get(ChannelState, (conversation_id, KIND))
        if row is None or row.expires_at <= (now or datetime.utcnow()):
            return None
        buttons = [Button(title=str(t), payload=str(p)) for t, p in json.loads(row.value)]
    matcher = NumberedChoices()
    matcher.remember(conversation_id, buttons)
    return matcher.resolve(conversation_id, text)
