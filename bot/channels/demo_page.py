"""The demo invoice page: the invoice a debtor was sent, with the chat widget embedded.

It stands in for the creditor's real invoice page and shows the one ``<script>`` tag a
site needs. The signed token in its URL names the debtor and invoice; without a valid
token the page shows nothing of the ledger.
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

from bot.channels.tokens import WebchatClaims
from bot.ledger.db import session_scope
from bot.ledger.models import Debtor
from bot.ledger.repository import find_invoice, paid_total

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
LOCALES = {"it": "it_IT", "en": "en_GB"}


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


def load_invoice(claims: WebchatClaims) -> InvoiceView | None:
    with session_scope() as session:
        invoice = find_invoice(session, claims.invoice_number)
        if invoice is None:
            return None
        debtor = session.get(Debtor, invoice.debtor_id)
        if debtor is None or debtor.debtor_ref != claims.debtor_ref:
            return None  # a token for another debtor's invoice shows nothing
        return InvoiceView(
            number=invoice.invoice_number, debtor_name=debtor.name, issue_date=invoice.issue_date,
            due_date=invoice.due_date, amount_due=Decimal(invoice.amount_due), paid=paid_total(session, invoice.id),
            currency=invoice.currency, language=claims.language or debtor.language or "it",
        )


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(WEB_DIR)), autoescape=select_autoescape(["html"]))


def render_page(view: InvoiceView, token: str, creditor_name: str, widget_src: str) -> str:
    lang = view.language if view.language in LOCALES else "it"
    locale = LOCALES[lang]

    def money(amount: Decimal) -> str:
        return format_currency(amount, view.currency, locale=locale)

    return _env().get_template("demo_invoice.html").render(
        lang=lang, creditor=creditor_name, invoice=view, token=token, widget_src=widget_src,
        issue_date=format_date(view.issue_date, "long", locale=locale),
        due_date=format_date(view.due_date, "long", locale=locale),
        amount_due=money(view.amount_due), paid=money(view.paid), open_amount=money(view.open_amount),
    )


def render_error(lang: str = "it") -> str:
    return _env().get_template("demo_invoice.html").render(lang=lang, invoice=None, error=True)
