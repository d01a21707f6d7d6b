"""What an agent reads: money and dates in the console language, times in the creditor's zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from bot.creditor import get_creditor
from bot.messages.formatting import LOCALES, format_money, supported_language


def money(amount: Decimal | None, lang: str, currency: str = "EUR") -> str:
    """``1.240,50 €`` / ``€1,240.50``; empty for no amount."""
    return "" if amount is None else format_money(Decimal(amount), lang, currency)


def day(value: date | None, lang: str) -> str:
    """A short date: ``3 dic 2026`` / ``3 Dec 2026``."""
    if value is None:
        return ""
    return format_date(value, "d MMM y", locale=LOCALES[supported_language(lang)])


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time in the creditor's time zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(ZoneInfo(get_creditor().timezone))


def when(moment: datetime | None, lang: str) -> str:
    """Date and time in the creditor's zone: ``3 dic 2026, 09:15``."""
    if moment is None:
        return ""
    return format_datetime(local(moment), "d MMM y, HH:mm", locale=LOCALES[supported_language(lang)])


def local_today(now: datetime | None = None) -> date:
    """Today's date where the creditor works (due dates are compared with it)."""
    return local(now or datetime.utcnow()).date()
