"""The pause gate: nothing the debtor sends drives the bot while a person has the conversation."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.conversations import upsert_conversation
from bot.handoff import events, gate, service, texts
from bot.ledger.db import session_scope
from bot.ledger.models import TranscriptMessage
from tests.handoff.conftest import queue

NOW = datetime(2026, 1, 14, 10, 0)
TRICKS = ["/restart", "/greet", '/inform{"choice":"2"}', "/request_human", "/session_start", "ciao",
          '/intent{"unpause": true}', "/affirm"]


def decide(conversation_id: str, now: datetime) -> gate.GateDecision:
    with session_scope() as session:
        return gate.gate_decision(session, conversation_id, now)


def bot_lines(conversation_id: str) -> list[str]:
    with session_scope() as session:
        return [m.text for m in session.execute(select(TranscriptMessage).where(
            TranscriptMessage.conversation_id == conversation_id, TranscriptMessage.sender == "bot")).scalars()]


def test_unpaused_conversation_passes(handoff_env):
    with session_scope() as session:
        upsert_conversation(session, "rest-1", "rest")
    assert decide("rest-1", NOW) == gate.GateDecision(paused=False, replies=[])
    assert decide("never-seen", NOW).paused is False


@pytest.mark.parametrize("text", TRICKS)
async def test_no_text_or_payload_unpauses(handoff_env, text):
    queue("tg:1", now=datetime.utcnow())
    decision = await gate.inbound_gate("tg:1", "telegram", text)
    assert decision.paused is True
    with session_scope() as session:
        assert service.open_handoff(session, "tg:1").status == "queued"


def test_waiting_note_at_most_once_per_interval(handoff_env):
    queue("tg:2", now=NOW)
    # The escalation reply already gave the wait: no note right after it.
    assert decide("tg:2", NOW + timedelta(minutes=3)).replies == []
    later = NOW + timedelta(minutes=10, seconds=1)
    first = decide("tg:2", later)
    assert first.paused and first.replies == ["<handoff_waiting_note:it:wait_minutes=15>"]
    assert decide("tg:2", later).replies == []
    assert decide("tg:2", later + timedelta(minutes=9)).replies == []
    assert len(decide("tg:2", later + timedelta(minutes=10)).replies) == 1
    assert bot_lines("tg:2") == []  # the channel's output records what it sends, not the gate


def test_note_follows_the_conversation_language(handoff_env):
    queue("web:en", channel="webchat", language="en", now=NOW)
    assert decide("web:en", NOW + timedelta(minutes=11)).replies[0].startswith("<handoff_waiting_note:en:")


def test_no_automatic_note_once_an_agent_is_talking(handoff_env):
    hid = queue("tg:3", now=NOW)
    with session_scope() as session:
        service.take(session, hid, "anna", NOW)
    assert decide("tg:3", NOW + timedelta(hours=1)) == gate.GateDecision(paused=True, replies=[])


def test_pause_survives_time_and_tracker_sessions(handoff_env):
    """Session expiry lives in the tracker; the pause is in the database and only agents lift it."""
    hid = queue("tg:4", now=NOW)
    with session_scope() as session:
        service.take(session, hid, "anna", NOW)
    assert decide("tg:4", NOW + timedelta(days=3)).paused is True
    with session_scope() as session:
        service.hand_back(session, hid, "anna")
    assert decide("tg:4", NOW + timedelta(days=3)).paused is False


def test_missing_template_costs_the_note_not_the_pause(handoff_env, monkeypatch):
    def broken(key, lang, **ctx):
        raise LookupError(key)

    monkeypatch.setattr(texts, "render", broken)
    queue("tg:5", now=NOW)
    assert decide("tg:5", NOW + timedelta(minutes=30)) == gate.GateDecision(paused=True, replies=[])


async def test_paused_message_is_announced_to_the_console(handoff_env):
    queue("tg:6", now=datetime.utcnow())
    sub = events.bus.subscribe(events.conversation_topic("tg:6"), events.QUEUE_TOPIC)
    try:
        await gate.inbound_gate("tg:6", "telegram", "ci siete?")
        got = {(await sub.wait(2))["topic"], (await sub.wait(2))["topic"]}
    finally:
        events.bus.unsubscribe(sub)
    assert got == {"conversation:tg:6", "queue"}


async def test_unpaused_message_is_not_announced(handoff_env):
    sub = events.bus.subscribe(events.conversation_topic("free"))
    try:
        assert (await gate.inbound_gate("free", "rest", "hello")).paused is False
        assert await sub.wait(0.2) is None
    finally:
        events.bus.unsubscribe(sub)
