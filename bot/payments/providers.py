"""Payment providers behind one interface: bank transfer (default) and Stripe Checkout.

``payment_link_for`` is what the actions call when they show how to pay: it returns a
Stripe Checkout URL for the exact amount when Stripe is configured (creditor.yml
``payments.provider: stripe`` and ``STRIPE_API_KEY`` in the environment), else ``None`` and
the reply keeps today's bank-transfer text (IBAN and payment reference).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Mapping, Protocol

import stripe

from bot.payments.amounts import to_cents

if TYPE_CHECKING:
    from bot.creditor import PaymentSettings

log = logging.getLogger(__name__)

SUBJECTS = ("invoice", "plan", "instalment", "promise")


@dataclass(frozen=True)
class PaymentRequest:
    """What is to be paid: the subject (invoice/plan/instalment/promise), its id and amount."""

    subject: str
    subject_id: int
    invoice_id: int
    amount: Decimal
    currency: str = "EUR"
    description: str = ""


class Provider(Protocol):
    name: str

    def link(self, request: PaymentRequest) -> str | None:
        """A URL where the debtor pays exactly ``request.amount``, or None (no link)."""


class BankTransfer:
    """The default: no link; the reply shows the IBAN and the payment reference."""

    name = "bank_transfer"

    def link(self, request: PaymentRequest) -> str | None:
        return None


class StripeCheckout:
    """Stripe Checkout Sessions through the official SDK (``api_base`` for a loopback fake)."""

    name = "stripe"

    def __init__(self, api_key: str, success_url: str, cancel_url: str, api_base: str | None = None) -> None:
        self.client = stripe.StripeClient(api_key, base_addresses={"api": api_base} if api_base else None)
        self.success_url, self.cancel_url = success_url, cancel_url

    def link(self, request: PaymentRequest) -> str | None:
        if request.subject not in SUBJECTS:
            raise ValueError("unknown payment subject")
        metadata = {"subject": request.subject, "subject_id": str(request.subject_id),
                    "invoice_id": str(request.invoice_id), "amount": str(request.amount)}
        session = self.client.v1.checkout.sessions.create(params={
            "mode": "payment",
            "success_url": self.success_url,
            "cancel_url": self.cancel_url,
            "line_items": [{"quantity": 1, "price_data": {
                "currency": request.currency.lower(), "unit_amount": to_cents(request.amount),
                "product_data": {"name": request.description or f"{request.subject} {request.subject_id}"}}}],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }, options={"idempotency_key": f"{request.subject}-{request.subject_id}-{to_cents(request.amount)}"})
        return session.url


def provider_from_settings(payments: PaymentSettings, env: Mapping[str, str] | None = None) -> Provider:
    """The provider the ``payments:`` section of creditor.yml names, with the key from the env.

    ``stripe`` without ``STRIPE_API_KEY`` falls back to bank transfer with one warning per
    process (the key itself is never logged); ``bank_transfer`` sends no links even when the
    key is set, while the webhook still books payments of links sent before.
    """
    env = os.environ if env is None else env
    if payments.provider != "stripe":
        return BankTransfer()
    key = env.get("STRIPE_API_KEY", "")
    if not key:
        _warn_once("payments.provider is stripe but STRIPE_API_KEY is not set: bank transfer only")
        return BankTransfer()
    base = env.get("PUBLIC_BASE_URL", "")
    return StripeCheckout(key, payments.url(payments.success_url, base), payments.url(payments.cancel_url, base),
                          env.get("STRIPE_API_BASE") or None)


def provider_from_env() -> Provider:
    """The configured provider: creditor.yml ``payments:`` plus the secrets in the environment."""
    from bot.creditor import get_creditor

    return provider_from_settings(get_creditor().payments)


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def payment_link_for(subject: str, subject_id: int, invoice_id: int, amount: Decimal, currency: str | None = None,
                     provider: Provider | None = None) -> str | None:
    """The payment link for a balance, instalment or promise; None means bank-transfer text.

    ``currency`` defaults to the one in creditor.yml ``payments:``. A provider outage must not
    break the reply: the bank details still let the debtor pay.
    """
    provider = provider or provider_from_env()
    if currency is None:
        from bot.creditor import get_creditor

        currency = get_creditor().payments.currency
    try:
        return provider.link(PaymentRequest(subject, subject_id, invoice_id, amount, currency))
    except stripe.StripeError:
        return None
