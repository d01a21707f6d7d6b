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
    (due date, promised date, instalment due date, payment recorded date).

    With ``every_days`` the step repeats (offset, offset + every, …) up to ``until_days``,
    while the subject stays open; a repeat is skipped when the debtor heard from us in the
    last ``every_days``. ``task``: planning this step also opens a follow-up task for a
    person (the end of the automatic cadence).
    """

    name: str
    kind: str
    offset_days: int
    template: str
    variants: tuple[str, ...] = ("a",)
    every_days: int = 0
    until_days: int | None = None
    task: bool = False

    def offsets(self) -> range:
        """Every offset at which the step falls."""
        if not self.every_days:
            return range(self.offset_days, self.offset_days + 1)
        return range(self.offset_days, (self.until_days or self.offset_days) + 1, self.every_days)

    @property
    def last_offset(self) -> int:
        return self.offsets()[-1]


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
    # The whole life of a debt: every two weeks up to four months, then a last message and a person.
    Step("reminder", "invoice", 34, "reminder", every_days=14, until_days=106),
    Step("last_notice", "invoice", 120, "last_notice", task=True),
    Step("promise_reminder", "promise", -1, "promise_reminder"),
    Step("promise_missed", "promise", 2, "promise_missed"),
    Step("instalment_reminder", "instalment", -1, "instalment_reminder"),
    Step("instalment_missed", "instalment", 3, "instalment_missed"),
    Step("thanks", "payment", 0, "thanks"),
)


CATCH_UP = Step("catch_up", "invoice", 0, "catch_up")


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
    # An overdue invoice nobody has written about yet (a first import of an old ledger) gets
    # this one message at once instead of the steps it missed; None: no catch-up.
    catch_up: Step | None = CATCH_UP
    # Below this payment propensity the message leads with the offer of a plan.
    supportive_below: float = 0.35
    thanks_lookback_days: int = 3
    poll_seconds: float = 30.0
    lease_seconds: int = 300
    batch_size: int = 20

    def step(self, name: str) -> Step | None:
        if self.catch_up is not None and name == self.catch_up.name:
            return self.catch_up
        return next((s for s in self.steps if s.name == name), None)

    def closing_step(self) -> Step | None:
        """The invoice step that ends the automatic cadence: the last one opening a task, else the last one."""
        invoice_steps = [s for s in self.steps if s.kind == "invoice"]
        closing = [s for s in invoice_steps if s.task] or invoice_steps
        return max(closing, key=lambda s: s.last_offset) if closing else None


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
        offset = int(item.get("offset_days", 0))
        every = int(item.get("every_days") or 0)
        until = item.get("until_days")
        if every < 0 or (every and (until is None or int(until) < offset)):
            raise ValueError(f"outreach.steps[{i}]: every_days needs until_days >= offset_days")
        if until is not None and not every:
            raise ValueError(f"outreach.steps[{i}]: until_days only goes with every_days")
        steps.append(Step(name, kind, offset, str(item.get("template") or name), variants, every,
                          int(until) if until is not None else None, bool(item.get("task", False))))
    if len({s.name for s in steps}) != len(steps) or CATCH_UP.name in {s.name for s in steps}:
        raise ValueError(f"outreach.steps: step names must be unique (and not {CATCH_UP.name!r})")
    return tuple(steps)


def _catch_up(raw: Any) -> Step | None:
    if raw is False or raw is None:
        return None
    if raw is True:
        return CATCH_UP
    if not isinstance(raw, Mapping):
        raise ValueError("outreach.catch_up: expected false or a mapping with 'template'")
    return Step(CATCH_UP.name, "invoice", 0, str(raw.get("template") or CATCH_UP.template))


def parse_outreach(data: Mapping[str, Any] | None) -> OutreachConfig:
    """Validate an ``outreach:`` mapping over the defaults (None: all defaults); ValueError names the bad key."""
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
    if "catch_up" in data:
        values["catch_up"] = _catch_up(data["catch_up"])
    for key, cast in (("holidays_country", str), ("supportive_below", float), ("thanks_lookback_days", int),
                      ("poll_seconds", float), ("lease_seconds", int), ("batch_size", int)):
        if key in data:
            values[key] = cast(data[key])
    config = OutreachConfig(**{**defaults.__dict__, **values})
    if config.max_per_day < 0 or config.max_per_week < config.max_per_day:
        raise ValueError("outreach.caps: need 0 <= per_day <= per_week")
    return config


def load_outreach_config(path: Path | None = None) -> OutreachConfig:
    """The ``outreach:`` block of creditor.yml (or ``path``), defaults if the file or block is absent."""
    path = path or get_settings().creditor_file
    if not Path(path).exists():
        return OutreachConfig()
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return parse_outreach(data.get("outreach") if isinstance(data, dict) else None)


@lru_cache(maxsize=1)
def get_outreach_config() -> OutreachConfig:
    """The creditor file's outreach settings, read once per process (edits need a restart)."""
    return load_outreach_config()
