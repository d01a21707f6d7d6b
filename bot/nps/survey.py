"""Storing an NPS answer, and opening the follow-up task that closes the loop with a detractor."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.ledger.states import TaskStatus
from bot.ledger.models import DEFAULT_CREDITOR, FollowUpTask, NpsResponse
from bot.plans.calendar import add_business_days

MAX_TEXT = 2000
DETRACTOR_MAX, PASSIVE_MAX = 6, 8
# A detractor is called back within two working days: long enough to plan the call,
# short enough that the debtor still remembers the conversation.
FOLLOWUP_BUSINESS_DAYS = 2
DEFAULT_OWNER = "customer-care"


def nps_category(score: int) -> str:
    """promoter (9-10) | passive (7-8) | detractor (0-6)."""
    if not 0 <= int(score) <= 10:
        raise ValueError(f"NPS score must be between 0 and 10, got {score}")
    if score <= DETRACTOR_MAX:
        return "detractor"
    return "passive" if score <= PASSIVE_MAX else "promoter"


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()[:MAX_TEXT]
    return text or None


def record_nps_response(session: Session, *, conversation_id: str, channel: str, journey: str, outcome: str,
                        language: str, score: int, reason: str | None, improvement: str | None,
                        debtor_id: int | None, creditor_id: str = DEFAULT_CREDITOR,
                        now: datetime | None = None) -> NpsResponse:
    """Store one answer; a detractor also gets an open follow-up task with an owner and a due date."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"NPS score must be an integer, got {score!r}")
    category = nps_category(score)
    moment = now or datetime.utcnow()
    response = NpsResponse(
        creditor_id=creditor_id, debtor_id=debtor_id, conversation_id=conversation_id,
        channel=(channel or "unknown")[:16], journey=(journey or "other")[:32], outcome=(outcome or "other")[:32],
        language=(language or "it")[:2].lower(), score=score, reason=_clean(reason),
        improvement=_clean(improvement), created_at=moment,
    )
    session.add(response)
    session.flush()
    if category == "detractor":
        session.add(FollowUpTask(
            creditor_id=creditor_id, kind="nps_detractor", debtor_id=debtor_id, nps_response_id=response.id,
            conversation_id=conversation_id, status=TaskStatus.OPEN, owner=DEFAULT_OWNER,
            due_on=add_business_days(moment.date(), FOLLOWUP_BUSINESS_DAYS),
            note=f"NPS {score} ({response.journey}/{response.outcome})", created_at=moment,
        ))
        session.flush()
    return response
