"""Contact rules no cadence can break. Pure functions: the clock and every fact are passed in.

- Contact hours per weekday in the debtor's time zone; never on a day without hours
  (Sunday by default) nor on a public holiday.
- A frequency cap across all channels (per local day and per rolling 7 days).
- Suppressions: a manager's pause, a human agent on the case, a disputed invoice, a
  reconciliation or payment hold, nothing left to pay, a plan on track or a pending promise
  (for invoice reminders), a repeating reminder when the debtor heard from us within its
  interval, an open follow-up task after the last notice (for invoice reminders), opt-outs
  per channel and global.
- Channel choice: preference order, opt-outs, and WhatsApp's 24-hour window (outside it
  only an approved template, otherwise SMS).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Callable, Collection, Iterable
from zoneinfo import ZoneInfo

import holidays

from bot.outreach.config import WEEKDAYS, OutreachConfig, Step

Clock = Callable[[], datetime]  # returns an aware UTC datetime
SEARCH_DAYS = 31  # a contact window is always found within a month unless none is configured


def utc_now() -> datetime:
    """The default ``Clock``: the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def to_naive_utc(moment: datetime) -> datetime:
    """The database stores naive UTC (as the rest of the schema)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_naive_utc(moment: datetime) -> datetime:
    """A stored naive UTC datetime as an aware one."""
    return moment.replace(tzinfo=timezone.utc)


# --- time zones, days and hours --------------------------------------------------------
def timezone_for(phone: str | None, config: OutreachConfig) -> ZoneInfo:
    """The zone of the longest ``timezones_by_prefix`` prefix the phone starts with, else the creditor's."""
    for prefix, zone in sorted(config.timezones_by_prefix.items(), key=lambda kv: -len(kv[0])):
        if phone and phone.startswith(prefix):
            return ZoneInfo(zone)
    return ZoneInfo(config.timezone)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_holiday(day: date, country: str = "IT") -> bool:
    """Whether ``day`` is a public holiday in ``country`` (ISO code, per the ``holidays`` package)."""
    return day in _holidays(country, day.year)


def is_contact_day(day: date, config: OutreachConfig) -> bool:
    """A weekday with contact hours configured that is not a public holiday."""
    return WEEKDAYS[day.weekday()] in config.contact_hours and not is_holiday(day, config.holidays_country)


def within_contact_hours(moment: datetime, tz: ZoneInfo, config: OutreachConfig) -> bool:
    """Whether ``moment`` falls in its local weekday's contact hours in ``tz`` (closing time excluded)."""
    local = moment.astimezone(tz)
    if not is_contact_day(local.date(), config):
        return False
    window = config.contact_hours[WEEKDAYS[local.weekday()]]
    return window.opens <= local.time() < window.closes


def next_contact_moment(after: datetime, tz: ZoneInfo, config: OutreachConfig) -> datetime | None:
    """The first moment at or after ``after`` (aware) inside the contact hours, or None."""
    local = after.astimezone(tz)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if not is_contact_day(day, config):
            continue
        window = config.contact_hours[WEEKDAYS[day.weekday()]]
        start = datetime.combine(day, window.opens, tz)
        end = datetime.combine(day, window.closes, tz)
        if offset == 0 and local >= end:
            continue
        return max(start, local) if offset == 0 else start
    return None


def first_contact_moment_on_or_after(day: date, tz: ZoneInfo, config: OutreachConfig) -> datetime | None:
    """The first moment inside the contact hours from the start of local ``day``, or None."""
    return next_contact_moment(datetime.combine(day, time(0), tz), tz, config)


# --- caps ------------------------------------------------------------------------------
def cap_reason(other_send_days: Iterable[date], day: date, config: OutreachConfig) -> str | None:
    """Why one more message on local ``day`` would break the cap (other messages' days given)."""
    days = list(other_send_days)
    if sum(1 for d in days if d == day) >= config.max_per_day:
        return "cap_daily"
    week_start = day - timedelta(days=6)
    if sum(1 for d in days if week_start <= d <= day) >= config.max_per_week:
        return "cap_weekly"
    return None


# --- suppressions ----------------------------------------------------------------------
@dataclass(frozen=True)
class SubjectFacts:
    """What the rules need to know about one debtor and one subject, at one moment."""

    subject_open: bool  # something still to pay / promise open / instalment unpaid
    hold: str | None = None  # dispute | reconciliation | pause on the subject's invoice(s)
    with_agent: bool = False  # a conversation paused for a human, or an open handoff
    plan_on_track: bool = False
    promise_pending: bool = False  # an open promise whose date has not passed
    debtor_paused: bool = False
    paused_campaigns: frozenset[str] = frozenset()
    recently_reminded: bool = False  # a repeating step, and the debtor heard from us within its interval
    follow_up_open: bool = False  # the cadence ended with a task for a person, still open


HOLD_REASONS = {"dispute": "dispute", "reconciliation": "reconciliation_hold", "pause": "payment_pause"}


def suppression_reason(step: Step, facts: SubjectFacts) -> str | None:
    """The skip reason that keeps the step from going out for this subject, or None when it may go."""
    if facts.debtor_paused:
        return "paused_debtor"
    if "all" in facts.paused_campaigns or step.name in facts.paused_campaigns:
        return "paused_campaign"
    if facts.with_agent:
        return "with_agent"
    if facts.hold:
        return HOLD_REASONS.get(facts.hold, "collection_hold")
    if step.kind == "payment":
        return None  # a thank-you needs nothing open
    if not facts.subject_open:
        return "nothing_due"
    if step.kind == "invoice" and facts.plan_on_track:
        return "plan_on_track"
    if step.kind == "invoice" and facts.promise_pending:
        return "promise_pending"
    if step.kind == "invoice" and facts.follow_up_open:
        return "follow_up_open"  # a person has the case: no more automatic invoice reminders
    if step.every_days and facts.recently_reminded:
        return "recently_reminded"
    return None


# --- channel choice --------------------------------------------------------------------
@dataclass(frozen=True)
class Reachability:
    phone: str | None
    telegram_chat: str | None = None
    opted_out_channels: frozenset[str] = frozenset()
    opted_out_all: bool = False
    whatsapp_window_open: bool = False


@dataclass(frozen=True)
class ChannelChoice:
    channel: str | None
    address: str | None = None
    mode: str = "text"  # text | template
    content_sid: str | None = None
    reason: str | None = None  # why nothing could be chosen


def choose_channel(reach: Reachability, template: str, config: OutreachConfig,
                   available: Collection[str]) -> ChannelChoice:
    """The first channel in preference order with an address, configured and not opted out.

    Outside WhatsApp's 24-hour window only an approved template for ``template`` goes there, otherwise
    the next channel is tried. With no channel, ``reason`` says why.
    """
    if reach.opted_out_all:
        return ChannelChoice(None, reason="opted_out_all")
    reason = "no_address"
    for channel in config.channels:
        address = reach.telegram_chat if channel == "telegram" else reach.phone
        if not address:
            continue
        if channel not in available:
            reason = "channel_not_configured" if reason == "no_address" else reason
            continue
        if channel in reach.opted_out_channels:
            reason = "opted_out_channel"
            continue
        if channel == "whatsapp" and not reach.whatsapp_window_open:
            sid = config.whatsapp_templates.get(template)
            if sid:
                return ChannelChoice("whatsapp", address, "template", sid)
            if reason in ("no_address", "channel_not_configured"):
                reason = "whatsapp_window_closed"
            continue  # fall back to the next channel (SMS)
        return ChannelChoice(channel, address)
    return ChannelChoice(None, reason=reason)


def whatsapp_window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """``last_inbound_at`` naive UTC (as stored), ``now`` aware."""
    return last_inbound_at is not None and to_naive_utc(now) - last_inbound_at < timedelta(hours=24)
