"""Console quick actions on the ledger, and the SLA apology with its callback offer."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.handoff import quick_actions, service, sla
from bot.handoff.service import HandoffError
from bot.ledger.db import session_scope
from bot.ledger.models import (
    AuditLog, ContactPreference, Conversation, Dispute, Handoff, Invoice, PromiseToPay, TranscriptMessage,
)
from tests.factories import add_debtor, add_invoice
from tests.handoff.conftest import queue

TODAY = date(2026, 11, 2)


@pytest.fixture()
def taken(handoff_env):
    with session_scope() as session:
        debtor = add_debtor(session)
        add_invoice(session, debtor, amount="300.00")
        debtor_id = debtor.id
    hid = queue("tg:77", channel="telegram", debtor_id=debtor_id)
    with session_scope() as session:
        service.take(session, hid, "anna")
    return hid, debtor_id


@pytest.mark.parametrize("raw, value", [("1.240,50", "1240.50"), ("1240.50", "1240.50"), ("€ 80", "80.00"),
                                        ("1,240.50", "1240.50"), ("25,5", "25.50")])
def test_parse_amount(raw, value):
    assert quick_actions.parse_amount(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["", "abc", "-5", "0"])
def test_parse_amount_refuses(raw):
    with pytest.raises(HandoffError):
        quick_actions.parse_amount(raw)


def test_promise_is_recorded_within_limits_and_noted(taken):
    hid, debtor_id = taken
    with pytest.raises(HandoffError, match="over_balance"):
        quick_actions.record_promise(hid, "anna", "300,01", (TODAY + timedelta(days=5)).isoformat(), TODAY)
    with pytest.raises(HandoffError, match="bad_date"):
        quick_actions.record_promise(hid, "anna", "100", (TODAY + timedelta(days=60)).isoformat(), TODAY)
    with pytest.raises(HandoffError, match="other_agent"):
        quick_actions.record_promise(hid, "bruno", "100", (TODAY + timedelta(days=5)).isoformat(), TODAY)
    assert quick_actions.record_promise(hid, "anna", "100,00", (TODAY + timedelta(days=5)).isoformat(),
                                        TODAY) == "promise_recorded"
    with session_scope() as session:
        promise = session.execute(select(PromiseToPay)).scalar_one()
        assert (promise.debtor_id, promise.amount, promise.conversation_id) == (debtor_id, Decimal("100.00"), "tg:77")
        assert session.execute(select(AuditLog).where(AuditLog.action == "handoff.action.promise")).scalar_one() \
            .actor == "agent:anna"
        notes = session.execute(select(TranscriptMessage.text).where(TranscriptMessage.sender == "system")).scalars()
        assert any(n.startswith("[azione] anna: promise 100.00") for n in notes)


def test_actions_on_the_account_need_a_verified_debtor(handoff_env):
    hid = queue("tg:78", channel="telegram")
    with session_scope() as session:
        service.take(session, hid, "anna")
    with pytest.raises(HandoffError, match="not_verified"):
        quick_actions.record_promise(hid, "anna", "10", TODAY.isoformat(), TODAY)


def test_dispute_freezes_the_invoice(taken):
    hid, _ = taken
    with pytest.raises(HandoffError, match="bad_invoice"):
        quick_actions.mark_dispute(hid, "anna", "FT-NOPE", "wrong amount", TODAY)
    assert quick_actions.mark_dispute(hid, "anna", "FT-2026/00417", "wrong amount", TODAY) == "dispute_recorded"
    with session_scope() as session:
        dispute = session.execute(select(Dispute)).scalar_one()
        assert dispute.reason == "wrong amount" and dispute.conversation_id == "tg:77"
        assert session.get(Invoice, dispute.invoice_id).collection_hold == "dispute"


def test_opt_out_records_the_channel(taken):
    hid, _ = taken
    assert quick_actions.opt_out(hid, "anna") == "opt_out_recorded"
    with session_scope() as session:
        pref = session.execute(select(ContactPreference)).scalar_one()
        assert (pref.channel, pref.opted_out) == ("telegram", True)


def test_plan_from_the_engine_options(taken):
    pytest.importorskip("bot.plans.engine")
    from bot.ledger.models import PaymentPlan

    hid, _ = taken
    options = quick_actions.plan_options(hid, "anna", "100", None, TODAY)
    assert options and all(Decimal(o["amount"]) <= Decimal("100") for o in options)
    assert quick_actions.create_plan(hid, "anna", options[0]["index"], "100", None, TODAY) == "plan_recorded"
    with session_scope() as session:
        plan = session.execute(select(PaymentPlan)).scalar_one()
        assert plan.total == Decimal("300.00") and plan.created_by == "agent:anna"
    with pytest.raises(HandoffError, match="bad_choice"):
        quick_actions.create_plan(hid, "anna", 99, "100", None, TODAY)


async def test_sla_sweep_apologises_offers_a_callback_and_unpauses(handoff_env, pushes):
    now = datetime.utcnow()
    late = queue("web:late", channel="webchat", language="en", now=now - timedelta(minutes=31))
    queue("web:early", channel="webchat", now=now - timedelta(minutes=2))
    expired = await sla.sweep_once(now)
    assert [e.handoff_id for e in expired] == [late]
    (push,) = pushes
    assert (push.conversation_id, push.text) == ("web:late", "<handoff_sla_apology:en:>")
    assert [b["payload"] for b in push.buttons] == [sla.CALLBACK_PAYLOAD, sla.CONTINUE_PAYLOAD]
    with session_scope() as session:
        assert session.get(Handoff, late).status == "expired"
        assert session.get(Conversation, "web:late").paused is False
        assert session.get(Conversation, "web:early").paused is True
        said = session.execute(select(TranscriptMessage.text).where(
            TranscriptMessage.conversation_id == "web:late", TranscriptMessage.sender == "bot")).scalar_one()
        assert said.startswith("<handoff_sla_apology:en:>")
    assert await sla.sweep_once(now) == []
