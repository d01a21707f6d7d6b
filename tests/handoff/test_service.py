"""The queue: escalation, priorities, single takeover, hand-back, close, SLA expiry, audit."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.conversations import record_message, upsert_conversation
from bot.handoff import service
from bot.handoff import queue_views
from bot.handoff.service import HandoffError
from bot.ledger.db import session_factory, session_scope
from bot.ledger.models import AuditLog, Conversation, Handoff, TranscriptMessage
from tests.handoff.conftest import queue

NOW = datetime(2026, 1, 14, 10, 0)  # a Wednesday, within support hours


def audits(action: str) -> list[AuditLog]:
    with session_scope() as session:
        return session.execute(select(AuditLog).where(AuditLog.action == action)).scalars().all()


def test_request_pauses_queues_with_summary_and_is_idempotent(handoff_env):
    with session_scope() as session:
        upsert_conversation(session, "tg:42", "telegram", "42", "it")
        record_message(session, "tg:42", "debtor", "voglio parlare con un operatore")
    first = queue("tg:42", channel="telegram", reason="complain", debtor_id=None, now=NOW,
                  summary={"intent": "complain", "verified": False, "tried": ["plan: offered"]})
    again = queue("tg:42", channel="telegram", reason="complain", now=NOW + timedelta(minutes=1))
    assert again == first
    with session_scope() as session:
        handoffs = session.execute(select(Handoff)).scalars().all()
        assert len(handoffs) == 1
        handoff = handoffs[0]
        assert (handoff.status, handoff.priority, handoff.reason) == ("queued", service.PRIORITY_COMPLAINT, "complain")
        summary = json.loads(handoff.summary)
        assert summary["tried"] == ["plan: offered"]
        assert summary["transcript_tail"] == [{"sender": "debtor", "text": "voglio parlare con un operatore"}]
        assert summary["verified"] is False
        assert session.get(Conversation, "tg:42").paused is True
    assert len(audits("handoff.requested")) == 1


def test_request_creates_missing_conversation_and_rejects_unknown_reason(handoff_env):
    queue("web:abc", channel="webchat", now=NOW)
    with session_scope() as session:
        conv = session.get(Conversation, "web:abc")
        assert conv is not None and conv.paused and conv.channel == "webchat"
        with pytest.raises(ValueError):
            service.request_handoff(session, conversation_id="x", channel="rest", reason="bored", language="it",
                                    debtor_id=None, summary={})


def test_queue_order_vulnerability_first_then_complaints_then_longest_wait(handoff_env):
    queue("a", now=NOW - timedelta(minutes=20))
    queue("b", reason="complain", now=NOW - timedelta(minutes=5))
    queue("c", vulnerable=True, now=NOW - timedelta(minutes=1))
    queue("d", now=NOW - timedelta(minutes=25))
    with session_scope() as session:
        items = queue_views.list_queue(session, NOW)
    assert [i.conversation_id for i in items] == ["c", "b", "d", "a"]
    assert items[0].vulnerable and items[0].priority == service.PRIORITY_VULNERABLE
    assert items[2].waiting_minutes == 25


def test_after_hours_request_does_not_silence_the_bot_until_taken(handoff_env, monkeypatch):
    monkeypatch.setattr(service, "is_open_now", lambda now: False)
    hid = queue("sms:+39333", channel="sms", now=NOW)
    with session_scope() as session:
        assert session.get(Conversation, "sms:+39333").paused is False
        assert queue_views.list_queue(session, NOW)[0].after_hours is True
        assert service.take(session, hid, "giulia", NOW)
    with session_scope() as session:
        assert session.get(Conversation, "sms:+39333").paused is True


def test_two_agents_taking_at_once_only_one_wins(handoff_env):
    hid = queue("tg:7", now=NOW)
    barrier = threading.Barrier(2)
    results: dict[str, bool] = {}

    def take(agent: str) -> None:
        with session_factory()() as session:
            barrier.wait()
            results[agent] = service.take(session, hid, agent, NOW)
            session.commit()

    threads = [threading.Thread(target=take, args=(name,)) for name in ("anna", "bruno")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == [False, True]
    winner = next(name for name, won in results.items() if won)
    with session_scope() as session:
        handoff = session.get(Handoff, hid)
        assert (handoff.status, handoff.assigned_to) == ("assigned", winner)
    taken = audits("handoff.taken")
    assert [a.actor for a in taken] == [f"agent:{winner}"]


def test_reply_needs_the_holding_agent_and_audits_ids_not_content(handoff_env):
    hid = queue("tg:8", now=NOW)
    with session_scope() as session:
        with pytest.raises(HandoffError) as not_taken:
            service.reply(session, hid, "anna", "Buongiorno")
        assert not_taken.value.code == "not_assigned"
        assert service.take(session, hid, "anna", NOW)
    with session_scope() as session:
        with pytest.raises(HandoffError) as other:
            service.reply(session, hid, "bruno", "Buongiorno")
        assert other.value.code == "other_agent"
        with pytest.raises(HandoffError):
            service.reply(session, hid, "anna", "   ")
        message = service.reply(session, hid, "anna", "Buongiorno, sono Anna")
        message_id = message.id
    with session_scope() as session:
        row = session.get(TranscriptMessage, message_id)
        assert (row.sender, row.text) == ("agent", "Buongiorno, sono Anna")
    (entry,) = audits("handoff.message")
    assert "Buongiorno" not in (entry.details or "") and entry.entity_id == str(message_id)


def test_hand_back_and_close_unpause_and_are_audited(handoff_env):
    first, second = queue("c1", now=NOW), queue("c2", now=NOW)
    with session_scope() as session:
        service.take(session, first, "anna", NOW)
        service.take(session, second, "anna", NOW)
    with session_scope() as session:
        service.hand_back(session, first, "anna", to_nps=True, now=NOW)
        with pytest.raises(HandoffError):
            service.close(session, second, "anna", "won-the-lottery")
        service.close(session, second, "anna", "promise", now=NOW)
    with session_scope() as session:
        assert session.get(Handoff, first).status == "returned"
        assert (session.get(Handoff, second).status, session.get(Handoff, second).outcome) == ("closed", "promise")
        assert not session.get(Conversation, "c1").paused and not session.get(Conversation, "c2").paused
    assert json.loads(audits("handoff.returned")[0].details) == {"to": "nps"}
    assert json.loads(audits("handoff.closed")[0].details) == {"outcome": "promise"}


def test_sla_sweep_expires_only_unanswered_paused_handoffs(handoff_env, monkeypatch):
    old = queue("old", now=NOW - timedelta(minutes=31))
    fresh = queue("fresh", now=NOW - timedelta(minutes=5))
    held = queue("held", now=NOW - timedelta(minutes=45))
    with session_scope() as session:
        service.take(session, held, "anna", NOW - timedelta(minutes=40))
    monkeypatch.setattr(service, "is_open_now", lambda now: False)
    night = queue("night", now=NOW - timedelta(hours=3))
    with session_scope() as session:
        expired = service.sweep_sla(session, NOW)
        assert [h.id for h in expired] == [old]
    with session_scope() as session:
        statuses = {h.conversation_id: h.status for h in session.execute(select(Handoff)).scalars()}
        assert statuses == {"old": "expired", "fresh": "queued", "held": "assigned", "night": "queued"}
        assert session.get(Conversation, "old").paused is False
        assert session.get(Conversation, "held").paused is True
        assert service.sweep_sla(session, NOW) == []  # nothing twice
    assert {fresh, night}.isdisjoint({old}) and len(audits("handoff.expired")) == 1


def test_expected_wait_grows_with_the_queue_and_never_exceeds_the_sla(handoff_env):
    from bot.creditor import get_creditor

    base = get_creditor().expected_wait_minutes
    queue("w1", now=NOW)
    with session_scope() as session:
        assert service.expected_wait_minutes(session, NOW) == base
    for n in range(2, 30):
        queue(f"w{n}", now=NOW)
    with session_scope() as session:
        assert service.expected_wait_minutes(session, NOW) == 30
