"""What the console pages read and the small units of work behind its buttons (sync, in threads)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select

from bot.conversations import transcript
from bot.handoff import assignment, labels, queue_views, service, summary as summaries
from bot.handoff.queue_views import Filters, QueueItem, View
from bot.handoff.service import HandoffConflict
from bot.ledger.db import session_scope
from bot.ledger.models import Agent, Conversation, Handoff
from bot.ledger.repository import open_invoices


@dataclass(frozen=True)
class MessageView:
    id: int
    sender: str
    text: str
    at: str
    note: bool


def _message(row: Any, lang: str = "it") -> MessageView:
    return MessageView(row.id, row.sender, labels.message_text(row.text, lang), labels.moment(row.created_at, lang),
                       row.sender == "system")


def queue_items(view: View = "open", agent: str | None = None, filters: Filters | None = None,
                lang: str = "it") -> list[QueueItem]:
    """One console list; silent assignments are re-queued first, so every poll applies the rule."""
    now = datetime.utcnow()
    with session_scope() as session:
        assignment.requeue_silent(session, now)
        return queue_views.list_queue(session, now, view=view, agent=agent, filters=filters, lang=lang)


def colleagues(except_username: str) -> list[tuple[str, str]]:
    """(username, display name) of the other active agents, for the transfer menu."""
    with session_scope() as session:
        rows = session.execute(select(Agent.username, Agent.display_name).where(
            Agent.active.is_(True), Agent.username != except_username).order_by(Agent.display_name)).all()
        return [(r[0], r[1]) for r in rows]


def conversation_id_of(handoff_id: int) -> Optional[str]:
    """The handoff's conversation id, or None for an unknown id; no visibility check."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        return handoff.conversation_id if handoff else None


def visible_conversation_id(handoff_id: int, username: str, supervisor: bool) -> Optional[str]:
    """The conversation id when this agent may see the handoff, else None (as if it did not exist)."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        return handoff.conversation_id if handoff and assignment.may_view(handoff, username, supervisor) else None


def _display_name(session: Any, username: Optional[str]) -> Optional[str]:
    if not username:
        return None
    agent = service.find_agent(session, username)
    return agent.display_name if agent else username


def conversation_view(handoff_id: int, lang: str, username: str = "", supervisor: bool = True
                      ) -> Optional[dict[str, Any]]:
    """Everything the conversation page shows, labelled in ``lang``; None when the handoff is missing or
    not visible to this agent. Debtor name and invoices appear only when the conversation was verified."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None or not assignment.may_view(handoff, username, supervisor):
            return None
        conv = session.get(Conversation, handoff.conversation_id)
        data = summaries.load(handoff.summary)
        debtor_id = data.get("debtor_id") if data.get("verified") else None
        invoices = open_invoices(session, int(debtor_id)) if debtor_id else []
        rows = transcript(session, handoff.conversation_id, 0, limit=1000)
        return {
            "id": handoff.id, "conversation_id": handoff.conversation_id, "channel": handoff.channel,
            "channel_label": labels.channel(handoff.channel, lang), "reason": handoff.reason,
            "reason_label": labels.reason(handoff.reason, lang), "status": handoff.status,
            "assigned_to": handoff.assigned_to, "priority": handoff.priority,
            "assigned_name": _display_name(session, handoff.assigned_to),
            "priority_label": labels.priority(handoff.priority, lang),
            "outcome_label": labels.outcome(handoff.outcome, lang),
            "title": (data.get("debtor_name") if debtor_id else None) or labels.unverified_label(
                handoff.channel, handoff.conversation_id, conv.address if conv else None, handoff.created_at, lang),
            "language": (conv.language if conv else None) or handoff.language,
            "paused": bool(conv and conv.paused), "summary": summaries.display_rows(data, lang),
            "verified": debtor_id is not None,
            "invoices": [{"number": i.number, "open_amount": labels.money(i.open_amount, lang),
                          "due_date": labels.day(i.due_date, lang), "hold": i.hold} for i in invoices],
            "messages": [_message(r, lang) for r in rows], "last_id": rows[-1].id if rows else 0,
        }


def messages_after(handoff_id: int, after: int, lang: str = "it", username: str = "",
                   supervisor: bool = True) -> Optional[dict[str, Any]]:
    """Transcript messages after id ``after`` with the current status and holder, for the page's polling;
    None when the handoff is missing or not visible to this agent."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None or not assignment.may_view(handoff, username, supervisor):
            return None
        rows = transcript(session, handoff.conversation_id, after)
        return {"messages": [_message(r, lang) for r in rows], "last_id": rows[-1].id if rows else after,
                "status": handoff.status, "assigned_to": handoff.assigned_to}


def take(handoff_id: int, agent_username: str) -> str:
    """Assign to the agent; the conversation id. ``HandoffConflict("taken")`` when someone was first."""
    with session_scope() as session:
        handoff = service.get_handoff(session, handoff_id)
        if not service.take(session, handoff_id, agent_username):
            raise HandoffConflict("taken")
        return handoff.conversation_id


def release(handoff_id: int, username: str, supervisor: bool) -> str:
    """Put the conversation back in the queue (an agent their own, a supervisor any); its conversation id."""
    with session_scope() as session:
        return assignment.release(session, handoff_id, username, supervisor).conversation_id


def transfer(handoff_id: int, username: str, target: str, supervisor: bool) -> str:
    """Hand the conversation to colleague ``target``; its conversation id, or a HandoffError naming the refusal."""
    with session_scope() as session:
        return assignment.transfer(session, handoff_id, username, target, supervisor).conversation_id


def reply_target(handoff_id: int, agent_username: str, text: str) -> tuple[str, str]:
    """Check before delivering: this agent holds it and the text is acceptable."""
    service.check_text(text)
    with session_scope() as session:
        handoff = service.assigned_handoff(session, handoff_id, agent_username)
        conv = session.get(Conversation, handoff.conversation_id)
        return handoff.conversation_id, (conv.language if conv else None) or handoff.language or "it"


def record_reply(handoff_id: int, agent_username: str, text: str, session: Optional[Any] = None) -> int:
    """Record an agent reply (with its audit entry); the new transcript message's id. In ``session`` when
    given (not committed: the reply outbox queues the message in the same transaction), else in its own."""
    if session is None:
        with session_scope() as own:
            return record_reply(handoff_id, agent_username, text, own)
    message = service.reply(session, handoff_id, agent_username, text)
    session.flush()
    return int(message.id)


def note(handoff_id: int, agent_username: str, text: str, supervisor: bool = False) -> str:
    """Add an internal note, allowed to anyone who may see the handoff; its conversation id."""
    with session_scope() as session:
        assignment.viewable_handoff(session, handoff_id, agent_username, supervisor)
        return service.add_note(session, handoff_id, agent_username, text).conversation_id


def hand_back(handoff_id: int, agent_username: str, to_nps: bool) -> str:
    """Give the conversation back to the assistant (NPS step with ``to_nps``); its id. The caller makes it speak."""
    with session_scope() as session:
        return service.hand_back(session, handoff_id, agent_username, to_nps).conversation_id


def close(handoff_id: int, agent_username: str, outcome: str) -> str:
    """End the takeover with ``outcome``; its conversation id. The bot is un-paused but says nothing."""
    with session_scope() as session:
        return service.close(session, handoff_id, agent_username, outcome).conversation_id


def dashboard_html(lang: str) -> Optional[str]:
    """The KPI dashboard's body (shown inside the console frame), when the KPI package is installed."""
    try:
        from bot.kpi.dashboard import render_dashboard_body
    except ImportError:
        return None
    with session_scope() as session:
        return render_dashboard_body(session, since=None, until=None, lang=lang)
