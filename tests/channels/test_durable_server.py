"""Nothing lost, nothing doubled: provider retries across restarts, an unreachable Bot API,
processing failures ending in dead-letter, and the reply outbox — on real servers."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.channels import delivery, durable
from bot.channels.dead_letters import dead_letters, retry
from bot.channels.models import InboundUpdate, OutboundDelivery
from bot.ledger.db import session_factory
from tests.channels.conftest import settle
from tests.channels.helpers import transcript_of
from tests.channels.test_telegram_server import CHAT, text_update
from tests.channels.test_telegram_server import post as tg_post
from tests.channels.test_twilio_server import SMS_NUMBER, sms_params
from tests.channels.test_twilio_server import post as tw_post


def rows(engine, model):
    with session_factory(engine)() as session:
        return session.execute(select(model).order_by(model.id)).scalars().all()


async def test_signed_twilio_message_replayed_after_a_restart_is_ignored(server, http, app_db):
    params = sms_params("ciao")
    assert (await tw_post(http, server, "sms", params)).status_code == 200
    await settle(lambda: server.twilio_api.messages())
    agent = await server.restart()
    replay = await tw_post(http, server, "sms", params)   # Twilio's retry, correctly signed
    assert replay.status_code == 200 and "<Response/>" in replay.text
    await settle(lambda: True)
    assert agent.received == []
    assert [m["Body"] for m in server.twilio_api.messages()] == ["echo: ciao"]
    assert transcript_of(app_db, f"sms:{SMS_NUMBER}") == [("debtor", "ciao"), ("bot", "echo: ciao")]
    [stored] = rows(app_db, InboundUpdate)
    assert stored.status == "done" and stored.provider_id == params["MessageSid"]


async def test_telegram_update_replayed_after_a_restart_is_ignored(server, http, app_db):
    update = text_update("ciao")
    await tg_post(http, server, update)
    await settle(lambda: server.telegram_api.sent("sendMessage"))
    agent = await server.restart()
    assert (await tg_post(http, server, update)).status_code == 200
    await settle(lambda: True)
    assert agent.received == []
    assert len(server.telegram_api.sent("sendMessage")) == 1


async def test_with_the_bot_api_down_the_update_is_stored_acknowledged_and_answered_once_it_is_back(
        server, http, app_db, monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_BASE_SECONDS", 0.2)
    monkeypatch.setattr(delivery, "RETRY_MAX_SECONDS", 0.5)
    monkeypatch.setenv("DELIVERY_MAX_ATTEMPTS", "1000")   # keep trying until the API is back
    from bot.settings import get_settings
    get_settings.cache_clear()
    api = server.telegram_api
    port = int(api.url.rsplit(":", 1)[1])
    await api.stop()                                      # connection refused, getMe included
    response = await tg_post(http, server, text_update("quanto devo?"))
    assert response.status_code == 200                    # acknowledged: it is in the database
    await settle(lambda: server.agent.received)           # and processed without the API
    assert transcript_of(app_db, f"tg:{CHAT}") == [("debtor", "quanto devo?"), ("bot", "echo: quanto devo?")]
    await settle(lambda: rows(app_db, OutboundDelivery)[0].attempts >= 2)    # retried, not given up
    assert rows(app_db, OutboundDelivery)[0].status in ("queued", "sending")
    await api.serve(port)                                 # the Bot API is back
    await settle(lambda: api.sent("sendMessage"))
    assert api.texts() == ["echo: quanto devo?"]
    assert [u.status for u in rows(app_db, InboundUpdate)] == ["done"]
    await settle(lambda: rows(app_db, OutboundDelivery)[0].status == "sent")


async def test_a_processing_failure_is_retried_then_dead_lettered_for_agents(server, http, app_db, monkeypatch):
    monkeypatch.setenv("INBOUND_MAX_ATTEMPTS", "3")
    from bot.settings import get_settings
    get_settings.cache_clear()
    await tw_post(http, server, "sms", sms_params("boom"))
    await settle(lambda: rows(app_db, InboundUpdate) and rows(app_db, InboundUpdate)[0].status == "failed")
    for _ in range(500):                                  # what the retry worker does, step by step
        await durable.run_due_once()
        if rows(app_db, InboundUpdate)[0].status == "dead":
            break
        await asyncio.sleep(0.01)
    [update] = rows(app_db, InboundUpdate)
    assert update.status == "dead" and update.attempts == 3
    assert "+393331234567" not in update.last_error       # masked
    assert len(server.agent.received) == 3
    # The debtor's text is in the transcript once, whatever the number of attempts.
    assert transcript_of(app_db, f"sms:{SMS_NUMBER}") == [("debtor", "boom")]
    with session_factory(app_db)() as session:
        [letter] = dead_letters(session)
        assert (letter.kind, letter.channel, letter.attempts, letter.preview) == ("inbound", "sms", 3, "boom")
        assert retry(session, "inbound", letter.id) and not retry(session, "inbound", letter.id + 99)
        session.commit()
    assert rows(app_db, InboundUpdate)[0].status == "failed"  # back in line for the worker


async def test_an_unreachable_twilio_never_holds_the_conversation(server, http, app_db, monkeypatch):
    monkeypatch.setenv("DELIVERY_MAX_ATTEMPTS", "3")
    from bot.settings import get_settings
    get_settings.cache_clear()
    server.twilio_api.fail_next("Messages", 503, {"code": 20503, "message": "Service unavailable"}, times=3)
    await tw_post(http, server, "sms", sms_params("primo"))
    await settle(lambda: server.agent.received)
    # The next message is processed while the first reply is still being retried.
    await tw_post(http, server, "sms", sms_params("secondo"))
    await settle(lambda: len(server.agent.received) == 2)
    await settle(lambda: server.twilio_api.messages() and delivery.pending() == 0)
    calls = [c.method for c in server.twilio_api.calls]
    assert calls == ["Messages:failed"] * 3 + ["Messages"]   # bounded: three tries, then given up
    assert [m["Body"] for m in server.twilio_api.messages()] == ["echo: secondo"]
    first, second = rows(app_db, OutboundDelivery)
    assert (first.status, first.attempts, second.status) == ("dead", 3, "sent")
    transcript = transcript_of(app_db, f"sms:{SMS_NUMBER}")
    assert ("system" in {sender for sender, _ in transcript}) and delivery.pending() == 0
    with session_factory(app_db)() as session:
        assert [d.kind for d in dead_letters(session)] == ["outbound"]


async def test_replies_of_one_conversation_go_out_in_order(server, http, app_db):
    server.twilio_api.fail_next("Messages", 500, {"code": 20500, "message": "Internal error"}, times=1)
    for text in ("uno", "due", "tre"):
        await tw_post(http, server, "sms", sms_params(text))
    await settle(lambda: len(server.twilio_api.messages()) == 3)
    assert [m["Body"] for m in server.twilio_api.messages()] == ["echo: uno", "echo: due", "echo: tre"]


async def test_messages_sent_in_quick_succession_are_answered_in_arrival_order(server, http, app_db):
    words = [f"m{n}" for n in range(10)]
    for text in words:
        await tw_post(http, server, "sms", sms_params(text))
    await settle(lambda: len(server.twilio_api.messages()) == len(words))
    assert [m["Body"] for m in server.twilio_api.messages()] == [f"echo: {w}" for w in words]


async def test_a_webhook_without_a_message_sid_is_refused(server, http):
    params = sms_params("ciao")
    del params["MessageSid"]
    assert (await tw_post(http, server, "sms", params)).status_code == 400
    assert server.agent.received == []


async def test_a_numbered_answer_is_understood_after_a_restart(server, http, app_db):
    from tests.channels.test_twilio_server import wa_params
    from tests.channels.test_twilio_server import post as wa_post

    await wa_post(http, server, "whatsapp", wa_params("plans"))
    await settle(lambda: server.twilio_api.messages())
    agent = await server.restart()                       # another replica, or the same one restarted
    await wa_post(http, server, "whatsapp", wa_params("2"))
    await settle(lambda: agent.received)
    assert agent.texts() == ['/inform{"choice":"2"}']


def test_numbered_options_expire(app_db):
    from datetime import datetime, timedelta

    from bot.channels import choices
    from bot.channels.formatting import Button

    now = datetime(2026, 12, 3, 10, 0)
    choices.remember("sms:+39", [Button("Tra un mese", "/a"), Button("Tra due mesi", "/b")], now=now)
    assert choices.resolve("sms:+39", "2", now=now).payload == "/b"
    assert choices.resolve("sms:+39", "tra un mese", now=now).payload == "/a"
    assert choices.resolve("sms:+39", "2", now=now + choices.TTL + timedelta(seconds=1)) is None
    assert choices.resolve("sms:+40", "2", now=now) is None


async def test_web_chat_messages_are_stored_first_and_a_resend_is_absorbed(server, app_db):
    from bot.channels.inbound import InboundMessage
    from bot.channels.webchat import WebchatOutput

    def message(text: str) -> InboundMessage:
        return InboundMessage(channel="webchat", conversation_id="web:abc", text=text, language_hint="it")

    on_new = server.agent.handle_message
    assert await durable.handle_message_now(message("ciao"), "client-1", WebchatOutput(), on_new) == "dialogue"
    assert await durable.handle_message_now(message("ciao"), "client-1", WebchatOutput(), on_new) == "duplicate"
    # The client's id is scoped to its conversation: another conversation may use the same one.
    other = InboundMessage(channel="webchat", conversation_id="web:xyz", text="ciao")
    assert await durable.handle_message_now(other, "client-1", WebchatOutput(), on_new) == "dialogue"
    assert await durable.handle_message_now(message("boom"), "client-2", WebchatOutput(), on_new) == "failed"
    [failed] = [u for u in rows(app_db, InboundUpdate) if u.status != "done"]
    assert failed.status == "failed"
    await asyncio.sleep(0.05)
    await durable.run_due_once()                          # the retry worker replays it from the database
    assert server.agent.texts() == ["ciao", "ciao", "boom", "boom"]
    assert transcript_of(app_db, "web:abc") == [("debtor", "ciao"), ("bot", "echo: ciao"), ("debtor", "boom")]
