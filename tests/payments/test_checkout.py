"""Stripe Checkout links through the official SDK against a fake Stripe API on loopback."""
from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs

import pytest

from bot.payments.providers import BankTransfer, StripeCheckout, payment_link_for


class FakeStripe(BaseHTTPRequestHandler):
    requests: list[dict] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        FakeStripe.requests.append({"path": self.path, "form": parse_qs(body),
                                    "idempotency": self.headers.get("Idempotency-Key"),
                                    "auth": self.headers.get("Authorization")})
        if FakeStripe.fail:
            self._send(500, {"error": {"type": "api_error", "message": "down"}})
            return
        self._send(200, {"id": "cs_test_1", "object": "checkout.session",
                         "url": "https://checkout.stripe.test/c/pay/cs_test_1"})

    def _send(self, status: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def fake_api() -> Iterator[str]:
    FakeStripe.requests, FakeStripe.fail = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_checkout_session_has_exact_cents_and_metadata(fake_api) -> None:
    provider = StripeCheckout("sk_test_123", "https://pay.example/ok", "https://pay.example/no", api_base=fake_api)
    url = payment_link_for("instalment", 7, 3, Decimal("413.50"), provider=provider)
    assert url == "https://checkout.stripe.test/c/pay/cs_test_1"
    (req,) = FakeStripe.requests
    form = req["form"]
    assert req["path"] == "/v1/checkout/sessions" and req["auth"] == "Bearer sk_test_123"
    assert form["line_items[0][price_data][unit_amount]"] == ["41350"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]
    assert form["metadata[subject]"] == ["instalment"] and form["metadata[subject_id]"] == ["7"]
    assert form["metadata[invoice_id]"] == ["3"]
    assert form["payment_intent_data[metadata][invoice_id]"] == ["3"]
    assert form["mode"] == ["payment"] and req["idempotency"] == "instalment-7-41350"


def test_provider_outage_falls_back_to_bank_transfer_text(fake_api) -> None:
    FakeStripe.fail = True
    provider = StripeCheckout("sk_test_123", "https://pay.example/ok", "https://pay.example/no", api_base=fake_api)
    assert payment_link_for("invoice", 1, 1, Decimal("10.00"), provider=provider) is None


def test_bank_transfer_is_default(monkeypatch) -> None:
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    assert payment_link_for("invoice", 1, 1, Decimal("10.00")) is None
    assert payment_link_for("invoice", 1, 1, Decimal("10.00"), provider=BankTransfer()) is None


def test_unknown_subject_refused(fake_api) -> None:
    provider = StripeCheckout("sk_test_123", "https://pay.example/ok", "https://pay.example/no", api_base=fake_api)
    with pytest.raises(ValueError):
        payment_link_for("everything", 1, 1, Decimal("10.00"), provider=provider)
    assert FakeStripe.requests == []
