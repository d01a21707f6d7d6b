"""Outreach fixtures: a fixed clock, a default config and a small ledger builder."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterator

import pytest
from sqlalchemy.orm import Session

import bot.outreach.models  # noqa: F401  (registers the outreach tables before the schema is created)
from bot.ledger.models import Debtor, Invoice
from bot.outreach.config import OutreachConfig
from tests.factories import add_debtor, add_invoice

MONDAY = date(2026, 11, 23)  # a working Monday; Sunday 22 and Tuesday 8 December (a holiday) are nearby
CREDITOR = "Aurora Servizi S.p.A."


class FixedClock:
    """An injected clock: tests move it, nothing sleeps."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **kwargs: float) -> None:
        self.moment += timedelta(**kwargs)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` Rome time (UTC+1 in winter) as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour - 1, minute, tzinfo=timezone.utc)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(at(MONDAY, 10))


@pytest.fixture()
def config() -> OutreachConfig:
    return OutreachConfig()


@pytest.fixture()
def db(session: Session) -> Iterator[Session]:
    yield session


def debtor_with_invoice(session: Session, ref: str, phone: str | None, due: date, language: str = "it",
                        amount: str = "240.00") -> tuple[Debtor, Invoice]:
    debtor = add_debtor(session, ref=ref, tax_code=f"RSSMRA85T10A{len(ref):03d}S"[:16], name=f"Debtor {ref}",
                        language=language, phone=phone)
    invoice = add_invoice(session, debtor, number=f"FT-{ref}", amount=amount, due=due, issued=due - timedelta(days=30))
    return debtor, invoice
