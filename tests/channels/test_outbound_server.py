"""Pushes to a debtor outside a webhook (agent replies, reminders) on every channel."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.channels import outbound
from bot.conversations import upsert_conversation
from bot.ledger.db import session_factory
from tests.channels.conftest import settle
from tests.channels.helpers import transcript_of
from tests.channels.test_twilio_server import post as twilio_post
from tests.channels.test_twilio_server import wa_params

WA = "+393331234567"


def conversation(engine, conversation_id: str, channel: str, address: str, last_inbound: datetime | None) -> None:
    with session_factory(engine)() as session:
        conv = upsert_conversation(session, conversation_id, channel, address, inbound=False)
        conv.last_inbound_at = last_inbound
        session.commit()


async def test_push_to_telegram_and_sms(server, app_db):
    conversation(app_db, "tg:777", "telegram", "777", datetime.utcnow())
    conversation(app_db, "sms:+393330000001", "sms", "+393330000001", datetime.utcnow())
    await outbound.push_to_conversation("tg:777", "Sono Giulia.", [{"title": "Grazie", "payload": "/thank"}])
    await outbound.push_to_conversation("sms:+393330000001", "Sono Giulia.")
    [tg] = server.telegram_api.sent("sendMessage")
    assert tg["chat_id"] == "777" and tg["reply_markup"]["inline_keyboard"][0][0]["text"] == "Grazie"
    [sms] = server.twilio_api.messages()
    assert sms["To"] == "+393330000001" and sms["Body"] == "Sono Giulia."
    assert transcript_of(app_db, "tg:777") == [], "the caller records the transcript, not push"


async def test_whatsapp_inside_window_is_free_text(server, app_db):
    conversation(app_db, f"wa:{WA}", "whatsapp", WA, datetime.utcnow() - timedelta(hours=2))
    await outbound.push_to_conversation(f"wa:{WA}", "Sono Giulia.")
    assert server.twilio_api.messages()[0]["Body"] == "Sono Giulia."


async def test_whatsapp_outside_window_needs_a_template(server, http, app_db, monkeypatch):
    conversation(app_db, f"wa:{WA}", "whatsapp", WA, datetime.utcnow() - timedelta(hours=30))
    with pytest.raises(outbound.DeliveryError):
        await outbound.push_to_conversation(f"wa:{WA}", "Sono Giulia.")
    assert server.twilio_api.messages() == []
    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATES", "reengage=HX" + "1" * 32)
    await outbound.push_to_conversation(f"wa:{WA}", "Sono Giulia.")
    [template] = server.twilio_api.messages()
    assert template["ContentSid"] == "HX" + "1" * 32 and "Body" not in template
    # The held message goes out as soon as the debtor answers (the window is open again).
    await twilio_post(http, server, "whatsapp", wa_params("ok"))
    await settle(lambda: len(server.twilio_api.messages()) == 3)
    assert [m.get("Body") for m in server.twilio_api.messages()[1:]] == ["Sono Giulia.", "echo: ok"]


async def test_opted_out_debtors_are_not_pushed_to(server, app_db):
    from bot.dialogue.records import record_opt_out

    conversation(app_db, "sms:+393330000002", "sms", "+393330000002", datetime.utcnow())
    record_opt_out(conversation_id="sms:+393330000002", channel="sms", debtor_id=None)
    with pytest.raises(outbound.DeliveryError):
        await outbound.push_to_conversation("sms:+393330000002", "Promemoria")
    assert server.twilio_api.messages() == []


async def test_output_channel_for_records_and_delivers(server, app_db):
    conversation(app_db, "tg:778", "telegram", "778", datetime.utcnow())
    channel = outbound.output_channel_for("tg:778")
    await channel.send_response("tg:778", {"text": "Eccomi di nuovo.", "buttons": [{"title": "Ok", "payload": "/affirm"}]})
    await settle(lambda: server.telegram_api.texts())  # sent by the reply outbox
    assert server.telegram_api.texts() == ["Eccomi di nuovo."]
    assert transcript_of(app_db, "tg:778") == [("bot", "Eccomi di nuovo.\n[Ok]")]
    rest_channel = outbound.output_channel_for("console-demo")
    await rest_channel.send_response("console-demo", {"text": "Solo trascritto."})
    assert transcript_of(app_db, "console-demo") == [("bot", "Solo trascritto.")]
