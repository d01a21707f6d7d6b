"""Creditor settings from ``creditor.yml`` with environment overrides (docs/architecture.md §4)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml
from stdnum import iban as iban_check

from bot.plans.policy import PlanPolicy
from bot.settings import get_settings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SCALARS = (
    "name", "iban", "bic", "payment_reference_format", "pay_link", "support_phone",
    "support_email", "timezone", "expected_wait_minutes",
)

PAYMENT_PROVIDERS = ("bank_transfer", "stripe")
_PAYMENT_KEYS = {"provider", "currency", "success_url", "cancel_url"}
# Today's variables keep winning over the file; the secrets never appear in it at all.
_PAYMENT_ENV = {"success_url": "STRIPE_SUCCESS_URL", "cancel_url": "STRIPE_CANCEL_URL"}


@dataclass(frozen=True)
class PaymentSettings:
    """How debtors pay: the provider, the links' currency and where Checkout sends them back.

    ``success_url``/``cancel_url`` are absolute https URLs or paths under ``PUBLIC_BASE_URL``
    (resolved by ``url``). Secrets (``STRIPE_API_KEY``, ``STRIPE_WEBHOOK_SECRET``) are not here:
    they live in the environment only.
    """

    provider: str = "stripe"  # stripe: links only when STRIPE_API_KEY is set, as before the section
    currency: str = "EUR"
    success_url: str = "https://example.invalid/paid"
    cancel_url: str = "https://example.invalid/cancelled"

    def url(self, value: str, public_base_url: str) -> str:
        """``value`` as an absolute URL: a path is joined to the public base URL."""
        return public_base_url.rstrip("/") + value if value.startswith("/") else value


def _payment_url(key: str, value: Any) -> str:
    text = str(value).strip()
    if text.startswith("/") and not text.startswith("//"):
        return text
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"payments.{key}: expected a path under PUBLIC_BASE_URL or an absolute https URL, "
                         f"got {text!r}")
    return text


def parse_payments(raw: Any, env: Mapping[str, str]) -> PaymentSettings:
    """The validated ``payments:`` section; STRIPE_SUCCESS_URL / STRIPE_CANCEL_URL win over it."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValueError("payments: expected a mapping")
    unknown = set(raw) - _PAYMENT_KEYS
    if unknown:
        raise ValueError(f"payments: unknown keys {sorted(unknown)}")
    default = PaymentSettings()
    provider = str(raw.get("provider", default.provider)).strip().lower()
    if provider not in PAYMENT_PROVIDERS:
        raise ValueError(f"payments.provider: expected one of {', '.join(PAYMENT_PROVIDERS)}, got {provider!r}")
    currency = str(raw.get("currency", default.currency)).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"payments.currency: expected a three-letter ISO 4217 code, got {currency!r}")
    urls = {}
    for key, var in _PAYMENT_ENV.items():
        value = env.get(var) or raw.get(key) or getattr(default, key)
        urls[key] = _payment_url(key, value)
    return PaymentSettings(provider=provider, currency=currency, **urls)


@dataclass(frozen=True)
class SupportWindow:
    opens: time
    closes: time


@dataclass(frozen=True)
class CreditorSettings:
    name: str
    iban: str
    bic: str = ""
    payment_reference_format: str = "{invoice}"
    pay_link: str = ""
    support_phone: str = ""
    support_email: str = ""
    timezone: str = "Europe/Rome"
    expected_wait_minutes: int = 15
    support_hours: dict[str, SupportWindow] = field(default_factory=dict)
    plan_policy: PlanPolicy = field(default_factory=PlanPolicy)
    # Indicative rates (1 unit of currency = N euro) to confirm foreign amounts in euros.
    fx_rates: dict[str, Decimal] = field(default_factory=dict)
    payments: PaymentSettings = field(default_factory=PaymentSettings)

    def payment_reference(self, invoice: str, debtor: str = "") -> str:
        return self.payment_reference_format.format(invoice=invoice, debtor=debtor).strip()

    def pay_link_for(self, invoice: str) -> str:
        return self.pay_link.format(invoice=invoice) if self.pay_link else ""

    def is_open(self, moment: datetime) -> bool:
        """Whether human agents are on duty at ``moment`` (aware or naive-UTC)."""
        local = moment.astimezone(ZoneInfo(self.timezone)) if moment.tzinfo else \
            moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(self.timezone))
        window = self.support_hours.get(WEEKDAYS[local.weekday()])
        return bool(window and window.opens <= local.time() < window.closes)


def _parse_window(day: str, raw: str) -> SupportWindow:
    try:
        start, end = (part.strip() for part in str(raw).split("-"))
        opens, closes = time.fromisoformat(start), time.fromisoformat(end)
    except ValueError as exc:
        raise ValueError(f"support_hours.{day}: expected 'HH:MM-HH:MM', got {raw!r}") from exc
    if closes <= opens:
        raise ValueError(f"support_hours.{day}: closing time must be after opening time")
    return SupportWindow(opens, closes)


def parse_creditor(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> CreditorSettings:
    """Validated settings from a ``creditor.yml`` mapping; ``CREDITOR_<KEY>`` variables win over it.

    Raises ValueError on a missing name, an invalid IBAN, a bad time zone, bad support hours
    or a bad ``payments:`` section (unknown provider, a link URL that is neither a path nor https).
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {k: data.get(k) for k in _SCALARS if data.get(k) is not None}
    for key in _SCALARS:
        override = env.get(f"CREDITOR_{key.upper()}")
        if override:
            values[key] = override
    if not values.get("name"):
        raise ValueError("creditor settings: 'name' is required")
    iban = str(values.get("iban", "")).replace(" ", "").upper()
    if not iban_check.is_valid(iban):
        raise ValueError("creditor settings: 'iban' is not a valid IBAN")
    values["iban"] = iban
    values["expected_wait_minutes"] = int(values.get("expected_wait_minutes", 15))
    ZoneInfo(str(values.get("timezone", "Europe/Rome")))  # fail early on a bad zone
    hours = data.get("support_hours") or {}
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"support_hours: unknown days {sorted(unknown)}")
    texts: dict[str, Any] = {k: str(v) if k != "expected_wait_minutes" else v for k, v in values.items()}
    return CreditorSettings(
        **texts,
        support_hours={day: _parse_window(day, raw) for day, raw in hours.items()},
        plan_policy=PlanPolicy.from_mapping(data.get("plan_policy")),
        fx_rates={str(k).upper(): Decimal(str(v)) for k, v in (data.get("fx_rates") or {}).items()},
        payments=parse_payments(data.get("payments"), env),
    )


def load_creditor(path: Path) -> CreditorSettings:
    """Settings read from a YAML file; raises ValueError when the file is not a valid mapping."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return parse_creditor(data)


@lru_cache(maxsize=1)
def get_creditor() -> CreditorSettings:
    """The configured creditor, read once per process from the settings' creditor file."""
    return load_creditor(get_settings().creditor_file)
