"""The provider named in creditor.yml ``payments:``, with the Stripe key from the environment only."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from bot.creditor import PaymentSettings
from bot.payments import providers
from bot.payments.providers import BankTransfer, StripeCheckout, payment_link_for, provider_from_settings
from tests.payments.test_checkout import FakeStripe, fake_api  # noqa: F401 - the fixture

KEY = "sk_test_provider_settings_123"
STRIPE = PaymentSettings(provider="stripe", currency="CHF", success_url="/paid",
                         cancel_url="https://pay.example/cancelled")


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    monkeypatch.setattr(providers, "_warned", set())


def test_stripe_with_the_key_builds_checkout_with_resolved_urls(fake_api) -> None:  # noqa: F811
    env = {"STRIPE_API_KEY": KEY, "STRIPE_API_BASE": fake_api, "PUBLIC_BASE_URL": "https://bot.example"}
    provider = provider_from_settings(STRIPE, env)
    assert isinstance(provider, StripeCheckout)
    assert (provider.success_url, provider.cancel_url) == ("https://bot.example/paid", "https://pay.example/cancelled")
    assert payment_link_for("invoice", 1, 1, Decimal("10.00"), currency=STRIPE.currency, provider=provider)
    form = FakeStripe.requests[-1]["form"]
    assert form["success_url"] == ["https://bot.example/paid"]
    assert form["line_items[0][price_data][currency]"] == ["chf"]


def test_stripe_without_the_key_falls_back_with_one_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.payments.providers"):
        first = provider_from_settings(STRIPE, {"STRIPE_WEBHOOK_SECRET": "whsec_not_logged"})
        second = provider_from_settings(STRIPE, {})
    assert isinstance(first, BankTransfer) and isinstance(second, BankTransfer)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "STRIPE_API_KEY" in warnings[0].getMessage()
    assert "whsec_" not in caplog.text


def test_bank_transfer_sends_no_link_even_with_a_key() -> None:
    provider = provider_from_settings(PaymentSettings(provider="bank_transfer"), {"STRIPE_API_KEY": KEY})
    assert isinstance(provider, BankTransfer)


def test_the_key_never_reaches_the_log(caplog, fake_api) -> None:  # noqa: F811
    with caplog.at_level(logging.DEBUG):
        provider_from_settings(STRIPE, {"STRIPE_API_KEY": KEY, "STRIPE_API_BASE": fake_api})
        provider_from_settings(PaymentSettings(provider="stripe"), {})
    assert KEY not in caplog.text
