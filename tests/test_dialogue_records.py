"""What the journeys write: plans, promises, claims, disputes, opt-outs, pauses."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.dialogue import records
from bot.ledger.models import (
    AuditLog, ContactPreference, Debtor, Dispute, FollowUpTask, Invoice, PaymentPlan, PromiseToPay,
    ReconciliationCase,
)
from tests.factories import add_debtor, add_invoice, add_payment

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture()
def ledger(app_db, session):
    debtor = add_debtor(session)
    first = add_invoice(session, debtor, "FT-2026/00417", "1240.50", due=date(2026, 10, 15))
    second = add_invoice(session, debtor, "FT-2026/00533", "300.00", due=date(2026, 11, 15))
    add_payment(session, first, "200.00", date(2026, 11, 2), reference="CRO123")
    session.commit()
    return {"debtor": debtor.id, "first": first.id, "second": second.id}


def test_a_new_plan_replaces_the_active_one(ledger, session):
    rows = [(1, date(2026, 12, 7), Decimal("500.00")), (2, date(2027, 1, 7), Decimal("540.50"))]
    first = records.record_plan(debtor_id=ledger["debtor"], instalments=rows, conversation_id="c", channel="rest")
    second = records.record_plan(debtor_id=ledger["debtor"], instalments=rows, conversation_id="c", channel="rest")
    plans = {p.id: p for p in session.execute(select(PaymentPlan)).scalars()}
    assert plans[first].status == "cancelled" and plans[second].status == "active"
    assert plans[second].total == Decimal("1040.50") and len(plans[second].instalments) == 2


def test_promise_reminder_is_the_working_day_before(ledger, session):
    reminder = records.record_promise(debtor_id=ledger["debtor"], invoice_id=ledger["first"], amount=Decimal("100"),
                                      promised_date=date(2026, 11, 30), conversation_id="c", channel="rest",
                                      today=TODAY)
    assert reminder == date(2026, 11, 27)  # Monday 30th → Friday 27th
    promise = session.execute(select(PromiseToPay)).scalar_one()
    assert promise.amount == Decimal("100.00") and promise.reminder_on == reminder


@pytest.mark.parametrize("paid_on, amount, reference", [
    (date(2026, 11, 3), Decimal("200.00"), None),     # amount and a close date
    (None, None, "cro123"),                          # the bank reference alone
])
def test_claims_matching_a_recorded_payment(ledger, session, paid_on, amount, reference):
    outcome = records.check_payment_claim(debtor_id=ledger["debtor"], invoice_id=ledger["first"], paid_on=paid_on,
                                          amount=amount, reference=reference, conversation_id="c")
    assert outcome.matched
    assert session.execute(select(ReconciliationCase)).first() is None


def test_unmatched_claim_opens_a_case_and_holds_reminders(ledger, session):
    outcome = records.check_payment_claim(debtor_id=ledger["debtor"], invoice_id=ledger["second"],
                                          paid_on=date(2026, 11, 20), amount=Decimal("300.00"),
                                          reference="TRN999", conversation_id="c")
    assert not outcome.matched and outcome.case_id
    session.expire_all()
    assert session.get(Invoice, ledger["second"]).collection_hold == "reconciliation"
    assert session.get(Invoice, ledger["first"]).collection_hold is None


def test_dispute_freezes_collection_and_sets_a_response_date(ledger, session):
    case_id, respond_by = records.record_dispute(debtor_id=ledger["debtor"], invoice_id=ledger["first"],
                                                 reason="merce mai arrivata", conversation_id="c", today=TODAY)
    session.expire_all()
    assert session.get(Dispute, case_id).reason == "merce mai arrivata"
    assert session.get(Invoice, ledger["first"]).collection_hold == "dispute"
    assert respond_by == date(2026, 12, 7)  # ten working days, 8 Dec is a holiday later
    assert session.execute(select(AuditLog).where(AuditLog.action == "dispute.recorded")).first()


def test_opt_out_is_recorded_once_per_channel_and_address(ledger, session):
    for _ in range(2):
        records.record_opt_out(conversation_id="wa:+393331234567", channel="whatsapp", debtor_id=ledger["debtor"])
    prefs = session.execute(select(ContactPreference)).scalars().all()
    assert len(prefs) == 1 and prefs[0].opted_out and prefs[0].channel == "whatsapp"
    records.record_opt_out(conversation_id="wa:+393331234567", channel="whatsapp", debtor_id=None, opted_out=False)
    session.expire_all()
    assert not session.execute(select(ContactPreference)).scalar_one().opted_out


def test_payment_pause_holds_open_invoices_and_creates_a_task(ledger, session):
    days = records.record_payment_pause(debtor_id=ledger["debtor"], conversation_id="c", today=TODAY, vulnerable=True)
    session.expire_all()
    assert days == 30
    assert {i.collection_hold for i in session.execute(select(Invoice)).scalars()} == {"pause"}
    assert session.get(Debtor, ledger["debtor"]).vulnerable
    assert session.execute(select(FollowUpTask)).scalar_one().kind == "hardship"


def test_callback_request_creates_a_task_for_the_next_working_day(ledger, session):
    records.record_callback_request(debtor_id=None, conversation_id="tg:1", today=date(2026, 11, 27))  # a Friday
    task = session.execute(select(FollowUpTask)).scalar_one()
    assert task.kind == "callback" and task.due_on == date(2026, 11, 30)
