"""The pause gate every channel's inbound pipeline asks before the dialogue sees a message.

While a conversation is with a person (``Conversation.paused`` in the database), nothing the
debtor sends reaches the model — not text, not ``/restart``, not ``/intent{...}`` strings,
not button payloads. The text itself is never inspected here, on purpose: the decision
depends only on the stored pause, so no input can talk its way past it.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from bot.ledger.states import HandoffStatus
from bot.handoff import events, texts
from bot.handoff.service import expected_wait_minutes, open_handoff
from bot.ledger.db import session_scope
from bot.ledger.models import Conversation, Handoff
from bot.settings import get_settings

log = logging.getLogger(__name__)


@dataclass
class GateDecision:
    paused: bool
    replies: list[str] = field(default_factory=list)


def _claim_note_slot(session: Session, handoff: Handoff, now: datetime) -> bool:
    """True for exactly one caller per interval, even with messages arriving together."""
    since = now - timedelta(minutes=get_settings().handoff_note_interval_minutes)
    result = session.execute(
        update(Handoff).where(Handoff.id == handoff.id,
                              or_(Handoff.last_note_at.is_(None), Handoff.last_note_at <= since))
        .values(last_note_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def gate_decision(session: Session, conversation_id: str, now: datetime) -> GateDecision:
    """Synchronous core of :func:`inbound_gate`."""
    conv = session.get(Conversation, conversation_id)
    if conv is None or not conv.paused:
        return GateDecision(paused=False)
    handoff = open_handoff(session, conversation_id)
    # Once an agent has taken it, the agent is the one talking: no automatic notes.
    if handoff is None or handoff.status != HandoffStatus.QUEUED or not _claim_note_slot(session, handoff, now):
        return GateDecision(paused=True)
    lang = conv.language or handoff.language or "it"
    try:
        note = texts.render("handoff_waiting_note", lang, wait_minutes=expected_wait_minutes(session, now))
    except (ImportError, LookupError) as exc:
        # Still paused: a missing template may cost the note, never the pause.
        log.error("handoff waiting note unavailable: %s", exc)
        return GateDecision(paused=True)
    # Not recorded here: the channel's output channel records every reply it sends.
    return GateDecision(paused=True, replies=[note])


def _decide(conversation_id: str) -> GateDecision:
    with session_scope() as session:
        return gate_decision(session, conversation_id, datetime.utcnow())


async def inbound_gate(conversation_id: str, channel: str, text: str) -> GateDecision:
    """Called by every channel after the debtor message is recorded; see the module doc."""
    decision = await asyncio.to_thread(_decide, conversation_id)
    if decision.paused:
        # The agent's page shows the new debtor message without a reload.
        events.notify_conversation(conversation_id)
        events.notify_queue_changed()
    return decision
