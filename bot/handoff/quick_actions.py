"""What an agent can record from the console with one form: promise, plan, dispute, opt-out.

The ledger writes reuse the dialogue's own record functions (same rules, same audit trail);
this module adds the agent's checks, an audit line naming the agent, and a note in the
transcript so colleagues reading the conversation later see what was agreed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.conversations import record_message
from bot.creditor import get_creditor
from bot.handoff import summary as summaries
from bot.handoff.service import HandoffError, assigned_handoff
from bot.ledger.db import session_scope
from bot.ledger.repository import audit, find_invoice, open_invoices

CENT = Decimal("0.01")
ACTION_PREFIX = "[azione] "
ON_HOLD = ("dispute", "reconciliation")


@dataclass(frozen=True)
class Case:
    """The facts an action needs, read once under the agent's ownership check."""

    conversation_id: str
    channel: str
    debtor_id: int | None
    payable: Decimal
    invoices: list[dict[str, Any]]


def parse_amount(raw: str) -> Decimal:
    """"1.240,50", "1240.50", "€ 80" -> Decimal; the last separator is the decimal one."""
    text = (raw or "").replace("€", "").replace("EUR", "").replace(" ", "").strip()
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_sep == "," else ",", "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text).quantize(CENT)
    except InvalidOperation as exc:
        raise HandoffError("bad_amount") from exc
    if amount <= 0:
        raise HandoffError("bad_amount")
    return amount


def load_case(handoff_id: int, agent_username: str) -> Case:
    """The handoff's facts, or a HandoffError unless this agent holds it; debtor and invoices only once
    verified, and ``payable`` leaves out invoices on hold (dispute, reconciliation)."""
    with session_scope() as session:
        handoff = assigned_handoff(session, handoff_id, agent_username)
        data = summaries.load(handoff.summary)
        debtor_id = data.get("debtor_id") if data.get("verified") else None
        rows = open_invoices(session, int(debtor_id)) if debtor_id else []
        return Case(
            conversation_id=handoff.conversation_id, channel=handoff.channel,
            debtor_id=int(debtor_id) if debtor_id else None,
            payable=sum((r.open_amount for r in rows if r.hold not in ON_HOLD), Decimal("0.00")),
            invoices=[{"id": r.invoice_id, "number": r.number, "open_amount": r.open_amount, "hold": r.hold}
                      for r in rows],
        )


def _verified(case: Case) -> int:
    if case.debtor_id is None:
        raise HandoffError("not_verified")
    return case.debtor_id


def _log(case: Case, agent_username: str, action: str, note: str, details: dict[str, Any]) -> None:
    with session_scope() as session:
        record_message(session, case.conversation_id, "system", f"{ACTION_PREFIX}{agent_username}: {note}")
        audit(session, actor=f"agent:{agent_username}", action=f"handoff.action.{action}", entity="conversation",
              entity_id=case.conversation_id, conversation_id=case.conversation_id, details=details)


def record_promise(handoff_id: int, agent_username: str, amount: str, on: str, today: date) -> str:
    """Record a promise of ``amount`` by ``on`` (ISO date, within the creditor's limit, at most the payable
    balance) for the verified debtor; the flash code, or a HandoffError."""
    from bot.dialogue import records

    case = load_case(handoff_id, agent_username)
    debtor_id = _verified(case)
    value = parse_amount(amount)
    try:
        promised = date.fromisoformat(on)
    except ValueError as exc:
        raise HandoffError("bad_date") from exc
    if not today <= promised <= today + timedelta(days=get_creditor().plan_policy.max_promise_days):
        raise HandoffError("bad_date")
    if value > case.payable:
        raise HandoffError("over_balance")
    records.record_promise(debtor_id=debtor_id, invoice_id=None, amount=value, promised_date=promised,
                           conversation_id=case.conversation_id, channel=case.channel, today=today)
    _log(case, agent_username, "promise", f"promise {value} EUR by {promised.isoformat()}", {"debtor_id": debtor_id})
    return "promise_recorded"


def plan_options(handoff_id: int, agent_username: str, sustainable: str | None, instalments: int | None,
                 today: date) -> list[dict[str, Any]]:
    """The plan engine's proposals for the payable balance (same rules as the bot's)."""
    from bot.dialogue.views import plan_options as propose

    case = load_case(handoff_id, agent_username)
    _verified(case)
    if case.payable <= 0:
        raise HandoffError("nothing_due")
    monthly = parse_amount(sustainable) if sustainable else None
    return propose(case.payable, today, monthly, instalments)


def create_plan(handoff_id: int, agent_username: str, choice: int, sustainable: str | None,
                instalments: int | None, today: date) -> str:
    """Record option ``choice`` (1-based) of the proposals for the same inputs."""
    from bot.dialogue import records

    options = plan_options(handoff_id, agent_username, sustainable, instalments, today)
    chosen = next((o for o in options if o["index"] == choice), None)
    if chosen is None:
        raise HandoffError("bad_choice")
    case = load_case(handoff_id, agent_username)
    rows = [(int(n), date.fromisoformat(d), Decimal(a)) for n, d, a in chosen["instalments"]]
    plan_id = records.record_plan(debtor_id=_verified(case), instalments=rows, conversation_id=case.conversation_id,
                                  channel=case.channel, created_by=f"agent:{agent_username}")
    _log(case, agent_username, "plan", f"plan {chosen['count']} x {chosen['amount']} EUR from {chosen['first_due']}",
         {"plan_id": plan_id})
    return "plan_recorded"


def mark_dispute(handoff_id: int, agent_username: str, invoice_number: str, reason: str, today: date) -> str:
    """Open a dispute with ``reason``, on ``invoice_number`` when given (it must be this debtor's); the flash code."""
    from bot.dialogue import records

    case = load_case(handoff_id, agent_username)
    debtor_id = _verified(case)
    reason = (reason or "").strip()
    if not reason:
        raise HandoffError("empty")
    with session_scope() as session:
        invoice = find_invoice(session, invoice_number) if invoice_number else None
        if invoice_number and (invoice is None or invoice.debtor_id != debtor_id):
            raise HandoffError("bad_invoice")
        invoice_id = invoice.id if invoice else None
    try:
        dispute_id, respond_by = records.record_dispute(debtor_id=debtor_id, invoice_id=invoice_id, reason=reason,
                                                        conversation_id=case.conversation_id, today=today)
    except ValueError as exc:
        raise HandoffError("bad_invoice") from exc
    _log(case, agent_username, "dispute", f"dispute recorded, answer by {respond_by.isoformat()}",
         {"dispute_id": dispute_id})
    return "dispute_recorded"


def opt_out(handoff_id: int, agent_username: str) -> str:
    """Record the opt-out of this conversation's address on its channel, verified or not; the flash code."""
    from bot.dialogue import records

    case = load_case(handoff_id, agent_username)
    records.record_opt_out(conversation_id=case.conversation_id, channel=case.channel, debtor_id=case.debtor_id)
    _log(case, agent_username, "opt_out", f"opt-out on {case.channel}", {"channel": case.channel})
    return "opt_out_recorded"
