"""The identity an action may act for, looked up once per action call.

The action server loads the conversation's server-side verification (bot.security.verified)
before an action runs and keeps it in a context variable for that call; ``Turn.verified``
and ``Turn.debtor_id`` read it from here, never from the tracker's slots. An action invoked
outside the action server (a unit test calling ``run`` directly) has nothing preloaded: the
first read looks the record up then.
"""
from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from bot.ledger.db import session_scope
from bot.security.verified import Identity, session_key, verified_identity

__all__ = ["Identity", "Loaded", "current", "load", "load_async", "remember", "slot_corrections"]


@dataclass(frozen=True)
class Loaded:
    """The identity of one conversation as loaded for the current action call."""

    conversation_id: str
    identity: Identity | None


_CURRENT: ContextVar[Loaded | None] = ContextVar("conversation_identity", default=None)


def load(conversation_id: str, events: Iterable[dict[str, Any]] | None, now: datetime) -> Identity | None:
    """Read the verification record of ``conversation_id`` for the tracker's current session."""
    with session_scope() as session:
        return verified_identity(session, conversation_id, now, session_key(events))


async def load_async(conversation_id: str, events: Iterable[dict[str, Any]] | None,
                     now: datetime) -> Identity | None:
    """``load`` in a worker thread, then remembered for this call: the event loop never blocks."""
    identity = await asyncio.to_thread(load, conversation_id, list(events or ()), now)
    remember(conversation_id, identity)
    return identity


def remember(conversation_id: str, identity: Identity | None) -> None:
    """Make ``identity`` the current one for ``conversation_id`` (after loading or verifying)."""
    _CURRENT.set(Loaded(conversation_id, identity))


def current(conversation_id: str) -> Loaded | None:
    """What was loaded for ``conversation_id`` in this call, None if nothing was."""
    loaded = _CURRENT.get()
    return loaded if loaded is not None and loaded.conversation_id == conversation_id else None


def slot_corrections(slots: dict[str, Any], identity: Identity | None) -> dict[str, Any]:
    """The slot values that disagree with the record, set to what the record says.

    ``verified``, ``debtor_id`` and ``verified_invoice`` are dialogue hints; when they claim
    more (or other) than the record, the record wins.
    """
    wanted: dict[str, Any] = {
        "verified": identity is not None,
        "debtor_id": identity.debtor_id if identity else None,
    }
    if identity is None:
        wanted["verified_invoice"] = None
    elif identity.invoice_number:
        wanted["verified_invoice"] = identity.invoice_number
    fixes = {}
    for name, value in wanted.items():
        have = slots.get(name)
        if name == "verified":
            have = bool(have)
        elif name == "debtor_id" and have is not None:
            try:
                have = int(have)
            except (TypeError, ValueError):
                have = object()  # not a debtor id at all: always corrected
        if have != value:
            fixes[name] = value
    return fixes
