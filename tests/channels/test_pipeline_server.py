"""The inbound pipeline through the REST channel: transcript, handoff gate, metadata."""
from __future__ import annotations

import sys

from bot.channels import inbound
from tests.channels.helpers import transcript_of


class PausedGate:
    """A handoff gate holding the conversation: one waiting note, then silence."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    async def __call__(self, conversation_id: str, channel: str, text: str) -> inbound.FallbackDecision:
        self.calls.append((conversation_id, channel, text))
        return inbound.FallbackDecision(paused=True, replies=["Un collega le risponderà."] if len(self.calls) == 1 else [])


async def rest(http, server, sender: str, message: str, **extra):
    return await http.post(f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra})


async def test_rest_answers_like_rasa_and_records_both_sides(server, http, app_db):
    response = await rest(http, server, "demo-1", "/greet")
    assert response.json() == [{"recipient_id": "demo-1", "text": "Benvenuto, sono l'assistente virtuale.",
                                "buttons": [{"title": "Sì", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}]
    assert transcript_of(app_db, "demo-1") == [("debtor", "/greet"),
                                               ("bot", "Benvenuto, sono l'assistente virtuale.\n[Sì] [No]")]


async def test_rest_drops_client_metadata_and_reserved_sender_ids(server, http):
    await rest(http, server, "demo-2", "ciao", metadata={"link_invoice": "FT-1", "channel": "webchat"})
    assert server.agent.received[0].metadata == {"channel": "rest", "language_hint": None}
    for reserved in ("tg:555", "wa:+39333", "sms:+39333", "web:abc"):
        assert (await rest(http, server, reserved, "ciao")).status_code == 400
    assert len(server.agent.received) == 1


async def test_paused_conversation_never_reaches_the_model(server, http, app_db, monkeypatch):
    gate = PausedGate()
    monkeypatch.setattr(inbound, "gate", gate)
    first = await rest(http, server, "demo-3", "/restart")
    second = await rest(http, server, "demo-3", '/intent{"x":1}')
    assert [m["text"] for m in first.json()] == ["Un collega le risponderà."] and second.json() == []
    assert server.agent.received == []
    assert [c[2] for c in gate.calls] == ["/restart", '/intent{"x":1}']
    assert transcript_of(app_db, "demo-3") == [("debtor", "/restart"), ("bot", "Un collega le risponderà."),
                                               ("debtor", '/intent{"x":1}')]


async def test_fallback_gate_reads_the_paused_flag(server, http, app_db, monkeypatch):
    from bot.conversations import upsert_conversation
    from bot.ledger.db import session_factory

    with session_factory(app_db)() as session:
        upsert_conversation(session, "demo-4", "rest").paused = True
        session.commit()

    monkeypatch.setitem(sys.modules, "bot.handoff.gate", None)  # as if the handoff part were absent
    await rest(http, server, "demo-4", "ciao")
    await rest(http, server, "demo-5", "ciao")
    assert [m.sender_id for m in server.agent.received] == ["demo-5"]


async def test_too_long_text_is_refused_before_the_model(server, http):
    response = await rest(http, server, "demo-6", "x" * 5000)
    assert response.json()[0]["text"].startswith("<too_long|")
    assert server.agent.received == []
