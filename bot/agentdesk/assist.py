"""Assisted verification: the debtor tells the agent the invoice number and tax code.

The agent's pair goes through ``bot.verification.verify`` exactly like the assistant's (same
attempt limits per conversation, invoice, tax code and client; the attempt is counted; a
failure never says which factor was wrong). The agent must hold the conversation. On success
the server-side record (``verified_conversations``) names the agent, the queue summary gains
the debtor's facts so account actions unlock, and a note in the transcript tells colleagues.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.conversations import record_message
from bot.dialogue.extract import pick_invoice, pick_tax_code
from bot.handoff.service import HandoffError, assigned_handoff, get_handoff
from bot.handoff import summary as summaries
from bot.ledger.db import session_scope
from bot.ledger.models import Conversation, Debtor, TranscriptMessage
from bot.ledger.repository import audit, known_invoice_keys, open_invoices
from bot.security.verified import record_verified
from bot.settings import get_settings
from bot.verification import verify

NOTE_PREFIX = "[verifica] "
SUGGEST_FROM_LAST = 30  # debtor messages searched for a pair to confirm


@dataclass(frozen=True)
class AssistOutcome:
    """What the console shows and what the tracker needs after one assisted attempt."""

    status: str  # verified | failed | locked
    conversation_id: str
    debtor_id: int | None = None
    invoice_number: str | None = None
    attempts_left: int = 0
    lock_minutes: int = 0


def suggestions(handoff_id: int) -> dict[str, str]:
    """Invoice number and tax code the debtor typed most recently, for the agent to confirm."""
    with session_scope() as session:
        handoff = get_handoff(session, handoff_id)
        texts = session.execute(
            select(TranscriptMessage.text).where(TranscriptMessage.conversation_id == handoff.conversation_id,
                                                 TranscriptMessage.sender == "debtor")
            .order_by(TranscriptMessage.id.desc()).limit(SUGGEST_FROM_LAST)).scalars().all()
        found: dict[str, str] = {}
        for text in texts:
            if "invoice" not in found:
                number = pick_invoice(text, [], lambda keys: known_invoice_keys(session, keys))
                if number:
                    found["invoice"] = number
            if "tax_code" not in found:
                code = pick_tax_code(text, [])
                if code:
                    found["tax_code"] = code
        return found


def _summary_facts(session: Any, debtor: Debtor) -> dict[str, Any]:
    rows = open_invoices(session, debtor.id)
    return {"debtor_name": debtor.name, "debtor_ref": debtor.debtor_ref,
            "balance": str(sum((r.open_amount for r in rows), Decimal("0.00"))),
            "open_invoices": [{"number": r.number, "open_amount": str(r.open_amount),
                               "due_date": r.due_date.isoformat(), "hold": r.hold} for r in rows]}


def assisted_verify(handoff_id: int, agent_username: str, invoice_number: str, tax_code: str,
                    now: datetime) -> AssistOutcome:
    """Check the pair for the conversation the agent holds; record the result as the agent's."""
    invoice_number, tax_code = (invoice_number or "").strip()[:64], (tax_code or "").strip()[:32]
    if not invoice_number or not tax_code:
        raise HandoffError("empty")
    settings = get_settings()
    actor = f"agent:{agent_username}"
    with session_scope() as session:
        handoff = assigned_handoff(session, handoff_id, agent_username)
        cid = handoff.conversation_id
        result = verify(session, conversation_id=cid, invoice_number=invoice_number, tax_code=tax_code, now=now,
                        max_attempts=settings.verify_max_attempts, lock_minutes=settings.verify_lock_minutes,
                        client_key=actor)
        audit(session, actor=actor, action=f"verification.assisted.{result.status}", entity="conversation",
              entity_id=cid, conversation_id=cid, details={"handoff_id": handoff_id})
        if not result.verified:
            minutes = 0
            if result.locked_until is not None:
                minutes = max(1, math.ceil((result.locked_until - now).total_seconds() / 60))
            record_message(session, cid, "system", f"{NOTE_PREFIX}{agent_username}: "
                           + ("verification locked" if result.status == "locked" else "verification failed"))
            return AssistOutcome(result.status, cid, attempts_left=result.attempts_left, lock_minutes=minutes)
        debtor = session.get(Debtor, result.debtor_id)
        record_verified(session, conversation_id=cid, debtor_id=debtor.id, now=now, invoice_id=result.invoice_id,
                        channel=handoff.channel, verified_by=actor)
        conv = session.get(Conversation, cid)
        if conv is not None and conv.debtor_id is None:
            conv.debtor_id = debtor.id  # the profile lists this conversation from now on
        data = summaries.load(handoff.summary)
        data.update(verified=True, debtor_id=debtor.id, **_summary_facts(session, debtor))
        handoff.summary = json.dumps(data, default=str)
        record_message(session, cid, "system", f"{NOTE_PREFIX}{agent_username}: identity verified")
        return AssistOutcome("verified", cid, debtor_id=debtor.id, invoice_number=result.invoice_number)

