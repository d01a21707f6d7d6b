"""Console messages through the reply outbox (``pushes``): recorded once, queued, retried by the pump.

Real server, real database, the fake Telegram/Twilio APIs on loopback; the agent's row is written by
the console's own recorder (``views.record_reply``) through ``relay.send``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.channels import delivery
from bot.channels.models import DEAD, HELD, SENT, OutboundDelivery
from bot.channels.outbound import DeliveryError
from bot.handoff import relay, service, views
from bot.ledger.db import session_factory
from bot.settings import get_settings
from tests.channels.conftest import settle
from tests.channels.helpers import transcript_of
from tests.channels.test_outbound_server import WA, conversation
from tests.channels.test_twilio_server import post as twilio_post
from tests.channels.test_twilio_server import wa_params
from tests.handoff.conftest import add_agent, handoff_env, queue  # noqa: F401

TEMPLATE = "HX" + "7" * 32


def outbox(engine, conversation_id: str) -> list[OutboundDelivery]:
    with session_factory(engine)() as session:
        rows = session.execute(select(OutboundDelivery).where(OutboundDelivery.conversation_id == conversation_id)
                               .order_by(OutboundDelivery.id)).scalars().all()
        session.expunge_all()
        return list(rows)


@pytest.fixture()
def db(server, handoff_env):  # noqa: F811
    """The channels server with the console's database, and Giulia on duty."""
    add_agent()
    return handoff_env


def taken(engine, conversation_id: str, channel: str, address: str, last_inbound: datetime | None) -> int:
    """A conversation on ``channel`` whose handoff Giulia holds; the handoff id."""
    conversation(engine, conversation_id, channel, address, last_inbound)
    handoff_id = queue(conversation_id, channel=channel)
    with session_factory(engine)() as session:
        assert service.take(session, handoff_id, "giulia")
        session.commit()
    return handoff_id


async def agent_reply(handoff_id: int, conversation_id: str, text: str) -> int:
    """What ``console_actions.reply`` does: the debtor's text under the agent's name, the agent's row."""
    return await relay.send(conversation_id, f"Giulia: {text}", None,
                            lambda session: views.record_reply(handoff_id, "giulia", text, session),
                            metadata={"agent_name": "Giulia"})


@pytest.mark.parametrize("conversation_id, channel, address", [
    ("tg:901", "telegram", "901"), (f"wa:{WA}", "whatsapp", WA), ("sms:+393330000009", "sms", "+393330000009")])
async def test_a_queued_agent_reply_is_one_transcript_row_and_one_outbox_row(
        server, db, conversation_id, channel, address):
    hid = taken(db, conversation_id, channel, address, datetime.utcnow())
    message_id = await agent_reply(hid, conversation_id, "Buongiorno, sono Giulia.")
    assert transcript_of(db, conversation_id) == [("agent", "Buongiorno, sono Giulia.")]
    [row] = outbox(db, conversation_id)
    assert row.channel == channel and row.transcript_id == message_id and "Giulia: Buongiorno" in row.payload
    sent = (lambda: server.telegram_api.texts()) if channel == "telegram" else (
        lambda: [m.get("Body") for m in server.twilio_api.messages()])
    await settle(lambda: outbox(db, conversation_id)[0].status == SENT)
    assert sent() == ["Giulia: Buongiorno, sono Giulia."]
    assert transcript_of(db, conversation_id) == [("agent", "Buongiorno, sono Giulia.")]


async def test_a_provider_answering_503_delays_the_reply_without_failing_it(server, db):
    hid = taken(db, "tg:902", "telegram", "902", datetime.utcnow())
    server.telegram_api.fail_next("sendMessage", 503, {"ok": False, "error_code": 503,
                                                       "description": "Service Unavailable"}, times=2)
    await agent_reply(hid, "tg:902", "Eccomi.")  # returns: the failures are the pump's
    await settle(lambda: outbox(db, "tg:902")[0].status == SENT)  # the fake sees it before the pump notes it
    assert server.telegram_api.texts() == ["Giulia: Eccomi."]
    assert len(server.telegram_api.sent("sendMessage:failed")) == 2
    [row] = outbox(db, "tg:902")
    assert row.status == SENT and row.attempts == 3
    assert transcript_of(db, "tg:902") == [("agent", "Eccomi.")]


async def test_opted_out_or_unconfigured_channels_refuse_before_anything_is_written(
        server, db, monkeypatch):
    from bot.dialogue.records import record_opt_out

    hid = taken(db, "sms:+393330000010", "sms", "+393330000010", datetime.utcnow())
    record_opt_out(conversation_id="sms:+393330000010", channel="sms", debtor_id=None)
    with pytest.raises(DeliveryError, match="opted out"):
        await agent_reply(hid, "sms:+393330000010", "Promemoria")
    assert transcript_of(db, "sms:+393330000010") == [] and outbox(db, "sms:+393330000010") == []

    hid = taken(db, "tg:903", "telegram", "903", datetime.utcnow())
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    get_settings.cache_clear()
    with pytest.raises(DeliveryError, match="not configured"):
        await agent_reply(hid, "tg:903", "Buongiorno")
    assert transcript_of(db, "tg:903") == [] and outbox(db, "tg:903") == []
    assert server.telegram_api.texts() == [] and server.twilio_api.messages() == []


async def test_whatsapp_closed_window_sends_the_template_and_holds_the_reply(
        server, db, http, monkeypatch):
    hid = taken(db, f"wa:{WA}", "whatsapp", WA, datetime.utcnow() - timedelta(hours=30))
    with pytest.raises(DeliveryError, match="reengage"):  # no template configured: nothing at all
        await agent_reply(hid, f"wa:{WA}", "Buongiorno")
    assert transcript_of(db, f"wa:{WA}") == [] and server.twilio_api.messages() == []

    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATES", f"reengage={TEMPLATE}")
    message_id = await agent_reply(hid, f"wa:{WA}", "Buongiorno")
    # The agent's request only wrote rows: the template goes out from the outbox, like any reply.
    await settle(lambda: delivery.pending(f"wa:{WA}") == 0)
    [template] = server.twilio_api.messages()
    assert template["ContentSid"] == TEMPLATE and "Body" not in template
    second_id = await agent_reply(hid, f"wa:{WA}", "Sono qui quando vuole")
    await settle(lambda: delivery.pending(f"wa:{WA}") == 0)
    assert len(server.twilio_api.messages()) == 1, "one request to answer is enough for every held message"
    request, *held = outbox(db, f"wa:{WA}")
    assert request.status == SENT and request.transcript_id is None
    assert [(r.status, r.transcript_id) for r in held] == [(HELD, message_id), (HELD, second_id)]
    assert transcript_of(db, f"wa:{WA}") == [("agent", "Buongiorno"), ("agent", "Sono qui quando vuole")]
    # The debtor answers: the window is open again and the held replies go out, once each, in order.
    await twilio_post(http, server, "whatsapp", wa_params("ok"))
    await settle(lambda: all(r.status == SENT for r in outbox(db, f"wa:{WA}")))
    bodies = [m.get("Body") for m in server.twilio_api.messages()]
    assert bodies.count("Giulia: Buongiorno") == 1 and bodies.count("Giulia: Sono qui quando vuole") == 1
    assert bodies.index("Giulia: Buongiorno") < bodies.index("Giulia: Sono qui quando vuole")


async def test_a_template_refused_by_twilio_is_noted_for_the_agent(server, db, monkeypatch):
    hid = taken(db, f"wa:{WA}", "whatsapp", WA, datetime.utcnow() - timedelta(hours=30))
    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATES", f"reengage={TEMPLATE}")
    server.twilio_api.fail_next("Messages", 400, {"code": 63016, "message": "Template not approved"})
    await agent_reply(hid, f"wa:{WA}", "Buongiorno")
    await settle(lambda: any(sender == "system" for sender, _ in transcript_of(db, f"wa:{WA}")))
    [note] = [text for sender, text in transcript_of(db, f"wa:{WA}") if sender == "system"]
    assert note.startswith("delivery failed (whatsapp)")
    assert [r.status for r in outbox(db, f"wa:{WA}")] == [DEAD, HELD], "the message waits for the debtor"


async def test_web_chat_and_rest_stay_local_and_immediate(server, db):
    for conversation_id, channel, address in (("web:pushes-1", "webchat", "pushes-1"),
                                              ("pushes-rest-1", "rest", "")):
        hid = taken(db, conversation_id, channel, address, datetime.utcnow())
        await agent_reply(hid, conversation_id, "Ciao")
        assert transcript_of(db, conversation_id) == [("agent", "Ciao")]
        assert outbox(db, conversation_id) == []
