"""Stripe webhook at ``/webhooks/payments/stripe``: signed, fresh, applied once.

The ``Stripe-Signature`` header is checked with ``stripe.Webhook.construct_event`` against
the endpoint secret (``STRIPE_WEBHOOK_SECRET``) with a timestamp tolerance, so a forged
body or an old replayed delivery is refused (400). Each event id is stored with the payment
(``payment_events``), so a redelivery of a good event is acknowledged (200) and ignored.
Only the metadata we wrote on the Checkout Session says what was paid; the amount is the
one Stripe reports as received, in integer cents.
"""
from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

import stripe
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.ledger.db import session_scope
from bot.payments.amounts import from_cents
from bot.payments.apply import apply_payment

log = logging.getLogger(__name__)

HANDLED = ("checkout.session.completed", "payment_intent.succeeded")
DEFAULT_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Outcome:
    """HTTP status and a short machine-readable word for the answer and the logs."""

    status: int
    result: str


def verify(payload: bytes, signature: str | None, secret: str,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> stripe.Event | None:
    """The verified event, or None when the signature is missing, forged or stale."""
    if not secret or not signature:
        return None
    try:
        return stripe.Webhook.construct_event(payload, signature, secret, tolerance=tolerance)
    except (stripe.SignatureVerificationError, ValueError):
        return None


def _subject(obj: dict[str, Any]) -> tuple[int, int | None, int | None] | None:
    meta = obj.get("metadata") or {}
    try:
        invoice_id = int(meta["invoice_id"])
        subject_id = int(meta["subject_id"])
    except (KeyError, TypeError, ValueError):
        return None
    subject = meta.get("subject")
    return (invoice_id, subject_id if subject == "instalment" else None,
            subject_id if subject == "promise" else None)


def _received_cents(event_type: str, obj: dict[str, Any]) -> int | None:
    if event_type == "checkout.session.completed":
        if obj.get("payment_status") != "paid":
            return None  # delayed methods complete later with payment_intent.succeeded
        value = obj.get("amount_total")
    else:
        value = obj.get("amount_received")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def apply_event(session: Session, event: stripe.Event) -> Outcome:
    """Apply a verified event; the caller commits. Unknown types are acknowledged and ignored."""
    if event["type"] not in HANDLED:
        return Outcome(200, "ignored")
    obj = event["data"]["object"].to_dict() if hasattr(event["data"]["object"], "to_dict") \
        else dict(event["data"]["object"])
    subject = _subject(obj)
    cents = _received_cents(event["type"], obj)
    if subject is None or cents is None:
        return Outcome(200, "ignored")
    invoice_id, instalment_id, promise_id = subject
    # One payment, two events (session completed + intent succeeded): key on the intent.
    key = obj.get("payment_intent") if event["type"] == "checkout.session.completed" else obj.get("id")
    key = key if isinstance(key, str) and key else event["id"]
    paid_on = datetime.fromtimestamp(int(event["created"]), tz=timezone.utc).date()
    try:
        applied = apply_payment(session, source="stripe", event_id=key, invoice_id=invoice_id,
                                amount=from_cents(cents), currency=str(obj.get("currency", "eur")).upper(),
                                paid_on=paid_on, reference=f"stripe:{key}", kind=event["type"],
                                instalment_id=instalment_id, promise_id=promise_id)
    except ValueError:
        log.warning("stripe event %s names no payable invoice", event["id"])
        return Outcome(200, "ignored")
    return Outcome(200, "duplicate" if applied.duplicate else "applied")


def handle(payload: bytes, signature: str | None, secret: str,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS, engine: Any = None) -> Outcome:
    """Verify and apply one delivery in its own transaction."""
    event = verify(payload, signature, secret, tolerance)
    if event is None:
        return Outcome(400, "bad_signature")
    with session_scope(engine) as session:
        return apply_event(session, event)


class StripeWebhookInput(InputChannel):
    """Mounted by Rasa from credentials.yml under ``/webhooks/payments/``."""

    def __init__(self, secret: str | None = None, tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> None:
        self.secret = secret if secret is not None else os.environ.get("STRIPE_WEBHOOK_SECRET", "")
        self.tolerance = tolerance

    @classmethod
    def name(cls) -> str:
        return "payments"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        creds = credentials or {}
        return cls(creds.get("webhook_secret") or None, int(creds.get("tolerance_seconds", DEFAULT_TOLERANCE_SECONDS)))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("payments_webhook", __name__)

        @bp.route("/stripe", methods=["POST"])
        async def stripe_webhook(request: Request) -> HTTPResponse:
            if not self.secret:
                return response.text("channel not configured", status=503)
            outcome = await asyncio.to_thread(handle, request.body, request.headers.get("Stripe-Signature"),
                                              self.secret, self.tolerance)
            return response.json({"result": outcome.result}, status=outcome.status)

        return bp
