"""The worker in-process with an injected clock: send path, re-checks at send time,
deferral outside hours, crash recovery, provider errors, concurrent threads."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.conversations import record_message, transcript, upsert_conversation
from bot.ledger.db import session_factory
from bot.ledger.models import ContactPreference, Conversation, Invoice
from bot.outreach.config import OutreachConfig
from bot.outreach.models import OutboxMessage
from bot.outreach.planner import plan_day
from bot.outreach.senders import FakeSender, Lookup, SendError
from bot.outreach.worker import Worker
from tests.outreach.conftest import CREDITOR, MONDAY, FixedClock, at, debtor_with_invoice

PHONE = "+393331234567"


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch it)."""


@pytest.fixture()
def planned(engine, clock):
    with session_factory(engine)() as s:
        debtor_with_invoice(s, "A", PHONE, due=MONDAY - timedelta(days=3))
        plan_day(s, MONDAY, clock(), OutreachConfig(), creditor_name=CREDITOR)
        s.commit()
    return engine


def worker(engine, sender, clock, **kw) -> Worker:
    return Worker(engine, sender, OutreachConfig(), clock=clock, creditor_name=CREDITOR, **kw)


def rows(engine):
    with session_factory(engine)() as s:
        return s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_sends_records_provider_id_and_opens_the_conversation(planned, clock):
    sender = FakeSender()
    stats = worker(planned, sender, clock).run_once(plan=False)
    row = rows(planned)[0]
    assert stats.sent == 1 and row.status == "sent" and row.provider_message_id == "FAKE000001"
    assert [(d.channel, d.address, d.text) for d in sender.deliveries] == [("sms", PHONE, row.text)]
    with session_factory(planned)() as s:
        assert [(m.sender, m.text) for m in transcript(s, f"sms:{PHONE}")] == [("bot", row.text)]
    assert worker(planned, sender, clock).run_once(plan=False).sent == 0  # nothing twice


def test_outside_contact_hours_the_message_waits_for_the_morning(planned):
    late = FixedClock(at(MONDAY, 21, 30))
    sender = FakeSender()
    stats = worker(planned, sender, late).run_once(plan=False)
    row = rows(planned)[0]
    assert stats.deferred == 1 and sender.deliveries == []
    assert row.status == "queued" and row.send_on == MONDAY + timedelta(days=1)
    late.advance(hours=11)  # Tuesday 08:30
    assert worker(planned, sender, late).run_once(plan=False).sent == 1


def test_a_dispute_recorded_after_planning_stops_the_message(planned, clock):
    with session_factory(planned)() as s:
        s.execute(select(Invoice)).scalar_one().collection_hold = "dispute"
        s.commit()
    sender = FakeSender()
    worker(planned, sender, clock).run_once(plan=False)
    assert sender.deliveries == [] and (rows(planned)[0].status, rows(planned)[0].skip_reason) == ("skipped", "dispute")


def test_an_opt_out_after_planning_stops_the_message(planned, clock):
    with session_factory(planned)() as s:
        s.add(ContactPreference(channel="sms", address=PHONE, opted_out=True))
        s.commit()
    sender = FakeSender()
    worker(planned, sender, clock).run_once(plan=False)
    assert sender.deliveries == [] and rows(planned)[0].skip_reason == "opted_out_channel"


def test_crash_after_marking_sending_but_before_the_provider_is_resent_once(planned, clock):
    sender = FakeSender()

    def die(_row):
        raise Crash()

    with pytest.raises(Crash):
        worker(planned, sender, clock, before_send=die).run_once(plan=False)
    assert rows(planned)[0].status == "sending" and sender.deliveries == []
    assert worker(planned, sender, clock).run_once(plan=False).sent == 0  # lease still running: hands off
    clock.advance(minutes=6)
    stats = worker(planned, sender, clock).run_once(plan=False)
    assert stats.reconciled == 1 and stats.sent == 1 and len(sender.deliveries) == 1


def test_provider_timeout_after_accepting_is_reconciled_not_resent(planned, clock):
    sender = FakeSender()
    sender.accept_then_fail.append(SendError("read timeout", permanent=False))
    worker(planned, sender, clock).run_once(plan=False)
    assert rows(planned)[0].status == "sending"
    clock.advance(minutes=6)
    worker(planned, sender, clock).run_once(plan=False)
    row = rows(planned)[0]
    assert row.status == "sent" and row.provider_message_id == "FAKE000001" and len(sender.deliveries) == 1


def test_unknown_outcome_is_never_resent_automatically(planned, clock):
    class NoHistory(FakeSender):  # like Telegram: no way to ask
        def lookup(self, *args, **kwargs):
            return Lookup("unknown")

    sender = NoHistory()
    sender.accept_then_fail.append(SendError("timeout", permanent=False))
    worker(planned, sender, clock).run_once(plan=False)
    clock.advance(minutes=6)
    worker(planned, sender, clock).run_once(plan=False)
    assert (rows(planned)[0].status, rows(planned)[0].skip_reason) == ("failed", "unconfirmed")
    assert len(sender.deliveries) == 1


def test_permanent_refusal_fails_the_row(planned, clock):
    sender = FakeSender()
    sender.fail_next.append(SendError("21610 unsubscribed", permanent=True))
    worker(planned, sender, clock).run_once(plan=False)
    assert (rows(planned)[0].status, rows(planned)[0].skip_reason) == ("failed", "provider_refused")


def test_threads_racing_for_the_same_rows_deliver_each_once(engine, clock):
    with session_factory(engine)() as s:
        for n in range(12):
            debtor_with_invoice(s, f"T{n}", f"+3934400000{n:02d}", due=MONDAY - timedelta(days=3))
        plan_day(s, MONDAY, clock(), OutreachConfig(), creditor_name=CREDITOR)
        s.commit()
    sender = FakeSender()
    start = threading.Barrier(3)

    def run():
        start.wait()
        worker(engine, sender, clock, batch_size=1).run_once(plan=False)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    keys = sender.keys()
    assert len(keys) == 12 and len(set(keys)) == 12
    assert {r.status for r in rows(engine)} == {"sent"}


def test_reply_continues_the_conversation_and_opens_the_whatsapp_window(planned, clock):
    sender = FakeSender()
    worker(planned, sender, clock).run_once(plan=False)
    with session_factory(planned)() as s:  # the debtor answers on WhatsApp
        upsert_conversation(s, f"wa:{PHONE}", "whatsapp", PHONE, "it", inbound=True)
        s.flush()
        record_message(s, f"wa:{PHONE}", "debtor", "Buongiorno, di cosa si tratta?")
        s.commit()
    later = FixedClock(clock() + timedelta(days=7))
    with session_factory(planned)() as s:
        conv = s.get(Conversation, f"wa:{PHONE}")
        conv.last_inbound_at = later().replace(tzinfo=None) - timedelta(hours=1)
        s.commit()
        row = plan_day(s, MONDAY + timedelta(days=7), later(), OutreachConfig(), creditor_name=CREDITOR).created[0]
        assert (row.channel, row.template) == ("whatsapp", "post_due")  # window open, no longer a stranger
        s.commit()
