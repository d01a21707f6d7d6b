"""Reminders for the whole life of a debt: repeats until the debt is resolved, a last notice
with a task for a person, one catch-up message per debtor after a first import, instalments,
and a partial payment's thanks that gives the way forward."""
from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.ledger.instalments import InvoiceInstalment, allocate, next_open
from bot.ledger.models import Conversation, Dispute, FollowUpTask, PromiseToPay
from bot.outreach.config import CATCH_UP, DEFAULT_STEPS, OutreachConfig, parse_outreach
from bot.outreach.models import OutboxMessage
from bot.outreach.planner import plan_day
from bot.outreach.preview import format_preview, preview
from tests.factories import add_invoice, add_payment
from tests.outreach.conftest import CREDITOR, MONDAY, FixedClock, at, debtor_with_invoice

PHONE = "+39333123456"


def plan(session, day=MONDAY, config=None):
    return plan_day(session, day, at(day, 7), config or OutreachConfig(), creditor_name=CREDITOR)


def rows(session):
    return session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def tasks(session):
    return session.execute(select(FollowUpTask)).scalars().all()


def mark_sent(session):
    for row in rows(session):
        if row.status == "queued":
            row.status = "sent"
    session.flush()


def test_the_default_cadence_runs_to_day_120():
    reminder = next(s for s in DEFAULT_STEPS if s.name == "reminder")
    assert list(reminder.offsets()) == [34, 48, 62, 76, 90, 104]
    closing = OutreachConfig().closing_step()
    assert (closing.name, closing.offset_days, closing.task) == ("last_notice", 120, True)


def test_debts_45_90_120_days_overdue_are_all_contacted_in_a_60_day_preview(engine):
    from sqlalchemy.orm import Session

    with Session(engine, future=True) as s:
        for ref, days in (("A", 45), ("B", 90), ("C", 120)):
            debtor_with_invoice(s, ref, f"{PHONE}{len(ref) + days}", due=MONDAY - timedelta(days=days))
        s.commit()
    lines = preview(engine, 60, OutreachConfig(), clock=FixedClock(at(MONDAY, 7)), creditor_name=CREDITOR)
    sent = [line for line in lines if line.status == "queued"]
    by_debtor = {name: [(line.day, line.step) for line in sent if line.debtor == name] for name in
                 ("Debtor A", "Debtor B", "Debtor C")}
    # A: one catch-up now (not post_due_1..3 and reminder at 34), then every 14 days.
    assert [step for _, step in by_debtor["Debtor A"]] == ["catch_up", "reminder", "reminder", "reminder", "reminder"]
    # B: its day-90 reminder is due today anyway (so no catch-up), then day 104, then the last notice.
    assert [step for _, step in by_debtor["Debtor B"]] == ["reminder", "reminder", "last_notice"]
    # C: day 120 is today: the last notice, then nothing more.
    assert [step for _, step in by_debtor["Debtor C"]] == ["last_notice"]
    for name, sends in by_debtor.items():
        days = [d for d, _ in sends]
        assert days[0] == MONDAY, name
        assert all(b - a >= timedelta(days=13) for a, b in zip(days, days[1:], strict=False)), (name, days)
    first = [line for line in sent if line.day == MONDAY]
    assert {line.template for line in first} == {"first_contact"}  # unknown numbers: nothing about the debt
    assert {line.template for line in sent if line.day > MONDAY} <= {"reminder", "last_notice"}
    skipped = {(line.debtor, line.reason) for line in lines if line.status == "skipped"}
    assert ("Debtor A", "recently_reminded") in skipped  # the day-48 reminder, 3 days after the catch-up
    assert sorted(line.debtor for line in lines if line.task) == ["Debtor B", "Debtor C"]
    text = format_preview(lines, MONDAY, 60, OutreachConfig())
    assert "TASK  Debtor C | end of the automatic reminders" in text and "2 tasks opened for a person" in text
    with Session(engine, future=True) as s:  # a preview writes nothing
        assert s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(FollowUpTask)).scalar_one() == 0


def test_cli_preview_after_a_first_import(app_db, tmp_path, capsys):
    from bot.__main__ import main
    from bot.outreach.cli import register

    today = date.today()
    lines = ["debtor_ref,name,tax_code,phone,invoice_number,issue_date,due_date,amount_due"]
    for ref, code, days in (("A", "RSSMRA85T10A562S", 45), ("B", "VRDLGU70A01F205R", 90), ("C", "07123450152", 120)):
        due = today - timedelta(days=days)
        lines.append(f"{ref},Debtor {ref},{code},+3933312345{days},INV-{ref},{due - timedelta(days=30)},{due},100.00")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join(lines) + "\n")
    assert main(["import-ledger", str(ledger)]) == 0
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["outreach", "preview", "--days", "60", "--no-text"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    for ref in "ABC":
        assert f"SEND  Debtor {ref} |" in out
    assert out.count("TASK  Debtor") == 2


def test_one_catch_up_per_debtor_about_the_oldest_invoice_and_only_once(db):
    debtor, oldest = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=60))
    add_invoice(db, debtor, number="FT-A2", due=MONDAY - timedelta(days=45))
    add_invoice(db, debtor, number="FT-A3", due=MONDAY - timedelta(days=50))
    [row] = plan(db).created
    assert (row.step, row.invoice_id, row.scheduled_for, row.status) == ("catch_up", oldest.id, MONDAY, "queued")
    assert plan(db).created == []  # the same day again
    mark_sent(db)
    for offset in range(1, 4):  # the following days: the other invoices are covered by that contact
        later = plan(db, MONDAY + timedelta(days=offset)).created
        # Regular reminders fall on these days (FT-A1 day 62, FT-A2 day 48) but wait two weeks after a contact.
        assert {(r.step, r.status, r.skip_reason) for r in later} <= {("reminder", "skipped", "recently_reminded")}
    assert [r.step for r in rows(db) if r.status != "skipped"] == ["catch_up"]


def test_a_debt_past_the_end_of_the_cadence_gets_the_last_notice_and_a_task_once(db):
    debtor, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=200))
    result = plan(db)
    [row] = result.created
    assert (row.step, row.template, row.status) == ("last_notice", "first_contact", "queued")
    [task] = result.tasks
    assert (task.kind, task.debtor_id, task.status, task.due_on) == ("last_notice", debtor.id, "open", MONDAY)
    assert "FT-A" in task.note and "Please contact the customer" in task.note
    mark_sent(db)
    for offset in range(0, 3):
        assert plan(db, MONDAY + timedelta(days=offset)).created == []
    assert len(tasks(db)) == 1


def test_no_catch_up_for_engaged_debtors_frozen_invoices_or_debts_not_yet_due(db):
    promised, inv_p = debtor_with_invoice(db, "P", PHONE + "1", due=MONDAY - timedelta(days=45))
    db.add(PromiseToPay(debtor_id=promised.id, invoice_id=inv_p.id, amount=Decimal("50"),
                        promised_date=MONDAY + timedelta(days=5)))
    _, disputed = debtor_with_invoice(db, "D", PHONE + "2", due=MONDAY - timedelta(days=45))
    db.add(Dispute(invoice_id=disputed.id, reason="never delivered"))
    debtor_with_invoice(db, "F", PHONE + "3", due=MONDAY + timedelta(days=2))
    db.flush()
    assert plan(db).created == []


def test_the_last_notice_opens_no_task_when_a_person_or_a_dispute_already_has_it(db):
    _, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=120))
    invoice.collection_hold = "dispute"
    db.flush()
    result = plan(db)
    assert [(r.step, r.skip_reason) for r in result.created] == [("last_notice", "dispute")]
    assert result.tasks == [] and tasks(db) == []


def test_an_unreachable_debtor_still_gets_a_task(db):
    debtor_with_invoice(db, "A", None, due=MONDAY - timedelta(days=120))
    result = plan(db)
    assert [(r.step, r.skip_reason) for r in result.created] == [("last_notice", "no_address")]
    assert len(result.tasks) == 1


def test_reminders_stop_when_the_debt_is_paid(db):
    _, invoice = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=62))
    row = plan(db).created[0]
    assert row.step == "reminder"
    mark_sent(db)
    payment = add_payment(db, invoice, "240.00", MONDAY + timedelta(days=3))
    # Recorded on the day it was paid: its thanks went out then, not eleven days later
    # (the thanks step follows when a payment was recorded, not the wall clock of the run).
    payment.created_at = datetime.combine(MONDAY + timedelta(days=3), time(9))
    db.flush()
    assert [r.skip_reason for r in plan(db, MONDAY + timedelta(days=14)).created] == []


def _known_number(db, phone):
    db.add(Conversation(conversation_id=f"sms:{phone}", channel="sms", address=phone,
                        last_inbound_at=datetime(2026, 11, 1)))
    db.flush()


def test_a_partial_payment_thanks_and_gives_the_way_forward(db):
    _, partial = debtor_with_invoice(db, "A", PHONE + "1", due=MONDAY - timedelta(days=5))
    _, full = debtor_with_invoice(db, "B", PHONE + "2", due=MONDAY - timedelta(days=5))
    for phone in (PHONE + "1", PHONE + "2"):
        _known_number(db, phone)
    now = datetime.combine(MONDAY, datetime.min.time()) + timedelta(hours=6)
    for invoice, amount in ((partial, "100.00"), (full, "240.00")):
        payment = add_payment(db, invoice, amount, MONDAY - timedelta(days=1))
        payment.created_at = now
    db.execute(OutboxMessage.__table__.delete())
    db.flush()
    thanks = {r.debtor_id: r for r in plan(db).created if r.step == "thanks"}
    assert "Resta ancora una parte da saldare" in thanks[partial.debtor_id].text
    assert "a rate" in thanks[partial.debtor_id].text
    assert "Resta ancora" not in thanks[full.debtor_id].text
    assert not [r for r in rows(db) if r.step == "catch_up" and r.debtor_id == full.debtor_id]


def test_an_invoice_in_instalments_counts_from_its_earliest_unpaid_one(db):
    debtor, invoice = debtor_with_invoice(db, "A", PHONE, amount="300.00", due=MONDAY - timedelta(days=33))
    _known_number(db, PHONE)
    for number, offset in ((1, -33), (2, -3), (3, 27)):
        db.add(InvoiceInstalment(invoice_id=invoice.id, number=number, due_date=MONDAY + timedelta(days=offset),
                                 amount=Decimal("100.00")))
    add_payment(db, invoice, "100.00", MONDAY - timedelta(days=30))
    db.add(OutboxMessage(idempotency_key="earlier", debtor_id=debtor.id, subject_kind="invoice", subject_id=invoice.id,
                         invoice_id=invoice.id, step="due_today", scheduled_for=MONDAY - timedelta(days=33),
                         send_on=MONDAY - timedelta(days=33), send_after=datetime(2026, 10, 21, 8), language="it",
                         template="due_today", text="", status="sent"))
    db.flush()
    # The first instalment is paid: day 33 of the invoice is day 3 of the second one.
    [row] = plan(db).created
    assert (row.step, row.scheduled_for) == ("post_due_1", MONDAY)
    assert "21 ottobre" not in row.text and "20 novembre 2026" in row.text  # the second instalment, not the first


def test_allocation_of_payments_to_instalments():
    plan_ = [(date(2026, 1, 31), Decimal("100.00")), (date(2026, 2, 28), Decimal("100.00")),
             (date(2026, 3, 31), Decimal("50.00"))]
    assert [d.open for d in allocate(plan_, Decimal("150.00"))] == [Decimal("0.00"), Decimal("50.00"),
                                                                     Decimal("50.00")]
    assert next_open(plan_, Decimal("150.00")).due_date == date(2026, 2, 28)
    assert next_open(plan_, Decimal("999.00")) is None


def test_lifecycle_settings_parse_and_refuse_nonsense():
    cfg = parse_outreach({"catch_up": False, "steps": [
        {"name": "r", "kind": "invoice", "offset_days": 30, "every_days": 10, "until_days": 60},
        {"name": "end", "kind": "invoice", "offset_days": 90, "task": True}]})
    assert cfg.catch_up is None and list(cfg.steps[0].offsets()) == [30, 40, 50, 60] and cfg.steps[1].task
    assert parse_outreach({}).step("catch_up") == CATCH_UP
    for bad in ([{"name": "r", "offset_days": 30, "every_days": 10}],
                [{"name": "r", "offset_days": 30, "every_days": 10, "until_days": 20}],
                [{"name": "r", "offset_days": 30, "until_days": 40}],
                [{"name": "catch_up", "offset_days": 3}]):
        with pytest.raises(ValueError):
            parse_outreach({"steps": bad})


def test_while_the_follow_up_task_is_open_no_invoice_reminder_goes_out(db):
    debtor, _old = debtor_with_invoice(db, "A", PHONE, due=MONDAY - timedelta(days=120))
    add_invoice(db, debtor, number="FT-A2", due=MONDAY - timedelta(days=20))  # post_due_3 falls today too
    result = plan(db)
    assert sorted((r.step, r.status, r.skip_reason) for r in result.created) == [
        ("last_notice", "queued", None), ("post_due_3", "skipped", "follow_up_open")]
    mark_sent(db)
    later = MONDAY + timedelta(days=14)  # FT-A2's day-34 reminder
    assert [(r.step, r.skip_reason) for r in plan(db, later).created] == [("reminder", "follow_up_open")]
    [task] = tasks(db)
    task.status = "done"
    db.flush()
    resumed = MONDAY + timedelta(days=28)  # day 48
    assert [(r.step, r.status) for r in plan(db, resumed).created] == [("reminder", "queued")]
