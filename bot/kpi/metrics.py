"""Collection KPIs from the ledger and the bot's records, overall and by channel and language.

Definitions (where the models do not hold a figure directly, it is derived):
- An invoice becomes *overdue* the day after its due date. Overdue balance of the period =
  for every invoice due before the period ends, what was still unpaid when it became overdue
  or when the period began (whichever is later). *Recovered* = payments in the period on that
  balance, capped at it. Share = recovered / overdue balance.
- *Days to pay* = paid_on - due_date over the period's late payments (payments on time are 0
  days late and are not "recovered", so they are left out).
- A promise is *kept* when payments between the promise and its date reach the promised
  amount (on its invoice, or on any invoice of the debtor); *broken* when its date has passed
  without that; otherwise *pending*. An explicit kept/broken status on the row wins.
- A plan is *completed* when paid in full, *defaulted* when payments since it was agreed lag
  the instalments due more than ``PLAN_GRACE_DAYS`` ago (or it is marked broken), else *on track*.
- *Containment* = conversations with no handoff to a person; handoff *wait* = taken_at - created_at.
- Rows without a channel of their own (payments) are attributed to the channel of the debtor's
  latest conversation, "none" when the debtor never talked to the bot; language = debtor's.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.states import HandoffStatus, PlanStatus, PromiseStatus
from bot.ledger.models import (
    ContactPreference, Conversation, Debtor, Dispute, Handoff, Invoice, NpsResponse, Payment, PaymentPlan,
    PlanInstalment, PromiseToPay, ReconciliationCase,
)
from bot.kpi.payment_kpis import payment_kpis
from bot.nps.stats import breakdown, summarise

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PLAN_GRACE_DAYS = 10
NONE = "none"


@dataclass(frozen=True)
class Window:
    since: date | None
    until: date | None
    as_of: date             # "today" for pending/broken decisions: the end of the window

    def has_day(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def has(self, moment: datetime | None) -> bool:
        return moment is not None and self.has_day(moment.date())

    @property
    def start_dt(self) -> datetime | None:
        return datetime.combine(self.since, time.min) if self.since else None

    @property
    def end_dt(self) -> datetime | None:
        return datetime.combine(self.until + timedelta(days=1), time.min) if self.until else None


def _pct(part: Decimal | int, whole: Decimal | int) -> float | None:
    return round(float(Decimal(part) * 100 / Decimal(whole)), 1) if whole else None


class Splits:
    """Per-dimension counters: splits["channel"]["whatsapp"]["promises_made"] += 1."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, dict[str, Any]]] = {"channel": {}, "language": {}}

    def add(self, channel: str | None, language: str | None, metric: str, value: Any = 1) -> None:
        for dim, key in (("channel", channel or NONE), ("language", language or NONE)):
            row = self.data[dim].setdefault(key, defaultdict(int))
            row[metric] += value

    def rows(self, dim: str) -> list[dict[str, Any]]:
        out = []
        for key, row in self.data[dim].items():
            item = {"key": key, **row}
            item["containment_pct"] = _pct(row.get("contained", 0), row.get("conversations", 0))
            item["promise_kept_pct"] = _pct(row.get("promises_kept", 0), row.get("promises_kept", 0)
                                            + row.get("promises_broken", 0))
            out.append(item)
        return sorted(out, key=lambda r: (-r.get("conversations", 0), r["key"]))


class Attribution:
    """debtor -> (channel of the latest conversation, language) for rows without their own."""

    def __init__(self, session: Session, window: Window) -> None:
        self.language = dict(session.execute(select(Debtor.id, Debtor.language)).all())
        self.channel: dict[int, str] = {}
        stmt = select(Conversation.debtor_id, Conversation.channel).where(Conversation.debtor_id.is_not(None))
        if window.end_dt:
            stmt = stmt.where(Conversation.created_at < window.end_dt)
        for debtor_id, channel in session.execute(stmt.order_by(Conversation.created_at)):
            self.channel[debtor_id] = channel  # later rows overwrite: the latest wins

    def of(self, debtor_id: int | None) -> tuple[str, str]:
        if debtor_id is None:
            return NONE, NONE
        return self.channel.get(debtor_id, NONE), self.language.get(debtor_id, NONE)


def _recovery(session: Session, w: Window, attr: Attribution, splits: Splits) -> dict[str, Any]:
    invoices = session.execute(select(Invoice.id, Invoice.debtor_id, Invoice.due_date, Invoice.amount_due)
                               .where(Invoice.due_date < w.as_of)).all()
    payments: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for invoice_id, paid_on, amount in session.execute(
            select(Payment.invoice_id, Payment.paid_on, Payment.amount).where(Payment.paid_on <= w.as_of)):
        payments[invoice_id].append((paid_on, Decimal(amount)))
    overdue, recovered, days, late_count = ZERO, ZERO, [], 0
    for invoice_id, debtor_id, due, amount_due in invoices:
        became_overdue = due + timedelta(days=1)
        start = max(became_overdue, w.since) if w.since else became_overdue
        if start > w.as_of:
            continue
        paid_before = sum((a for d, a in payments[invoice_id] if d < start), ZERO)
        balance = max(Decimal(amount_due) - paid_before, ZERO)
        in_window = [(d, a) for d, a in payments[invoice_id] if start <= d <= w.as_of]
        got = min(sum((a for _, a in in_window), ZERO), balance)
        channel, language = attr.of(debtor_id)
        overdue += balance
        recovered += got
        splits.add(channel, language, "overdue", balance)
        splits.add(channel, language, "recovered", got)
        for d, _ in in_window:
            days.append((d - due).days)
            late_count += 1
    return {
        "overdue_balance": overdue.quantize(CENT), "recovered": recovered.quantize(CENT),
        "recovered_pct": _pct(recovered, overdue), "late_payments": late_count,
        "avg_days_to_pay": round(statistics.fmean(days), 1) if days else None,
        "median_days_to_pay": statistics.median(days) if days else None,
    }


def _paid_between(payments: dict[int, list[tuple[date, Decimal]]], invoice_ids: Iterable[int],
                  start: date, end: date) -> Decimal:
    return sum((a for i in invoice_ids for d, a in payments.get(i, ()) if start <= d <= end), ZERO)


def _ledger_payments(session: Session) -> tuple[dict[int, list[tuple[date, Decimal]]], dict[int, list[int]]]:
    payments: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for invoice_id, paid_on, amount in session.execute(select(Payment.invoice_id, Payment.paid_on, Payment.amount)):
        payments[invoice_id].append((paid_on, Decimal(amount)))
    by_debtor: dict[int, list[int]] = defaultdict(list)
    for invoice_id, debtor_id in session.execute(select(Invoice.id, Invoice.debtor_id)):
        by_debtor[debtor_id].append(invoice_id)
    return payments, by_debtor


def promise_outcome(promise: PromiseToPay, paid: Decimal, as_of: date) -> str:
    """``kept``, ``broken`` or ``pending`` for a promise given what was paid towards it; an explicit status wins."""
    if promise.status in (PromiseStatus.KEPT, PromiseStatus.BROKEN):
        return promise.status
    if paid >= Decimal(promise.amount):
        return "kept"
    return "broken" if promise.promised_date < as_of else "pending"


def _promises(session: Session, w: Window, ledger, attr: Attribution, splits: Splits) -> dict[str, Any]:
    payments, by_debtor = ledger
    counts = {"made": 0, "kept": 0, "broken": 0, "pending": 0}
    promised = ZERO
    for p in session.execute(select(PromiseToPay)).scalars():
        if not w.has(p.created_at):
            continue
        invoices = [p.invoice_id] if p.invoice_id else by_debtor.get(p.debtor_id, [])
        paid = _paid_between(payments, invoices, p.created_at.date(), min(p.promised_date, w.as_of))
        outcome = promise_outcome(p, paid, w.as_of)
        counts["made"] += 1
        counts[outcome] += 1
        promised += Decimal(p.amount)
        language = attr.of(p.debtor_id)[1]
        splits.add(p.channel, language, "promises_made")
        splits.add(p.channel, language, f"promises_{outcome}")
    decided = counts["kept"] + counts["broken"]
    return {**counts, "amount_promised": promised.quantize(CENT), "kept_pct": _pct(counts["kept"], decided)}


def plan_outcome(plan: PaymentPlan, instalments: list[PlanInstalment], paid_since: Decimal, as_of: date) -> str:
    """``cancelled``, ``completed`` (paid in full), ``defaulted`` (behind after grace, or broken) or ``on_track``."""
    if plan.status == PlanStatus.CANCELLED:
        return "cancelled"
    flagged = sum((Decimal(i.amount) for i in instalments if i.paid), ZERO)
    paid = max(paid_since, flagged)
    total = Decimal(plan.total)
    if plan.status == PlanStatus.COMPLETED or (total > 0 and paid >= total):
        return "completed"
    due = sum((Decimal(i.amount) for i in instalments if i.due_date < as_of - timedelta(days=PLAN_GRACE_DAYS)), ZERO)
    if plan.status == PlanStatus.BROKEN or paid < due:
        return "defaulted"
    return "on_track"


def _plans(session: Session, w: Window, ledger, attr: Attribution, splits: Splits) -> dict[str, Any]:
    payments, by_debtor = ledger
    counts = {"created": 0, "on_track": 0, "completed": 0, "defaulted": 0, "cancelled": 0}
    amount = ZERO
    instalments: dict[int, list[PlanInstalment]] = defaultdict(list)
    for inst in session.execute(select(PlanInstalment)).scalars():
        instalments[inst.plan_id].append(inst)
    for plan in session.execute(select(PaymentPlan)).scalars():
        if not w.has(plan.created_at):
            continue
        paid = _paid_between(payments, by_debtor.get(plan.debtor_id, []), plan.created_at.date(), w.as_of)
        outcome = plan_outcome(plan, instalments[plan.id], paid, w.as_of)
        counts["created"] += 1
        counts[outcome] += 1
        amount += Decimal(plan.total)
        language = attr.of(plan.debtor_id)[1]
        splits.add(plan.channel, language, "plans_created")
        splits.add(plan.channel, language, f"plans_{outcome}")
    return {**counts, "amount": amount.quantize(CENT)}


def _cases(session: Session, model, w: Window, conversations: dict[str, tuple[str, str]], attr: Attribution,
           splits: Splits, metric: str) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    invoice_debtor = dict(session.execute(select(Invoice.id, Invoice.debtor_id)).all())
    for case in session.execute(select(model)).scalars():
        if not w.has(case.created_at):
            continue
        counts["opened"] += 1
        counts[case.status] += 1
        channel, language = conversations.get(case.conversation_id or "") or attr.of(invoice_debtor.get(case.invoice_id))
        splits.add(channel, language, metric)
    return dict(counts)


def _conversations(session: Session, w: Window, splits: Splits) -> tuple[dict[str, Any], dict[str, Any]]:
    handoffs = session.execute(select(Handoff)).scalars().all()
    handed = {h.conversation_id for h in handoffs}
    total = contained = 0
    for conv in session.execute(select(Conversation)).scalars():
        if not w.has(conv.created_at):
            continue
        total += 1
        splits.add(conv.channel, conv.language, "conversations")
        if conv.conversation_id not in handed:
            contained += 1
            splits.add(conv.channel, conv.language, "contained")
    waits: list[float] = []
    reasons: defaultdict[str, int] = defaultdict(int)
    unanswered = count = 0
    for h in handoffs:
        if not w.has(h.created_at):
            continue
        count += 1
        reasons[h.reason] += 1
        splits.add(h.channel, h.language, "handoffs")
        if h.taken_at:
            waits.append((h.taken_at - h.created_at).total_seconds() / 60)
        elif h.status in (HandoffStatus.EXPIRED, HandoffStatus.QUEUED):
            unanswered += 1
    ordered = sorted(waits)
    handoff = {
        "total": count, "taken": len(waits), "unanswered": unanswered, "by_reason": dict(reasons),
        "wait_avg_min": round(statistics.fmean(waits), 1) if waits else None,
        "wait_median_min": round(statistics.median(waits), 1) if waits else None,
        "wait_p90_min": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1) if waits else None,
    }
    return {"total": total, "contained": contained, "containment_pct": _pct(contained, total)}, handoff


def _opt_outs(session: Session, w: Window, attr: Attribution, splits: Splits) -> dict[str, Any]:
    by_channel: dict[str, int] = defaultdict(int)
    for pref in session.execute(select(ContactPreference).where(ContactPreference.opted_out.is_(True))).scalars():
        if w.has(pref.updated_at):
            by_channel[pref.channel] += 1
            splits.add(pref.channel, attr.of(pref.debtor_id)[1], "opt_outs")
    return {"total": sum(by_channel.values()), "by_channel": dict(by_channel)}


def _nps(session: Session, w: Window, splits: Splits) -> dict[str, Any]:
    stmt = select(NpsResponse.created_at, NpsResponse.channel, NpsResponse.language, NpsResponse.score)
    if w.start_dt:
        stmt = stmt.where(NpsResponse.created_at >= w.start_dt)
    if w.end_dt:
        stmt = stmt.where(NpsResponse.created_at < w.end_dt)
    rows = session.execute(stmt).all()
    for _, channel, language, score in rows:
        splits.add(channel, language, "nps_n")
        splits.add(channel, language, "nps_promoters", int(score >= 9))
        splits.add(channel, language, "nps_detractors", int(score <= 6))
    scores = [r[3] for r in rows]
    months = [r[0].strftime("%Y-%m") for r in rows]
    trend = [{"month": m, "n": s.n, "nps": None if s.nps is None else round(s.nps, 1)}
             for m, s in sorted(breakdown(np.asarray(months), np.asarray(scores)))] if rows else []
    return {"overall": summarise(scores).as_dict(), "trend": trend}


def compute_kpis(session: Session, *, since: date | None = None, until: date | None = None,
                 today: date | None = None) -> dict[str, Any]:
    """Every KPI of the window [since, until] (both optional, inclusive); money as Decimal."""
    if since and until and since > until:
        raise ValueError("since is after until")
    as_of = min(until, today or date.today()) if until else (today or date.today())
    w = Window(since, until, as_of)
    splits = Splits()
    attr = Attribution(session, w)
    ledger = _ledger_payments(session)
    conv_dims = {c: (ch, lang or attr.of(d)[1]) for c, ch, lang, d in session.execute(
        select(Conversation.conversation_id, Conversation.channel, Conversation.language, Conversation.debtor_id))}
    conversations, handoffs = _conversations(session, w, splits)
    result: dict[str, Any] = {
        "period": {"since": since, "until": until, "as_of": as_of},
        "recovery": _recovery(session, w, attr, splits),
        "promises": _promises(session, w, ledger, attr, splits),
        "plans": _plans(session, w, ledger, attr, splits),
        "disputes": _cases(session, Dispute, w, conv_dims, attr, splits, "disputes"),
        "reconciliation": _cases(session, ReconciliationCase, w, conv_dims, attr, splits, "reconciliation"),
        "conversations": conversations,
        "handoffs": handoffs,
        "opt_outs": _opt_outs(session, w, attr, splits),
        "nps": _nps(session, w, splits),
        "payments": payment_kpis(session, since, as_of),  # DSO, time to recover, instalments, by source
    }
    for dim in ("channel", "language"):
        rows = splits.rows(dim)
        for row in rows:
            n = row.get("nps_n", 0)
            row["nps"] = round(100.0 * (row.get("nps_promoters", 0) - row.get("nps_detractors", 0)) / n, 1) if n else None
            row["recovered_pct"] = _pct(row.get("recovered", ZERO), row.get("overdue", ZERO))
        result[f"by_{dim}"] = rows
    return result
