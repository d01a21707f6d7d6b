"""The handoff queue: request, take, reply, hand back, close, SLA expiry (docs/architecture.md §7).

Every function is synchronous and works inside the caller's Session (the caller commits);
the action server and the console run them in worker threads. Delivery to the debtor is
not done here (it is async and channel-specific): see ``bot.handoff.console``.

The pause lives in ``Conversation.paused`` in the database, never in the Rasa tracker, so a
session expiry or a ``/restart`` cannot lift it.
"""
from __future__ import annotations

import json
from typing import Any
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.ledger.states import HandoffStatus
from bot.conversations import record_message, upsert_conversation
from bot.creditor import get_creditor
from bot.handoff import OPEN_STATUSES, OUTCOMES, REASONS, summary as summaries
from bot.ledger.models import Agent, Conversation, Handoff, TranscriptMessage
from bot.ledger.repository import audit
from bot.settings import get_settings

MAX_AGENT_TEXT = 2000
NOTE_PREFIX = "[nota] "
PRIORITY_VULNERABLE = 10
PRIORITY_COMPLAINT = 5


class HandoffError(ValueError):
    """Something an agent asked for that cannot be done; ``code`` is shown translated.

    The subclass says what kind of refusal it is, and so the HTTP status the console answers
    with: bad input (400, this class), no such entry (404), somebody else's or the wrong state (409).
    """

    status = 400

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class HandoffNotFound(HandoffError):
    """No handoff with that id (or not one this agent may see)."""

    status = 404


class DeliveryFailed(HandoffError):
    """The debtor's channel did not take the message (502: the fault is downstream, nothing recorded)."""

    status = 502


class HandoffConflict(HandoffError):
    """The entry is in another state or held by someone else (taken, not assigned, limit reached)."""

    status = 409


def _agent_actor(username: str) -> str:
    return f"agent:{username}"


def priority_for(reason: str, vulnerable: bool) -> int:
    """Queue priority of a new entry (higher is served first): vulnerable debtors, then complaints, then the rest."""
    if vulnerable or reason == "vulnerability":
        return PRIORITY_VULNERABLE
    return PRIORITY_COMPLAINT if reason == "complain" else 0


def is_open_now(now: datetime) -> bool:
    """Whether agents are on duty (creditor support hours)."""
    return get_creditor().is_open(now)


def queued_count(session: Session) -> int:
    """How many handoffs are waiting for a person, the basis of the expected wait."""
    return int(session.execute(select(func.count(Handoff.id)).where(Handoff.status == HandoffStatus.QUEUED)).scalar_one())


def expected_wait_minutes(session: Session, now: datetime) -> int:
    """The creditor's typical wait, a little longer for each conversation already waiting.

    Capped at the SLA: past it the debtor gets an apology anyway, so promising more is wrong.
    """
    base = get_creditor().expected_wait_minutes
    ahead = max(queued_count(session) - 1, 0)
    return max(1, min(base + 2 * ahead, get_settings().handoff_sla_minutes))


def open_handoff(session: Session, conversation_id: str) -> Handoff | None:
    """The conversation's latest handoff still waiting or assigned; None when there is none."""
    return session.execute(
        select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.id.desc()).limit(1)
    ).scalar_one_or_none()


def request_handoff(session: Session, *, conversation_id: str, channel: str, reason: str, language: str,
                    debtor_id: int | None, summary: dict, vulnerable: bool = False,
                    now: datetime | None = None) -> Handoff:
    """Queue the conversation for a person and pause the bot on it; idempotent per conversation.

    Outside support hours the entry is queued for the next shift but the bot is not paused:
    the debtor has just been offered a callback or to carry on with the assistant, and the
    pause would silence both. Taking the entry pauses the conversation then.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}")
    now = now or datetime.utcnow()
    in_hours = is_open_now(now)
    conv = upsert_conversation(session, conversation_id, channel, language=language, inbound=False)
    if debtor_id is not None:
        conv.debtor_id = debtor_id
    existing = open_handoff(session, conversation_id)
    if existing is not None:
        if in_hours and not conv.paused:
            # Asked again, now within hours: the wait (and the SLA) starts from this request.
            conv.paused = True
            existing.created_at = existing.last_note_at = now
        return existing
    data = summaries.enrich(session, summary, conversation_id=conversation_id, channel=channel, reason=reason,
                            language=language, debtor_id=debtor_id, vulnerable=vulnerable)
    data["after_hours"] = not in_hours
    handoff = Handoff(conversation_id=conversation_id, channel=channel, reason=reason, language=language,
                      priority=priority_for(reason, data["vulnerable"]), status=HandoffStatus.QUEUED,
                      summary=json.dumps(data, sort_keys=True), created_at=now,
                      # The escalation reply already told the wait: the next note is due later.
                      last_note_at=now)
    session.add(handoff)
    conv.paused = conv.paused or in_hours
    session.flush()
    audit(session, actor="bot", action="handoff.requested", entity="handoff", entity_id=handoff.id,
          conversation_id=conversation_id,
          details={"reason": reason, "priority": handoff.priority, "channel": channel, "after_hours": not in_hours})
    return handoff


def get_handoff(session: Session, handoff_id: int) -> Handoff:
    """The handoff with that id; ``HandoffNotFound`` (404) when there is none."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffNotFound("not_found")
    return handoff


def open_count(session: Session, agent_username: str) -> int:
    """How many conversations the agent holds right now."""
    return int(session.execute(select(func.count(Handoff.id)).where(
        Handoff.status == HandoffStatus.ASSIGNED, Handoff.assigned_to == agent_username)).scalar_one())


def check_capacity(session: Session, agent_username: str) -> None:
    """Refuse (409 ``limit``) when the agent already holds ``CONSOLE_MAX_OPEN_PER_AGENT`` conversations."""
    limit = get_settings().console_max_open_per_agent
    if limit > 0 and open_count(session, agent_username) >= limit:
        raise HandoffConflict("limit")


def take(session: Session, handoff_id: int, agent_username: str, now: datetime | None = None) -> bool:
    """Assign a waiting handoff to the agent; False when someone else got there first.

    A conditional UPDATE (``WHERE status = 'queued'``) decides: of two agents clicking at
    once, the database lets exactly one row change. An agent at the open-conversation
    limit is refused before anything changes.
    """
    now = now or datetime.utcnow()
    check_capacity(session, agent_username)
    result = session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.QUEUED)
        .values(status=HandoffStatus.ASSIGNED, assigned_to=agent_username, taken_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    handoff = get_handoff(session, handoff_id)
    session.refresh(handoff)
    conv = upsert_conversation(session, handoff.conversation_id, handoff.channel, inbound=False)
    conv.paused = True  # an after-hours entry pauses only now, when a person is really there
    audit(session, actor=_agent_actor(agent_username), action="handoff.taken", entity="handoff",
          entity_id=handoff_id, conversation_id=handoff.conversation_id,
          details={"waited_seconds": int((now - handoff.created_at).total_seconds())})
    return True


def assigned_handoff(session: Session, handoff_id: int, agent_username: str) -> Handoff:
    """The handoff, if this agent holds it; otherwise a HandoffError the console can show."""
    handoff = get_handoff(session, handoff_id)
    if handoff.status != HandoffStatus.ASSIGNED:
        raise HandoffConflict("not_assigned")
    if handoff.assigned_to != agent_username:
        raise HandoffConflict("other_agent")
    return handoff


def check_text(text: str) -> str:
    """The agent's text, trimmed; ``HandoffError`` ``empty`` or ``too_long`` (over MAX_AGENT_TEXT characters)."""
    text = (text or "").strip()
    if not text:
        raise HandoffError("empty")
    if len(text) > MAX_AGENT_TEXT:
        raise HandoffError("too_long")
    return text


def reply(session: Session, handoff_id: int, agent_username: str, text: str) -> TranscriptMessage:
    """Record an agent message that has been delivered; the audit keeps ids, not the content."""
    handoff = assigned_handoff(session, handoff_id, agent_username)
    message = record_message(session, handoff.conversation_id, "agent", check_text(text))
    session.flush()
    audit(session, actor=_agent_actor(agent_username), action="handoff.message", entity="transcript_message",
          entity_id=message.id, conversation_id=handoff.conversation_id, details={"handoff_id": handoff_id})
    return message


def add_note(session: Session, handoff_id: int, agent_username: str, text: str) -> TranscriptMessage:
    """Internal note: visible to agents in the transcript, never sent to the debtor."""
    handoff = get_handoff(session, handoff_id)
    note = record_message(session, handoff.conversation_id, "system",
                          f"{NOTE_PREFIX}{agent_username}: {check_text(text)}")
    session.flush()
    audit(session, actor=_agent_actor(agent_username), action="handoff.note", entity="transcript_message",
          entity_id=note.id, conversation_id=handoff.conversation_id, details={"handoff_id": handoff_id})
    return note


def _unpause(session: Session, conversation_id: str) -> None:
    conv = session.get(Conversation, conversation_id)
    if conv is not None:
        conv.paused = False


def hand_back(session: Session, handoff_id: int, agent_username: str, to_nps: bool = False,
              now: datetime | None = None) -> Handoff:
    """Give the conversation back to the assistant (optionally straight into the NPS step)."""
    handoff = assigned_handoff(session, handoff_id, agent_username)
    handoff.status, handoff.closed_at = "returned", now or datetime.utcnow()
    _unpause(session, handoff.conversation_id)
    audit(session, actor=_agent_actor(agent_username), action="handoff.returned", entity="handoff",
          entity_id=handoff_id, conversation_id=handoff.conversation_id, details={"to": "nps" if to_nps else "bot"})
    return handoff


def close(session: Session, handoff_id: int, agent_username: str, outcome: str,
          now: datetime | None = None) -> Handoff:
    """End the takeover with an outcome; the bot is un-paused but does not speak."""
    if outcome not in OUTCOMES:
        raise HandoffError("bad_outcome")
    handoff = assigned_handoff(session, handoff_id, agent_username)
    handoff.status, handoff.outcome, handoff.closed_at = "closed", outcome, now or datetime.utcnow()
    _unpause(session, handoff.conversation_id)
    audit(session, actor=_agent_actor(agent_username), action="handoff.closed", entity="handoff",
          entity_id=handoff_id, conversation_id=handoff.conversation_id, details={"outcome": outcome})
    return handoff


def sweep_sla(session: Session, now: datetime) -> list[Handoff]:
    """Expire waiting handoffs older than the SLA on paused conversations and un-pause them.

    The caller apologises to each returned debtor and offers a callback. Entries queued
    after hours (conversation not paused) wait for the next shift instead.
    """
    deadline = now - timedelta(minutes=get_settings().handoff_sla_minutes)
    candidates = session.execute(
        select(Handoff.id).join(Conversation, Conversation.conversation_id == Handoff.conversation_id)
        .where(Handoff.status == HandoffStatus.QUEUED, Handoff.created_at <= deadline, Conversation.paused.is_(True))
    ).scalars().all()
    expired: list[Handoff] = []
    for handoff_id in candidates:
        result = session.execute(
            update(Handoff).where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.QUEUED)
            .values(status=HandoffStatus.EXPIRED, closed_at=now).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            continue  # taken meanwhile: the agent wins
        handoff = get_handoff(session, handoff_id)
        session.refresh(handoff)
        _unpause(session, handoff.conversation_id)
        audit(session, actor="bot", action="handoff.expired", entity="handoff", entity_id=handoff_id,
              conversation_id=handoff.conversation_id,
              details={"waited_minutes": int((now - handoff.created_at).total_seconds() // 60)})
        expired.append(handoff)
    return expired


def find_agent(session: Session, username: str) -> Agent | None:
    """The agent account with that username, active or not."""
    return session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()


def queue_for_person(**fields: Any) -> tuple[bool, int]:
    """Put the conversation in the queue (``request_handoff``'s fields) in its own unit of work;
    returns whether support is open now and the expected wait in minutes, for the reply."""
    from bot.ledger.db import session_scope

    now = datetime.utcnow()
    with session_scope() as session:
        request_handoff(session, **fields)
        return is_open_now(now), expected_wait_minutes(session, now)
