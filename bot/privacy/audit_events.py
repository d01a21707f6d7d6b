"""One-line audit calls for places that have no database session of their own."""
from __future__ import annotations

from bot.ledger.db import session_scope
from bot.ledger.repository import audit


def record_agent_view(username: str, handoff_id: int, conversation_id: str | None,
                      what: str = "conversation") -> None:
    """An agent opened a conversation (transcript and summary) in the console."""
    with session_scope() as session:
        audit(session, actor=f"agent:{username}", action=f"console.view_{what}", entity="handoff",
              entity_id=handoff_id, conversation_id=conversation_id)
