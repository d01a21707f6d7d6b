"""One page per debtor: every conversation on every channel, the ledger, and what was agreed.

``search`` finds debtors by name, invoice number, phone or tax code; ``load_profile`` reads
everything the profile shows and writes the view to the audit log (an agent reading a
debtor's file is a disclosure like any other).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ledger.db import session_scope
from bot.ledger.models import (
    ContactPreference, Conversation, Debtor, Dispute, FollowUpTask, Handoff, Invoice, NpsResponse, Payment,
    PaymentPlan, PromiseToPay, ReconciliationCase,
)
from bot.ledger.repository import audit, debtor_invoices, invoice_key
from bot.security.verified import VerifiedConversation
from bot.verification import normalise_tax_code

SEARCH_LIMIT = 50
PROFILE_PATH = "/webhooks/console/debtors"


def profile_url(debtor_id: int | None) -> str | None:
    """The console address of a debtor's profile (None for an unknown debtor)."""
    return f"{PROFILE_PATH}/{int(debtor_id)}" if debtor_id else None


@dataclass(frozen=True)
class Hit:
    id: int
    name: str
    debtor_ref: str
    matched: str  # name | invoice | phone | tax_code | ref


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone_digits() -> Any:
    """The stored phone without the usual separators, in SQL (imports keep what the file had)."""
    column: Any = Debtor.phone
    for sep in (" ", "-", ".", "/", "(", ")"):
        column = func.replace(column, sep, "")
    return column


def search(session: Session, query: str, limit: int = SEARCH_LIMIT) -> list[Hit]:
    """Debtors matching ``query`` by tax code, invoice number, reference, phone or name."""
    q = " ".join((query or "").split())[:100]
    if len(q) < 2:
        return []
    hits: dict[int, Hit] = {}

    def add(rows: Any, matched: str) -> None:
        for d in rows:
            hits.setdefault(d.id, Hit(d.id, d.name, d.debtor_ref, matched))

    add(session.execute(select(Debtor).where(Debtor.tax_code == normalise_tax_code(q))).scalars(), "tax_code")
    add(session.execute(select(Debtor).join(Invoice, Invoice.debtor_id == Debtor.id)
                        .where(Invoice.number_key == invoice_key(q))).scalars(), "invoice")
    add(session.execute(select(Debtor).where(func.lower(Debtor.debtor_ref) == q.lower())).scalars(), "ref")
    digits = _digits(q)
    if len(digits) >= 6 and len(digits) >= len(q.replace(" ", "")) - 1:  # a phone number, any format
        tail = digits[-9:]
        add(session.execute(select(Debtor).where(Debtor.phone.is_not(None), _phone_digits().like(f"%{tail}"))
                            .limit(limit)).scalars(), "phone")
    core = q.lower().replace("\\", "").replace("%", "").replace("_", "")  # no LIKE wildcards from the client
    if len(core) >= 2:
        add(session.execute(select(Debtor).where(func.lower(Debtor.name).like(f"%{core}%")).order_by(Debtor.name)
                            .limit(limit)).scalars(), "name")
    return list(hits.values())[:limit]


@dataclass
class Profile:
    debtor: Debtor
    invoices: list[dict[str, Any]] = field(default_factory=list)
    balance: Decimal = Decimal("0.00")
    conversations: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    promises: list[PromiseToPay] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    reconciliations: list[dict[str, Any]] = field(default_factory=list)
    opt_outs: list[ContactPreference] = field(default_factory=list)
    nps: list[NpsResponse] = field(default_factory=list)
    tasks: list[FollowUpTask] = field(default_factory=list)


def conversation_ids(session: Session, debtor_id: int) -> list[str]:
    """Every conversation tied to the debtor: by the channel record, a verification, or a survey."""
    ids: set[str] = set(session.execute(
        select(Conversation.conversation_id).where(Conversation.debtor_id == debtor_id)).scalars())
    ids |= set(session.execute(select(VerifiedConversation.conversation_id)
                               .where(VerifiedConversation.debtor_id == debtor_id)).scalars())
    ids |= {c for c in session.execute(select(NpsResponse.conversation_id)
                                       .where(NpsResponse.debtor_id == debtor_id)).scalars() if c}
    return sorted(ids)


def _conversations(session: Session, debtor_id: int) -> list[dict[str, Any]]:
    ids = conversation_ids(session, debtor_id)
    if not ids:
        return []
    convs = {c.conversation_id: c for c in session.execute(
        select(Conversation).where(Conversation.conversation_id.in_(ids))).scalars()}
    handoffs: dict[str, list[Handoff]] = {}
    for h in session.execute(select(Handoff).where(Handoff.conversation_id.in_(ids)).order_by(Handoff.id)).scalars():
        handoffs.setdefault(h.conversation_id, []).append(h)
    rows = []
    for cid in ids:
        conv, hs = convs.get(cid), handoffs.get(cid, [])
        started = conv.created_at if conv else (hs[0].created_at if hs else None)
        rows.append({"id": cid, "channel": conv.channel if conv else (hs[0].channel if hs else ""),
                     "started": started, "last_inbound": conv.last_inbound_at if conv else None,
                     "handoffs": [{"id": h.id, "reason": h.reason, "status": h.status, "outcome": h.outcome,
                                   "agent": h.assigned_to, "at": h.created_at} for h in hs]})
    rows.sort(key=lambda r: r["started"] or r["last_inbound"] or 0, reverse=True)
    return rows


def load_profile(debtor_id: int, actor: str) -> Profile | None:
    """Everything the profile page shows; the view is audited as ``actor``."""
    with session_scope() as session:
        debtor = session.get(Debtor, debtor_id)
        if debtor is None:
            return None
        profile = Profile(debtor=debtor)
        ledger = debtor_invoices(session, debtor_id)
        invoice_ids = [i.invoice_id for i in ledger]
        payments: dict[int, list[Payment]] = {}
        for p in session.execute(select(Payment).where(Payment.invoice_id.in_(invoice_ids))
                                 .order_by(Payment.paid_on)).scalars():
            payments.setdefault(p.invoice_id, []).append(p)
        numbers = {i.invoice_id: i.number for i in ledger}
        profile.invoices = [{"row": i, "payments": payments.get(i.invoice_id, [])} for i in ledger]
        profile.balance = sum((i.open_amount for i in ledger if i.open_amount > 0), Decimal("0.00"))
        profile.conversations = _conversations(session, debtor_id)
        profile.plans = [{"plan": p, "instalments": list(p.instalments)} for p in session.execute(
            select(PaymentPlan).where(PaymentPlan.debtor_id == debtor_id).order_by(PaymentPlan.id.desc())).scalars()]
        profile.promises = list(session.execute(select(PromiseToPay).where(PromiseToPay.debtor_id == debtor_id)
                                                .order_by(PromiseToPay.id.desc())).scalars())
        profile.disputes = [{"row": d, "invoice": numbers.get(d.invoice_id, "")} for d in session.execute(
            select(Dispute).where(Dispute.invoice_id.in_(invoice_ids)).order_by(Dispute.id.desc())).scalars()]
        profile.reconciliations = [{"row": r, "invoice": numbers.get(r.invoice_id, "")} for r in session.execute(
            select(ReconciliationCase).where(ReconciliationCase.invoice_id.in_(invoice_ids))
            .order_by(ReconciliationCase.id.desc())).scalars()]
        profile.opt_outs = list(session.execute(select(ContactPreference).where(
            ContactPreference.debtor_id == debtor_id, ContactPreference.opted_out.is_(True))).scalars())
        profile.nps = list(session.execute(select(NpsResponse).where(
            NpsResponse.debtor_id == debtor_id).order_by(NpsResponse.id.desc())).scalars())
        profile.tasks = list(session.execute(select(FollowUpTask).where(FollowUpTask.debtor_id == debtor_id)
                                             .order_by(FollowUpTask.status.desc(), FollowUpTask.id.desc())).scalars())
        audit(session, actor=actor, action="console.profile_view", entity="debtor", entity_id=debtor_id,
              creditor_id=debtor.creditor_id)
        session.flush()
        session.expunge_all()
        return profile


def search_for_console(query: str, actor: str) -> list[Hit]:
    """The search page's results; a search is audited (the query itself is not stored)."""
    with session_scope() as session:
        hits = search(session, query)
        if query.strip():
            audit(session, actor=actor, action="console.debtor_search", entity="debtor",
                  details={"results": len(hits)})
        return hits
