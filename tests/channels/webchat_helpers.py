"""A demo ledger row and signed tokens for the web chat tests."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.channels.tokens import make_token
from bot.channels.webchat_hub import HUB
from bot.ledger.db import session_factory
from bot.ledger.models import Debtor, Invoice
from tests.channels.conftest import WEBCHAT_SECRET

INVOICE = "FT-2026/00417"


def add_invoice(engine: Engine, number: str = INVOICE, debtor_ref: str = "D-001") -> None:
    with session_factory(engine)() as session:
        debtor = Debtor(debtor_ref=debtor_ref, name="Mario Rossi", tax_code="RSSMRA80A01H501U", language="it")
        session.add(debtor)
        session.flush()
        session.add(Invoice(debtor_id=debtor.id, invoice_number=number, number_key=number.replace(" ", "").upper(),
                            issue_date=date(2026, 1, 10), due_date=date(2026, 2, 10), amount_due=Decimal("1240.50")))
        session.commit()


def token(invoice: str = INVOICE, debtor_ref: str = "D-001", ttl: int = 60, secret: str = WEBCHAT_SECRET) -> str:
    return make_token(secret, debtor_ref, invoice, ttl, language="it")


def auth(tok: str, origin: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {tok}"}
    if origin:
        headers["Origin"] = origin
    return headers


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    """Each test's database numbers its transcript rows from 1: forget the buttons of the last test's rows."""
    HUB._rich.clear()
    yield
    HUB._rich.clear()
