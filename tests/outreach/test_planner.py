"""The planner against a real (SQLite or PostgreSQL) ledger: every suppression, caps across
channels, Sundays and holidays, first contact, idempotency."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.ledger.models import (
    ContactPreference, Conversation, Dispute, Handoff, PaymentPlan, PlanInstalment, PromiseToPay, ReconciliationCase,
)
from bot.outreach.models import OutboxMessage
from bot.outreach.planner import plan_day
from bot.outreach.views import pause_campaign, pause_debtor
from tests.factories import add_payment
from tests.outreach.conftest import CREDITOR, MONDAY, at, debtor_with_invoice

PHONE = "+393331234567"


def plan(session, day=MONDAY, now=None, config=None, **kw):
    from bot.outreach.config import OutreachConfig

    return plan_day(session, day, now or at(day, 7), config or OutreachConfig(), creditor_name=CREDITOR, **kw)


def only_row(result):
    assert len(result.created) == 1, [(r.step, r.status, r.skip_reason) for r in result.created]
    return result.created[0]


def test_due_invoice_becomes_one_queued_first_contact_at_opening_time(db):
    debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    row = only_row(plan(db))
    assert (row.status, row.step, row.channel, row.address) == ("queued", "post_due_1", "sms", PHONE)
    assert row.template == "first_contact"
    assert "fattura" not in row.text.lower() and "240" not in row.text  # says nothing about the debt
    assert row.send_after == datetime(2026, 11, 23, 7, 30)  # 08:30 in Rome, stored as naive UTC


def test_planning_twice_adds_nothing(db):
    debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    assert len(plan(db).created) == 1
    again = plan(db)
    assert again.created == [] and again.already_planned == 1
    assert len(db.execute(select(OutboxMessage)).scalars().all()) == 1


def test_a_step_falling_on_sunday_goes_out_on_monday(db):
    sunday = MONDAY - timedelta(days=1)
    debtor_with_invoice(db, "A", PHONE, due=sunday)  # due_today on a Sunday
    row = only_row(plan(db, day=sunday, now=at(sunday, 10)))
    assert row.status == "queued" and row.send_on == MONDAY


def test_a_step_on_a_public_holiday_waits_for_the_next_working_day(db):
    holiday = date(2026, 12, 8)
    debtor_with_invoice(db, "A", PHONE, due=holiday)
    row = only_row(plan(db, day=holiday, now=at(holiday, 10)))
    assert row.send_on == date(2026, 12, 9)


def test_second_message_to_the_same_number_may_speak_of_the_invoice(db):
    _, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    first = only_row(plan(db))
    first.status = "sent"
    db.flush()
    later = MONDAY + timedelta(days=7)  # post_due_2 (+10)
    row = only_row(plan(db, day=later))
    assert row.template == "post_due" and "fattura" in row.text


def test_disputed_invoice_is_skipped(db):
    _, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    invoice.collection_hold = "dispute"
    db.flush()
    row = only_row(plan(db))
    assert (row.status, row.skip_reason) == ("skipped", "dispute")


def test_open_dispute_record_suppresses_even_without_the_hold_flag(db):
    _, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(Dispute(invoice_id=invoice.id, reason="not delivered"))
    db.flush()
    assert only_row(plan(db)).skip_reason == "dispute"


def test_reconciliation_hold_is_skipped(db):
    _, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(ReconciliationCase(invoice_id=invoice.id, claimed_amount=Decimal("240.00")))
    db.flush()
    assert only_row(plan(db)).skip_reason == "reconciliation_hold"


def test_conversation_with_a_human_is_skipped(db):
    debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(Conversation(conversation_id=f"wa:{PHONE}", channel="whatsapp", address=PHONE, paused=True))
    db.flush()
    assert only_row(plan(db)).skip_reason == "with_agent"


def test_open_handoff_is_skipped(db):
    debtor, _ = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(Conversation(conversation_id="tg:777", channel="telegram", address="777", debtor_id=debtor.id))
    db.add(Handoff(conversation_id="tg:777", channel="telegram", reason="request_human", status="queued"))
    db.flush()
    assert only_row(plan(db)).skip_reason == "with_agent"


def _plan_with_instalments(db, debtor, dues):
    p = PaymentPlan(debtor_id=debtor.id, total=Decimal("240.00"), instalment_count=len(dues), status="active")
    db.add(p)
    db.flush()
    for n, (due, paid) in enumerate(dues, 1):
        db.add(PlanInstalment(plan_id=p.id, number=n, due_date=due, amount=Decimal("120.00"), paid=paid))
    db.flush()
    return p


def test_plan_on_track_suppresses_invoice_reminders_but_a_late_plan_does_not(db):
    debtor, _ = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    plan_row = _plan_with_instalments(db, debtor, [(MONDAY - timedelta(days=1), True), (MONDAY + timedelta(days=30), False)])
    assert only_row(plan(db)).skip_reason == "plan_on_track"
    db.execute(OutboxMessage.__table__.delete())
    plan_row.instalments[0].paid = False  # behind: reminders resume
    db.flush()
    assert only_row(plan(db)).status == "queued"


def test_instalment_reminder_the_day_before(db):
    debtor, _ = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=40))
    _plan_with_instalments(db, debtor, [(MONDAY + timedelta(days=1), False)])
    row = only_row(plan(db))
    assert (row.step, row.status) == ("instalment_reminder", "queued")


def test_pending_promise_replaces_the_invoice_reminder(db):
    debtor, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(PromiseToPay(debtor_id=debtor.id, invoice_id=invoice.id, amount=Decimal("240.00"),
                        promised_date=MONDAY + timedelta(days=1)))
    db.flush()
    rows = {r.step: r for r in plan(db).created}
    assert rows["post_due_1"].skip_reason == "promise_pending"
    assert rows["promise_reminder"].status == "queued"


def test_opt_out_of_the_only_channel_is_skipped(db):
    debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(ContactPreference(channel="sms", address=PHONE, opted_out=True))
    db.flush()
    assert only_row(plan(db)).skip_reason == "opted_out_channel"


def test_opt_out_of_one_channel_falls_back_to_another(db):
    debtor, _ = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(Conversation(conversation_id="tg:777", channel="telegram", address="777", debtor_id=debtor.id,
                        last_inbound_at=datetime(2026, 11, 1)))
    db.add(ContactPreference(channel="telegram", address="777", opted_out=True))
    db.flush()
    row = only_row(plan(db))
    assert (row.status, row.channel) == ("queued", "sms")


def test_global_opt_out_stops_every_channel(db):
    debtor, _ = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    db.add(Conversation(conversation_id="tg:777", channel="telegram", address="777", debtor_id=debtor.id))
    db.add(ContactPreference(channel="all", address=PHONE, debtor_id=debtor.id, opted_out=True))
    db.flush()
    assert only_row(plan(db)).skip_reason == "opted_out_all"


def test_daily_cap_across_two_invoices_and_weekly_cap_across_channels(db):
    debtor, _ = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    from tests.factories import add_invoice

    add_invoice(db, debtor, number="FT-A2", amount="80.00", due=MONDAY - timedelta(days=10))
    result = plan(db)
    assert sorted((r.status, r.skip_reason) for r in result.created) == [("queued", None), ("skipped", "cap_daily")]

    other, _ = debtor_with_invoice(db, "BB", "+393339999999", due=MONDAY - timedelta(days=3))
    for n, day in enumerate((MONDAY - timedelta(days=d) for d in (2, 3, 4))):
        db.add(OutboxMessage(idempotency_key=f"earlier-{n}", debtor_id=other.id, subject_kind="invoice", subject_id=0,
                             step="x", scheduled_for=day, send_on=day, send_after=datetime(2026, 11, 1),
                             channel="telegram", address="888", template="x", text="x", status="sent"))
    db.flush()
    row = next(r for r in plan(db).created if r.debtor_id == other.id)
    assert row.skip_reason == "cap_weekly"


def test_manager_pauses(db):
    debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    debtor_with_invoice(db, "BB", "+393339999999", due=MONDAY - timedelta(days=3))
    pause_debtor(db, "A", actor="agent:anna")
    reasons = {r.address: r.skip_reason for r in plan(db).created}
    assert reasons == {PHONE: "paused_debtor", "+393339999999": None}
    db.execute(OutboxMessage.__table__.delete())
    pause_campaign(db, "post_due_1", actor="agent:anna")
    assert {r.skip_reason for r in plan(db).created} == {"paused_debtor", "paused_campaign"}


def test_thanks_after_a_payment_and_nothing_due_afterwards(db):
    _, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=3))
    pay = add_payment(db, invoice, "240.00", MONDAY - timedelta(days=1))
    pay.created_at = datetime(2026, 11, 22, 18, 0)
    db.flush()
    row = only_row(plan(db))  # the invoice is settled: only the thank-you
    assert row.step == "thanks" and row.status == "queued"


def test_no_phone_no_channel(db):
    debtor_with_invoice(db, "A", None, due=MONDAY - timedelta(days=3))
    assert only_row(plan(db)).skip_reason == "no_address"
