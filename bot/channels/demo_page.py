"""The demo invoice page: the invoice a debtor was sent, with the chat widget embedded.

It stands in for the creditor's real invoice page and shows the one ``<script>`` tag a
site needs. A link identifies an invoice, not a person: from the link alone the page shows
only the invoice number. The debtor's name, the amounts, the repayment plan and a pay
button appear only to the browser whose chat conversation was verified (invoice number and
tax code), as recorded server-side.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.states import PlanStatus
from bot.channels.tokens import WebchatClaims
from bot.ledger.db import session_scope
from bot.ledger.models import Debtor, PaymentPlan
from bot.ledger.repository import find_invoice, paid_total

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
LOCALES = {"it": "it_IT", "en": "en_GB"}


@dataclass(frozen=True)
class PlanView:
    status: str                    # active | completed | broken | cancelled
    instalment_count: int
    paid_count: int
    next_number: int | None
    next_due: date | None
    next_amount: Decimal | None


@dataclass(frozen=True)
class InvoiceView:
    number: str
    debtor_name: str
    issue_date: date
    due_date: date
    amount_due: Decimal
    paid: Decimal
    currency: str
    language: str

    @property
    def open_amount(self) -> Decimal:
        return max(self.amount_due - self.paid, Decimal("0.00"))


@dataclass(frozen=True)
class PageView:
    """What one browser may see: the number always, the rest only once verified."""

    number: str
    language: str
    verified: bool
    invoice: InvoiceView | None = None
    plan: PlanView | None = None
    pay_url: str | None = None
    iban: str = ""
    bic: str = ""
    reference: str = ""


def _plan(session: Session, debtor_id: int) -> tuple[PlanView, int | None] | None:
    """The debtor's latest plan, and the id of its next unpaid instalment (None when none is due)."""
    plan = session.execute(
        select(PaymentPlan).where(PaymentPlan.debtor_id == debtor_id)
        .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc()).limit(1)
    ).scalar_one_or_none()
    if plan is None:
        return None
    unpaid = [i for i in plan.instalments if not i.paid]
    nxt = unpaid[0] if unpaid and plan.status == PlanStatus.ACTIVE else None
    view = PlanView(status=plan.status, instalment_count=plan.instalment_count,
                    paid_count=len(plan.instalments) - len(unpaid), next_number=nxt.number if nxt else None,
                    next_due=nxt.due_date if nxt else None, next_amount=Decimal(nxt.amount) if nxt else None)
    return view, (nxt.id if nxt else None)


def load_page(claims: WebchatClaims, verified: bool) -> PageView | None:
    """The page for this link and browser; None when the link names no invoice of its debtor."""
    from bot.creditor import get_creditor
    from bot.payments.providers import payment_link_for

    with session_scope() as session:
        invoice = find_invoice(session, claims.invoice_number)
        if invoice is None:
            return None
        debtor = session.get(Debtor, invoice.debtor_id)
        if debtor is None or debtor.debtor_ref != claims.debtor_ref:
            return None  # a token for another debtor's invoice shows nothing
        language = claims.language or debtor.language or "it"
        if not verified:
            return PageView(number=invoice.invoice_number, language=language, verified=False)
        view = InvoiceView(
            number=invoice.invoice_number, debtor_name=debtor.name, issue_date=invoice.issue_date,
            due_date=invoice.due_date, amount_due=Decimal(invoice.amount_due), paid=paid_total(session, invoice.id),
            currency=invoice.currency, language=language,
        )
        found = _plan(session, debtor.id)
        plan, next_id = found if found else (None, None)
        invoice_id, currency = invoice.id, invoice.currency
    creditor = get_creditor()
    if plan and plan.next_amount is not None and next_id is not None:
        pay_url = payment_link_for("instalment", next_id, invoice_id, plan.next_amount, currency)
    elif view.open_amount > 0 and not (plan and plan.status == PlanStatus.ACTIVE):
        pay_url = payment_link_for("invoice", invoice_id, invoice_id, view.open_amount, currency)
    else:
        pay_url = None
    return PageView(number=view.number, language=language, verified=True, invoice=view, plan=plan,
                    pay_url=pay_url or None, iban=_grouped(creditor.iban), bic=creditor.bic,
                    reference=creditor.payment_reference(view.number, claims.debtor_ref))


def _grouped(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(WEB_DIR)), autoescape=select_autoescape(["html"]))


def _context(view: PageView) -> dict:
    lang = view.language if view.language in LOCALES else "it"
    locale = LOCALES[lang]
    currency = view.invoice.currency if view.invoice else "EUR"

    def money(amount: Decimal | None) -> str:
        return "" if amount is None else format_currency(amount, currency, locale=locale)

    def day(value: date | None) -> str:
        return "" if value is None else format_date(value, "long", locale=locale)

    ctx = {"lang": lang, "page": view, "money": money, "day": day}
    if view.invoice:
        ctx.update(invoice=view.invoice, amount_due=money(view.invoice.amount_due), paid=money(view.invoice.paid),
                   open_amount=money(view.invoice.open_amount), issue_date=day(view.invoice.issue_date),
                   due_date=day(view.invoice.due_date))
    return ctx


def render_page(view: PageView, token: str, creditor_name: str, widget_src: str) -> str:
    """The full page HTML: it shows only what ``view`` allows and embeds the widget with the link's token."""
    return _env().get_template("demo_invoice.html").render(
        creditor=creditor_name, token=token, widget_src=widget_src, **_context(view))


def render_details(view: PageView) -> str:
    """Only the details section (the page swaps it in once the chat reports the browser verified)."""
    return _env().get_template("demo_invoice_details.html").render(**_context(view))


def render_error(lang: str = "it") -> str:
    """The error page in ``lang`` (bad, expired or revoked link, unknown invoice); it shows no invoice data."""
    return _env().get_template("demo_invoice.html").render(lang=lang, page=None, error=True)
