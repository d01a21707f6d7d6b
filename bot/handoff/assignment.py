"""Who holds a conversation: release, transfer, and the re-queue of conversations left silent.

Synchronous, inside the caller's Session, like ``bot.handoff.service``. An agent may release
or transfer what they hold; a supervisor may do it to any assigned conversation. A released
or re-queued entry waits again from that moment (its SLA clock restarts), so the debtor is
not apologised to for a wait that a person was covering.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.ledger.states import HandoffStatus
from bot.handoff.service import (
    HandoffConflict, HandoffError, HandoffNotFound, assigned_handoff, check_capacity, find_agent, get_handoff,
)
from bot.ledger.models import Handoff, TranscriptMessage
from bot.ledger.repository import audit
from bot.settings import get_settings


def may_view(handoff: Handoff, username: str, supervisor: bool) -> bool:
    """Agents see waiting entries and their own; supervisors see everything."""
    return supervisor or handoff.status == HandoffStatus.QUEUED or handoff.assigned_to == username


def viewable_handoff(session: Session, handoff_id: int, username: str, supervisor: bool) -> Handoff:
    """The handoff, or ``HandoffNotFound`` when this agent may not see it (no hint that it exists)."""
    handoff = get_handoff(session, handoff_id)
    if not may_view(handoff, username, supervisor):
        raise HandoffNotFound("not_found")
    return handoff


def _held(session: Session, handoff_id: int, username: str, supervisor: bool) -> Handoff:
    if not supervisor:
        return assigned_handoff(session, handoff_id, username)
    handoff = get_handoff(session, handoff_id)
    if handoff.status != HandoffStatus.ASSIGNED:
        raise HandoffConflict("not_assigned")
    return handoff


def release(session: Session, handoff_id: int, username: str, supervisor: bool = False,
            now: datetime | None = None) -> Handoff:
    """Put an assigned conversation back in the queue; the bot stays paused (a person is still due)."""
    now = now or datetime.utcnow()
    handoff = _held(session, handoff_id, username, supervisor)
    previous = handoff.assigned_to
    handoff.status, handoff.assigned_to, handoff.taken_at, handoff.created_at = "queued", None, None, now
    audit(session, actor=f"agent:{username}", action="handoff.released", entity="handoff", entity_id=handoff_id,
          conversation_id=handoff.conversation_id, details={"from": previous})
    return handoff


def transfer(session: Session, handoff_id: int, username: str, target: str, supervisor: bool = False,
             now: datetime | None = None) -> Handoff:
    """Hand an assigned conversation to another active agent who is under the open limit."""
    handoff = _held(session, handoff_id, username, supervisor)
    colleague = find_agent(session, (target or "").strip().lower())
    if colleague is None or not colleague.active:
        raise HandoffError("bad_agent")
    if colleague.username == handoff.assigned_to:
        raise HandoffError("same_agent")
    check_capacity(session, colleague.username)
    previous = handoff.assigned_to
    handoff.assigned_to, handoff.taken_at = colleague.username, now or datetime.utcnow()
    audit(session, actor=f"agent:{username}", action="handoff.transferred", entity="handoff", entity_id=handoff_id,
          conversation_id=handoff.conversation_id, details={"from": previous, "to": colleague.username})
    return handoff


def requeue_silent(session: Session, now: datetime) -> list[Handoff]:
    """Assigned conversations whose agent has said nothing for ``CONSOLE_SILENT_REQUEUE_MINUTES``
    (since taking it, or since their last message) go back to the queue. 0 turns this off."""
    minutes = get_settings().console_silent_requeue_minutes
    if minutes <= 0:
        return []
    deadline = now - timedelta(minutes=minutes)
    last_agent = (select(func.max(TranscriptMessage.created_at))
                  .where(TranscriptMessage.conversation_id == Handoff.conversation_id,
                         TranscriptMessage.sender == "agent", TranscriptMessage.created_at >= Handoff.taken_at)
                  .scalar_subquery())
    candidates = session.execute(
        select(Handoff.id, Handoff.assigned_to).where(
            Handoff.status == HandoffStatus.ASSIGNED, Handoff.taken_at <= deadline,
            func.coalesce(last_agent, Handoff.taken_at) <= deadline)).all()
    requeued: list[Handoff] = []
    for handoff_id, holder in candidates:
        changed = session.execute(
            update(Handoff).where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.ASSIGNED,
                                  Handoff.assigned_to == holder)
            .values(status=HandoffStatus.QUEUED, assigned_to=None, taken_at=None, created_at=now)
            .execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            continue  # the agent acted meanwhile
        handoff = get_handoff(session, handoff_id)
        session.refresh(handoff)
        audit(session, actor="bot", action="handoff.requeued", entity="handoff", entity_id=handoff_id,
              conversation_id=handoff.conversation_id, details={"from": holder, "silent_minutes": minutes})
        requeued.append(handoff)
    return requeued
