"""Outreach settings: the ``outreach:`` mapping of creditor.yml, with defaults when absent.

bot.creditor does not know this block; it is read here from the same file so cadences
can change without touching the creditor loader.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.settings import get_settings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS = ("telegram", "whatsapp", "sms")
SUBJECT_KINDS = ("invoice", "promise", "instalment", "payment")


@dataclass(frozen=True)
class Step:
    """One message of a cadence: ``offset_days`` from the subject's reference date
    (due date, promised date, instalment due date, payment recorded date)."""

    name: str
    kind: str
    offset_days: int
    template: str
    variants: tuple[str, ...] = ("a",)


@dataclass(frozen=True)
class Window:
    opens: time
    closes: time


DEFAULT_HOURS: dict[str, Window] = {
    **{d: Window(time(8, 30), time(21, 0)) for d in WEEKDAYS[:5]},
    "sat": Window(time(8, 30), time(15, 0)),
}

DEFAULT_STEPS: tuple[Step, ...] = (
    Step("pre_due", "invoice", -5, "pre_due"),
    Step("due_today", "invoice", 0, "due_today"),
    Step("post_due_1", "invoice", 3, "post_due", ("a", "b")),
    Step("post_due_2", "invoice", 10, "post_due", ("a", "b")),
    Step("post_due_3", "invoice", 20, "post_due"),
    Step("promise_reminder", "promise", -1, "promise_reminder"),
    Step("promise_missed", "promise", 2, "promise_missed"),
    Step("instalment_reminder", "instalment", -1, "instalment_reminder"),
    Step("instalment_missed", "instalment", 3, "instalment_missed"),
    Step("thanks", "payment", 0, "thanks"),
)


@dataclass(frozen=True)
class OutreachConfig:
    enabled: bool = True
    timezone: str = "Europe/Rome"
    # Debtors have no time-zone column: the phone's country code is the best hint we have.
    timezones_by_prefix: dict[str, str] = field(default_factory=lambda: {"+44": "Europe/London"})
    contact_hours: dict[str, Window] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    holidays_country: str = "IT"
    max_per_day: int = 1
    max_per_week: int = 3
    channels: tuple[str, ...] = ("telegram", "whatsapp", "sms")
    # Template name -> approved WhatsApp content SID, the only thing allowed outside 24 h.
    whatsapp_templates: dict[str, str] = field(default_factory=dict)
    steps: tuple[Step, ...] = DEFAULT_STEPS
    # Below this payment propensity the message leads with the offer of a plan.
    supportive_below: float = 0.35
    thanks_lookback_days: int = 3
    poll_seconds: float = 30.0
    lease_seconds: int = 300
    batch_size: int = 20

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


def _window(day: str, raw: Any) -> Window:
    try:
        start, end = (part.strip() for part in str(raw).split("-"))
        window = Window(time.fromisoformat(start), time.fromisoformat(end))
    except ValueError as exc:
        raise ValueError(f"outreach.contact_hours.{day}: expected 'HH:MM-HH:MM', got {raw!r}") from exc
    if window.closes <= window.opens:
        raise ValueError(f"outreach.contact_hours.{day}: closing time must be after opening time")
    return window


def _zone(raw: Any) -> str:
    try:
        ZoneInfo(str(raw))  # fail early on a bad zone
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"outreach: unknown time zone {raw!r}") from exc
    return str(raw)


def _steps(raw: Any) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("outreach.steps: expected a non-empty list")
    steps = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValueError(f"outreach.steps[{i}]: expected a mapping")
        kind = str(item.get("kind", "invoice"))
        if kind not in SUBJECT_KINDS:
            raise ValueError(f"outreach.steps[{i}].kind: one of {SUBJECT_KINDS}, got {kind!r}")
        name = str(item.get("name") or "")
        if not name:
            raise ValueError(f"outreach.steps[{i}]: 'name' is required")
        variants = tuple(str(v) for v in (item.get("variants") or ["a"]))
        steps.append(Step(name, kind, int(item.get("offset_days", 0)), str(item.get("template") or name), variants))
    if len({s.name for s in steps}) != len(steps):
        raise ValueError("outreach.steps: step names must be unique")
    return tuple(steps)


def parse_outreach(data: Mapping[str, Any] | None) -> OutreachConfig:
    data = data or {}
    if not isinstance(data, Mapping):
        raise ValueError("outreach: expected a mapping")
    defaults = OutreachConfig()
    values: dict[str, Any] = {}
    for key in ("enabled",):
        if key in data:
            values[key] = bool(data[key])
    if "timezone" in data:
        values["timezone"] = _zone(data["timezone"])
    if "timezones_by_prefix" in data:
        values["timezones_by_prefix"] = {str(k): _zone(v) for k, v in (data["timezones_by_prefix"] or {}).items()}
    if "contact_hours" in data:
        hours = data["contact_hours"] or {}
        unknown = set(hours) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"outreach.contact_hours: unknown days {sorted(unknown)}")
        values["contact_hours"] = {d: _window(d, w) for d, w in hours.items() if w}
    caps = data.get("caps") or {}
    if "per_day" in caps:
        values["max_per_day"] = int(caps["per_day"])
    if "per_week" in caps:
        values["max_per_week"] = int(caps["per_week"])
    if "channels" in data:
        channels = tuple(str(c) for c in data["channels"])
        bad = set(channels) - set(CHANNELS)
        if bad:
            raise ValueError(f"outreach.channels: unknown {sorted(bad)}")
        values["channels"] = channels
    if "whatsapp_templates" in data:
        values["whatsapp_templates"] = {str(k): str(v) for k, v in (data["whatsapp_templates"] or {}).items()}
    if "steps" in data:
        values["steps"] = _steps(data["steps"])
    for key, cast in (("holidays_country", str), ("supportive_below", float), ("thanks_lookback_days", int),
                      ("poll_seconds", float), ("lease_seconds", int), ("batch_size", int)):
        if key in data:
            values[key] = cast(data[key])
    config = OutreachConfig(**{**defaults.__dict__, **values})
    if config.max_per_day < 0 or config.max_per_week < config.max_per_day:
        raise ValueError("outreach.caps: need 0 <= per_day <= per_week")
    return config


def load_outreach_config(path: Path | None = None) -> OutreachConfig:
    path = path or get_settings().creditor_file
    if not Path(path).exists():
        return OutreachConfig()
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return parse_outreach(data.get("outreach") if isinstance(data, dict) else None)


@lru_cache(maxsize=1)
def get_outreach_config() -> OutreachConfig:
    return load_outreach_config()
