"""Creditor settings from ``creditor.yml`` with environment overrides (docs/architecture.md §4)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping
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

    Raises ValueError on a missing name, an invalid IBAN, a bad time zone or bad support hours.
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
