from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bot.creditor import load_creditor, parse_creditor
from bot.settings import ROOT

BASE = {"name": "Acme", "iban": "IT60 X054 2811 1010 0000 0123 456"}


def test_example_creditor_file_loads():
    creditor = load_creditor(ROOT / "creditor.yml")
    assert creditor.plan_policy.min_instalment == Decimal("25.00")
    assert creditor.iban.startswith("IT")


def test_environment_overrides_the_file():
    creditor = parse_creditor({**BASE, "pay_link": "https://a/{invoice}"}, env={"CREDITOR_NAME": "Beta S.r.l."})
    assert creditor.name == "Beta S.r.l." and creditor.pay_link_for("X-1") == "https://a/X-1"


@pytest.mark.parametrize("bad, message", [
    ({"iban": "IT00X0000"}, "IBAN"),
    ({"support_hours": {"mon": "18:00-09:00"}}, "closing"),
    ({"support_hours": {"funday": "09:00-10:00"}}, "unknown days"),
    ({"plan_policy": {"min_instalmnet": 10}}, "unknown plan policy"),
])
def test_bad_settings_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_creditor({**BASE, **bad}, env={})


def test_support_hours_in_the_creditor_time_zone():
    creditor = parse_creditor({**BASE, "support_hours": {"mon": "09:00-18:00"}}, env={})
    monday_0830_utc = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)  # 09:30 in Rome
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    assert creditor.is_open(monday_0830_utc) and not creditor.is_open(sunday)


def test_payments_section_of_the_example_file():
    payments = load_creditor(ROOT / "creditor.yml").payments
    assert (payments.provider, payments.currency) == ("stripe", "EUR")
    assert payments.success_url.startswith("https://") and payments.cancel_url.startswith("https://")


def test_payments_paths_are_resolved_under_the_public_base_url():
    payments = parse_creditor({**BASE, "payments": {"provider": "bank_transfer", "currency": "chf",
                                                    "success_url": "/paid", "cancel_url": "https://x.example/no"}},
                              env={}).payments
    assert (payments.provider, payments.currency) == ("bank_transfer", "CHF")
    assert payments.url(payments.success_url, "https://bot.example/") == "https://bot.example/paid"
    assert payments.url(payments.cancel_url, "https://bot.example") == "https://x.example/no"


def test_payment_url_variables_win_over_the_file():
    section = {"payments": {"success_url": "/paid", "cancel_url": "/cancelled"}}
    payments = parse_creditor({**BASE, **section}, env={"STRIPE_SUCCESS_URL": "https://env.example/ok"}).payments
    assert (payments.success_url, payments.cancel_url) == ("https://env.example/ok", "/cancelled")


@pytest.mark.parametrize("section, message", [
    ({"provider": "paypal"}, "payments.provider"),
    ({"success_url": "http://pay.example/ok"}, "payments.success_url"),
    ({"cancel_url": "pay.example/no"}, "payments.cancel_url"),
    ({"cancel_url": "//evil.example/no"}, "payments.cancel_url"),
    ({"currency": "EURO"}, "payments.currency"),
    ({"api_key": "sk_live_x"}, "unknown keys"),
    ("stripe", "expected a mapping"),
])
def test_bad_payments_section_is_refused(section, message):
    with pytest.raises(ValueError, match=message):
        parse_creditor({**BASE, "payments": section}, env={})


def test_a_non_https_url_from_the_environment_is_refused_too():
    with pytest.raises(ValueError, match="payments.success_url"):
        parse_creditor(BASE, env={"STRIPE_SUCCESS_URL": "http://pay.example/ok"})
