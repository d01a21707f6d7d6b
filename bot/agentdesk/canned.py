"""Canned replies: texts supervisors write once, agents insert into the reply box.

A body may use ``{name}`` (the debtor's name), ``{balance}`` (the open balance),
``{next_instalment}`` and ``{next_instalment_date}`` (the next unpaid instalment of the active
plan) and ``{agent}`` (the agent's display name). The debtor's facts are filled only when the
conversation is verified (the server-side record, never a slot); a reply that needs a fact
the conversation does not have is offered as unavailable, never with a blank. Money and
dates are written by babel in the reply's language, because the debtor reads them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.states import PlanStatus
from bot.agentdesk.models import CannedReply
from bot.ledger.db import session_scope
from bot.ledger.models import DEFAULT_CREDITOR, Conversation, Debtor, Handoff, PaymentPlan, PlanInstalment
from bot.ledger.repository import audit, open_balance
from bot.messages.formatting import format_date, format_money
from bot.security.verified import verified_debtor

VARIABLES = ("name", "balance", "next_instalment", "next_instalment_date", "agent")
LANGUAGES = ("it", "en")
_VAR = re.compile(r"\{([^{}]*)\}")
MAX_TITLE, MAX_BODY = 80, 2000


class CannedError(ValueError):
    """A reply a supervisor cannot save as written; ``code`` names the problem for the page."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code, self.detail = code, detail


def variables_in(body: str) -> list[str]:
    """The ``{variable}`` names a body uses, in order, without repeats."""
    return list(dict.fromkeys(m.group(1).strip() for m in _VAR.finditer(body)))


def check(language: str, title: str, body: str) -> tuple[str, str, str]:
    """Validated (language, title, body); CannedError for anything a page should refuse."""
    title, body = " ".join((title or "").split()), (body or "").strip()
    if language not in LANGUAGES:
        raise CannedError("bad_language")
    if not title or not body:
        raise CannedError("empty")
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise CannedError("too_long")
    unknown = [v for v in variables_in(body) if v not in VARIABLES]
    if unknown or body.count("{") != body.count("}"):
        raise CannedError("bad_variable", ", ".join(unknown) or "{")
    return language, title, body


def save(session: Session, *, language: str, title: str, body: str, actor: str, reply_id: int | None = None,
         creditor_id: str = DEFAULT_CREDITOR) -> CannedReply:
    """Create or edit a reply (audited); the same title twice in one language is refused."""
    language, title, body = check(language, title, body)
    clash = session.execute(select(CannedReply.id).where(
        CannedReply.creditor_id == creditor_id, CannedReply.language == language, CannedReply.title == title,
    )).scalar_one_or_none()
    if clash is not None and clash != reply_id:
        raise CannedError("duplicate")
    row = session.get(CannedReply, reply_id) if reply_id else None
    if reply_id and row is None:
        raise CannedError("not_found")
    if row is None:
        row = CannedReply(creditor_id=creditor_id)
        session.add(row)
    row.language, row.title, row.body, row.active, row.updated_by = language, title, body, True, actor[:64]
    session.flush()
    audit(session, actor=actor, action="canned.saved", entity="canned_reply", entity_id=row.id)
    return row


def retire(session: Session, reply_id: int, actor: str) -> None:
    """Take a reply out of use (kept for the audit trail)."""
    row = session.get(CannedReply, reply_id)
    if row is None:
        raise CannedError("not_found")
    row.active = False
    audit(session, actor=actor, action="canned.retired", entity="canned_reply", entity_id=row.id)


def all_replies(session: Session, creditor_id: str = DEFAULT_CREDITOR) -> list[CannedReply]:
    """Every reply of the creditor, retired ones included: active first, then by language and title."""
    return list(session.execute(select(CannedReply).where(CannedReply.creditor_id == creditor_id)
                                .order_by(CannedReply.active.desc(), CannedReply.language, CannedReply.title))
                .scalars())


def facts(session: Session, conversation_id: str, language: str, agent_name: str, now: datetime) -> dict[str, str]:
    """The variables this conversation may use right now, written for the debtor's language."""
    values = {"agent": agent_name}
    debtor_id = verified_debtor(session, conversation_id, now)
    debtor = session.get(Debtor, debtor_id) if debtor_id else None
    if debtor is None:
        return values
    values["name"] = debtor.name
    values["balance"] = format_money(open_balance(session, debtor.id), language)
    upcoming = session.execute(
        select(PlanInstalment).join(PaymentPlan, PaymentPlan.id == PlanInstalment.plan_id)
        .where(PaymentPlan.debtor_id == debtor.id, PaymentPlan.status == PlanStatus.ACTIVE, PlanInstalment.paid.is_(False))
        .order_by(PlanInstalment.due_date, PlanInstalment.id).limit(1)).scalars().first()
    if upcoming is not None:
        values["next_instalment"] = format_money(Decimal(upcoming.amount), language)
        values["next_instalment_date"] = format_date(upcoming.due_date, language)
    return values


def fill(body: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """(text with the variables filled, the variables it needed but could not have)."""
    missing = [v for v in variables_in(body) if v not in values]
    return _VAR.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), body), missing


@dataclass(frozen=True)
class Offered:
    id: int
    title: str
    text: str
    missing: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "text": self.text if not self.missing else "",
                "available": not self.missing, "missing": self.missing}


def offered_for_handoff(handoff_id: int, agent_name: str, now: datetime) -> tuple[str, list[Offered]] | None:
    """(reply language, the active replies of that language filled for this conversation)."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            return None
        conv = session.get(Conversation, handoff.conversation_id)
        language = ((conv.language if conv else None) or handoff.language or "it")
        language = language if language in LANGUAGES else "it"
        values = facts(session, handoff.conversation_id, language, agent_name, now)
        rows = session.execute(select(CannedReply).where(CannedReply.creditor_id == handoff.creditor_id,
                                                         CannedReply.language == language,
                                                         CannedReply.active.is_(True))
                               .order_by(CannedReply.title)).scalars()
        offered = []
        for row in rows:
            text, missing = fill(row.body, values)
            offered.append(Offered(row.id, row.title, text, missing))
        return language, offered
