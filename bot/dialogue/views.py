"""Read-only facts for the replies: balance, invoice summary, pay instructions, plans."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from bot.creditor import get_creditor
from bot.ledger.db import session_scope
from bot.ledger.models import Debtor
from bot.ledger.repository import find_invoice, known_invoice_keys, open_invoices, paid_total
from bot.plans.engine import longest_plan_amount, propose_plans
from bot.verification import record_disclosure

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BalanceView:
    debtor_ref: str
    name: str
    email: str
    total: Decimal          # everything still open
    payable: Decimal        # open and not frozen by a dispute or a reconciliation check
    invoices: list[dict[str, Any]]
    first_open_number: str | None


def known_keys(keys: Sequence[str]) -> set[str]:
    """Which of the normalised invoice keys exist in the ledger."""
    with session_scope() as session:
        return known_invoice_keys(session, keys)


def _payable(rows: list[Any]) -> Decimal:
    """Open and not frozen: a dispute or a payment under check is not asked for, nor planned."""
    return sum((r.open_amount for r in rows if r.hold not in ("dispute", "reconciliation")), ZERO)


def payable_amount(debtor_id: int) -> Decimal:
    """What a plan could cover now; a figure for the dialogue only, so no disclosure is recorded."""
    with session_scope() as session:
        return _payable(open_invoices(session, debtor_id))


def balance_view(debtor_id: int, today: date, conversation_id: str, what: str) -> BalanceView:
    """The debtor's open invoices and totals (Decimal); records a disclosure of kind ``what``."""
    with session_scope() as session:
        debtor = session.get(Debtor, debtor_id)
        rows = open_invoices(session, debtor_id)
        record_disclosure(session, conversation_id=conversation_id, debtor_id=debtor_id, what=what)
        invoices = [
            {"number": r.number, "due_date": r.due_date, "open_amount": r.open_amount,
             "days_overdue": r.days_overdue(today), "hold": r.hold}
            for r in rows
        ]
        return BalanceView(
            debtor_ref=debtor.debtor_ref, name=debtor.name, email=debtor.email or "",
            total=sum((r.open_amount for r in rows), ZERO),
            payable=_payable(rows),
            invoices=invoices, first_open_number=rows[0].number if rows else None,
        )


def invoice_summary(invoice_number: str, debtor_id: int, conversation_id: str) -> dict[str, Any] | None:
    """Amounts (Decimal) and dates of the debtor's invoice, recording a disclosure; None if it is not theirs."""
    with session_scope() as session:
        invoice = find_invoice(session, invoice_number)
        if invoice is None or invoice.debtor_id != debtor_id:
            return None
        record_disclosure(session, conversation_id=conversation_id, debtor_id=debtor_id, what="invoice_copy")
        return {
            "number": invoice.invoice_number, "issue_date": invoice.issue_date, "due_date": invoice.due_date,
            "amount": Decimal(invoice.amount_due),
            "open_amount": max(Decimal(invoice.amount_due) - paid_total(session, invoice.id), ZERO),
            "email": invoice.debtor.email or "",
        }


def invoice_id_of(invoice_number: str | None) -> int | None:
    """Ledger id of the invoice with that number, or None when there is none or no number."""
    if not invoice_number:
        return None
    with session_scope() as session:
        invoice = find_invoice(session, invoice_number)
        return int(invoice.id) if invoice else None


def payment_context(invoice_number: str | None, debtor_ref: str = "", total: Decimal | None = None,
                    subject: tuple[str, int | None] = ("invoice", None)) -> dict[str, Any]:
    """Template values for how to pay: IBAN, BIC, payment reference and pay link (empty without an invoice)."""
    creditor = get_creditor()
    invoice = invoice_number or ""
    # An amount-exact provider link (Stripe Checkout) when configured, else the creditor's link.
    link = _provider_link(invoice, total, subject) if invoice and total else None
    return {
        "iban": creditor.iban, "bic": creditor.bic,
        "reference": creditor.payment_reference(invoice, debtor_ref) if invoice else "",
        "pay_link": link or (creditor.pay_link_for(invoice) if invoice else ""),
        "total": total,
    }


def _provider_link(invoice_number: str, amount: Decimal, subject: tuple[str, int | None]) -> str | None:
    import os

    from bot.payments.providers import payment_link_for

    if not os.environ.get("STRIPE_API_KEY"):
        return None  # bank transfer: today's text, no lookup
    invoice_id = invoice_id_of(invoice_number)
    if invoice_id is None:
        return None
    return payment_link_for(subject[0], subject[1] or invoice_id, invoice_id, amount)


def debtor_payment_context(view: BalanceView, verified_invoice: str | None,
                           total: Decimal | None = None,
                           subject: tuple[str, int | None] = ("invoice", None)) -> dict[str, Any]:
    """Pay instructions for a verified debtor: the reference names the invoice in question."""
    return payment_context(verified_invoice or view.first_open_number, view.debtor_ref, total, subject)


def plan_options(balance: Decimal, today: date, sustainable: Decimal | None,
                 instalments: int | None) -> list[dict[str, Any]]:
    """Proposals as JSON-safe dicts, ready to keep in a slot."""
    policy = get_creditor().plan_policy
    proposals = propose_plans(balance, policy, today, sustainable_monthly=sustainable,
                              instalments_wanted=instalments)
    return [
        {"index": i, "count": p.count, "amount": str(p.regular_amount),
         "last_amount": str(p.instalments[-1].amount), "first_due": p.first_due.isoformat(),
         "instalments": [[x.number, x.due_date.isoformat(), str(x.amount)] for x in p.instalments]}
        for i, p in enumerate(proposals, start=1)
    ]


def option_for_template(option: dict[str, Any]) -> dict[str, Any]:
    """A plan option kept in a slot, with Decimal amounts and a date for the templates."""
    return {"index": option["index"], "count": option["count"], "amount": Decimal(option["amount"]),
            "last_amount": Decimal(option["last_amount"]), "first_due": date.fromisoformat(option["first_due"])}


def schedule_for_template(option: dict[str, Any]) -> list[dict[str, Any]]:
    """The option's instalments (number, due date, Decimal amount) for the templates."""
    return [{"number": n, "due_date": date.fromisoformat(d), "amount": Decimal(a)} for n, d, a in option["instalments"]]


def minimum_monthly(balance: Decimal) -> Decimal:
    """The lowest monthly amount for which the creditor's policy allows a plan on ``balance``."""
    return longest_plan_amount(balance, get_creditor().plan_policy)
