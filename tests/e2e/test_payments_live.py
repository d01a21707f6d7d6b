"""The Stripe webhook through the real Rasa server (credentials.yml mounts it) and the demo ledger.

Signed events are applied once, a replay re-signed with a new timestamp is acknowledged and not
booked again, forged and stale deliveries are refused with 400 and book nothing, and the amount
booked is the one Stripe reports as received, never the ``amount`` we wrote in the metadata.
A link paid after the invoice was settled is neither lost nor hidden.
"""
from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.ledger.models import FollowUpTask, Invoice, Payment
from bot.ledger.repository import paid_total
from bot.payments.models import PaymentEvent
from tests.payments.test_stripe_webhook import SECRET, event, sign

PATH = "/webhooks/payments/stripe"


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    return {"STRIPE_WEBHOOK_SECRET": SECRET}


@pytest.fixture(scope="module")
def db(live_servers) -> Iterator[Engine]:
    engine = create_engine(live_servers.db_url, future=True)
    yield engine
    engine.dispose()


def _open_invoices(db: Engine) -> list[tuple[int, Decimal]]:
    """Demo invoices with nothing paid yet, largest first: (id, amount due)."""
    with Session(db) as s:
        paid = select(Payment.invoice_id)
        rows = s.execute(select(Invoice.id, Invoice.amount_due).where(Invoice.id.not_in(paid))
                         .order_by(Invoice.amount_due.desc(), Invoice.id)).all()
    return [(i, Decimal(a)) for i, a in rows if Decimal(a) >= Decimal("20.00")]


def _post(live, payload: bytes, signature: str) -> httpx.Response:
    return live.http.post(live.rasa_url + PATH, content=payload, timeout=30,
                          headers={"Content-Type": "application/json", "Stripe-Signature": signature})


def _counts(db: Engine) -> tuple[int, int]:
    with Session(db) as s:
        return (s.execute(select(func.count(Payment.id))).scalar_one(),
                s.execute(select(func.count(PaymentEvent.id))).scalar_one())


def _ledger(db: Engine, invoice_id: int) -> tuple[Decimal, list[tuple[Decimal, str]]]:
    with Session(db) as s:
        rows = s.execute(select(Payment.amount, Payment.reference).where(Payment.invoice_id == invoice_id)).all()
        return paid_total(s, invoice_id), [(Decimal(a), r) for a, r in rows]


def test_signed_checkout_applied_once_and_replay_ignored(live_servers, db) -> None:
    invoice_id, due = _open_invoices(db)[0]
    cents = int(due * 100) // 2  # half the balance: the open amount must drop, not vanish
    body = event("evt_live_1", invoice_id, cents, intent="pi_live_1")
    first = _post(live_servers, body, sign(body, timestamp=int(time.time()) - 30))
    assert first.status_code == 200 and first.json() == {"result": "applied"}
    paid, rows = _ledger(db, invoice_id)
    assert paid == Decimal(cents) / 100 and rows == [(paid, "stripe:pi_live_1")]
    assert due - paid > 0
    before = _counts(db)
    # The same event redelivered with a fresh signature: acknowledged, not booked again.
    again = _post(live_servers, body, sign(body))
    assert again.status_code == 200 and again.json() == {"result": "duplicate"}
    assert _counts(db) == before and _ledger(db, invoice_id)[0] == paid


def test_forged_and_stale_deliveries_refused_and_change_nothing(live_servers, db) -> None:
    invoice_id, due = _open_invoices(db)[0]
    body = event("evt_live_2", invoice_id, int(due * 100), intent="pi_live_2")
    before = _counts(db)
    forged = _post(live_servers, body, sign(body, secret="whsec_attacker"))
    stale = _post(live_servers, body, sign(body, timestamp=int(time.time()) - 3600))
    other = event("evt_live_2", invoice_id, 1, intent="pi_live_2")
    swapped = _post(live_servers, other, sign(body))  # a good signature of another body
    assert [r.status_code for r in (forged, stale, swapped)] == [400, 400, 400]
    assert all(r.json() == {"result": "bad_signature"} for r in (forged, stale, swapped))
    assert _counts(db) == before and _ledger(db, invoice_id)[0] == Decimal("0.00")


def test_metadata_amount_is_not_what_gets_booked(live_servers, db) -> None:
    """The metadata may claim the full balance; only the amount Stripe received is booked."""
    invoice_id, due = _open_invoices(db)[0]
    payload = json.loads(event("evt_live_3", invoice_id, 1000, intent="pi_live_3"))
    payload["data"]["object"]["metadata"]["amount"] = str(due)
    body = json.dumps(payload).encode()
    answer = _post(live_servers, body, sign(body))
    assert answer.status_code == 200 and answer.json() == {"result": "applied"}
    assert _ledger(db, invoice_id) == (Decimal("10.00"), [(Decimal("10.00"), "stripe:pi_live_3")])
    # Metadata naming an invoice that does not exist books nothing anywhere.
    before = _counts(db)
    ghost = event("evt_live_4", 999_999, 1000, intent="pi_live_4")
    assert _post(live_servers, ghost, sign(ghost)).json() == {"result": "ignored"}
    assert _counts(db) == before


def test_link_paid_after_the_invoice_was_settled_is_kept(live_servers, db) -> None:
    invoice_id, due = _open_invoices(db)[0]
    cents = int(due * 100)
    for n in (5, 6):  # the balance paid in full twice, by two different payments
        body = event(f"evt_live_{n}", invoice_id, cents, intent=f"pi_live_{n}")
        assert _post(live_servers, body, sign(body)).json() == {"result": "applied"}
    with Session(db) as s:
        debtor_id = s.get(Invoice, invoice_id).debtor_id
        second = s.execute(select(Payment.invoice_id, Payment.amount, Payment.reference)
                           .where(Payment.reference.like("stripe:pi_live_6%"))).all()
        assert sum((Decimal(a) for _, a, _ in second), Decimal("0.00")) == due  # nothing lost
        for inv in s.execute(select(Invoice).where(Invoice.debtor_id == debtor_id, Invoice.id != invoice_id)).scalars():
            assert paid_total(s, inv.id) <= Decimal(inv.amount_due)  # no other invoice overpaid
        excess = [a for i, a, r in second if i == invoice_id and r.endswith("#overpayment")]
        tasks = s.execute(select(FollowUpTask).where(FollowUpTask.kind == "overpayment",
                                                     FollowUpTask.debtor_id == debtor_id)).scalars().all()
        assert len(tasks) == (1 if excess else 0)  # a person is told iff money is left over
        assert all(i != invoice_id or r.endswith("#overpayment") for i, _, r in second)
