"""What the console pages read and the small units of work behind its buttons (sync, in threads)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from bot.conversations import transcript
from bot.handoff import service, summary as summaries
from bot.handoff.service import HandoffError
from bot.ledger.db import session_scope
from bot.ledger.models import Conversation, Handoff
from bot.ledger.repository import open_invoices


@dataclass(frozen=True)
class MessageView:
    id: int
    sender: str
    text: str
    at: str
    note: bool


def _message(row: Any) -> MessageView:
    return MessageView(row.id, row.sender, row.text, row.created_at.strftime("%d/%m %H:%M"),
                       row.sender == "system")


def queue_items() -> list[service.QueueItem]:
    with session_scope() as session:
        return service.list_queue(session, datetime.utcnow())


def conversation_id_of(handoff_id: int) -> Optional[str]:
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        return handoff.conversation_id if handoff else None


def conversation_view(handoff_id: int, lang: str) -> Optional[dict[str, Any]]:
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return None
        conv = session.get(Conversation, handoff.conversation_id)
        data = summaries.load(handoff.summary)
        debtor_id = data.get("debtor_id") if data.get("verified") else None
        invoices = open_invoices(session, int(debtor_id)) if debtor_id else []
        rows = transcript(session, handoff.conversation_id, 0, limit=1000)
        return {
            "id": handoff.id, "conversation_id": handoff.conversation_id, "channel": handoff.channel,
            "reason": handoff.reason, "status": handoff.status, "assigned_to": handoff.assigned_to,
            "priority": handoff.priority, "language": (conv.language if conv else None) or handoff.language,
            "paused": bool(conv and conv.paused), "summary": summaries.display_rows(data, lang),
            "verified": debtor_id is not None,
            "invoices": [{"number": i.number, "open_amount": i.open_amount, "due_date": i.due_date, "hold": i.hold}
                         for i in invoices],
            "messages": [_message(r) for r in rows], "last_id": rows[-1].id if rows else 0,
        }


def messages_after(handoff_id: int, after: int) -> Optional[dict[str, Any]]:
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return None
        rows = transcript(session, handoff.conversation_id, after)
        return {"messages": [_message(r) for r in rows], "last_id": rows[-1].id if rows else after,
                "status": handoff.status, "assigned_to": handoff.assigned_to}


def take(handoff_id: int, agent_username: str) -> tuple[str, str]:
    with session_scope() as session:
        handoff = service.get_handoff(session, handoff_id)
        if not service.take(session, handoff_id, agent_username):
            raise HandoffError("taken")
        return "taken_ok", handoff.conversation_id


def reply_target(handoff_id: int, agent_username: str, text: str) -> tuple[str, str]:
    """Check before delivering: this agent holds it and the text is acceptable."""
    service.check_text(text)
    with session_scope() as session:
        handoff = service.assigned_handoff(session, handoff_id, agent_username)
        conv = session.get(Conversation, handoff.conversation_id)
        return handoff.conversation_id, (conv.language if conv else None) or handoff.language or "it"


def record_reply(handoff_id: int, agent_username: str, text: str) -> int:
    with session_scope() as session:
        message = service.reply(session, handoff_id, agent_username, text)
        session.flush()
        return int(message.id)


def note(handoff_id: int, agent_username: str, text: str) -> str:
    with session_scope() as session:
        return service.add_note(session, handoff_id, agent_username, text).conversation_id


def hand_back(handoff_id: int, agent_username: str, to_nps: bool) -> str:
    with session_scope() as session:
        return service.hand_back(session, handoff_id, agent_username, to_nps).conversation_id


def close(handoff_id: int, agent_username: str, outcome: str) -> str:
    with session_scope() as session:
        return service.close(session, handoff_id, agent_username, outcome).conversation_id


def dashboard_html(lang: str) -> Optional[str]:
    """The KPI dashboard, when the KPI package is installed in this deployment."""
    try:
        from bot.kpi.dashboard import render_dashboard
    except ImportError:
        return None
    with session_scope() as session:
        return render_dashboard(session, since=None, until=None, lang=lang)
