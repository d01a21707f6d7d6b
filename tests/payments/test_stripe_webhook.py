"""The Stripe webhook through a real Sanic server: signed events applied once; forged,
stale, replayed and unsigned deliveries refused."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from sqlalchemy import select

from bot.ledger.db import session_factory
from bot.ledger.repository import paid_total
from bot.payments.models import PaymentEvent
from tests.e2e.live import free_port
from tests.factories import add_debtor, add_invoice

SECRET = "whsec_test_secret"
ROOT = Path(__file__).resolve().parents[2]


def sign(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event(event_id: str, invoice_id: int, cents: int, kind: str = "checkout.session.completed",
          intent: str = "pi_1", subject: str = "invoice") -> bytes:
    obj = {"id": "cs_1", "object": "checkout.session", "payment_status": "paid", "amount_total": cents,
           "currency": "eur", "payment_intent": intent,
           "metadata": {"subject": subject, "subject_id": str(invoice_id), "invoice_id": str(invoice_id)}}
    if kind == "payment_intent.succeeded":
        obj = {"id": intent, "object": "payment_intent", "amount_received": cents, "currency": "eur",
               "metadata": obj["metadata"]}
    return json.dumps({"id": event_id, "object": "event", "type": kind, "created": 1796256000,
                       "data": {"object": obj}}).encode()


@pytest.fixture()
def server(engine) -> Iterator[tuple[str, object]]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STRIPE_WEBHOOK_SECRET": SECRET,
           "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.payments.webhook_server", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("webhook server exited")
            time.sleep(0.1)
        yield base + "/webhooks/payments/stripe", engine
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture()
def invoice_id(engine) -> int:
    with session_factory(engine)() as s:
        inv = add_invoice(s, add_debtor(s), amount="1240.50")
        s.commit()
        return inv.id


def _post(url: str, payload: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return httpx.post(url, content=payload, headers=headers, timeout=10)


def _paid(engine, invoice_id: int) -> Decimal:
    with session_factory(engine)() as s:
        return paid_total(s, invoice_id)


def test_signed_event_applied_once(server, invoice_id) -> None:
    url, engine = server
    body = event("evt_1", invoice_id, 124050)
    first = _post(url, body, sign(body))
    assert first.status_code == 200 and first.json()["result"] == "applied"
    again = _post(url, body, sign(body))  # Stripe redelivers: acknowledged, not re-applied
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    # The intent event for the same payment is the same money.
    intent = event("evt_2", invoice_id, 124050, kind="payment_intent.succeeded")
    assert _post(url, intent, sign(intent)).json()["result"] == "duplicate"
    assert _paid(engine, invoice_id) == Decimal("1240.50")
    with session_factory(engine)() as s:
        row = s.execute(select(PaymentEvent)).scalar_one()
        assert (row.source, row.event_id, row.paid_on) == ("stripe", "pi_1", date(2026, 12, 3))


def test_forged_stale_unsigned_refused(server, invoice_id) -> None:
    url, engine = server
    body = event("evt_3", invoice_id, 124050)
    assert _post(url, body, sign(body, secret="whsec_attacker")).status_code == 400
    assert _post(url, body, None).status_code == 400
    assert _post(url, body, sign(body, timestamp=int(time.time()) - 3600)).status_code == 400
    tampered = event("evt_3", invoice_id, 1)
    assert _post(url, tampered, sign(body)).status_code == 400  # signature of another body
    assert _paid(engine, invoice_id) == Decimal("0.00")


def test_unpaid_or_foreign_events_ignored(server, invoice_id) -> None:
    url, engine = server
    unknown = event("evt_4", 9999, 500, intent="pi_9")
    assert _post(url, unknown, sign(unknown)).json()["result"] == "ignored"
    other = json.loads(event("evt_5", invoice_id, 500, intent="pi_8"))
    other["type"] = "customer.created"
    body = json.dumps(other).encode()
    assert _post(url, body, sign(body)).json()["result"] == "ignored"
    assert _paid(engine, invoice_id) == Decimal("0.00")
