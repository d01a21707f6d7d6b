"""From a due invoice to a message on the fake Twilio and Telegram APIs (SDKs unchanged,
base URLs from settings), and the reconciliation lookup against Twilio's message list."""
from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.ledger.db import session_factory
from bot.ledger.models import Conversation
from bot.outreach.config import OutreachConfig
from bot.outreach.senders import ChannelRouter, OutboundMessage, TelegramSender, TwilioSender
from bot.outreach.worker import Worker
from bot.settings import load_settings
from tests.channels.fakes import FakeTelegram
from tests.outreach.conftest import CREDITOR, MONDAY, debtor_with_invoice
from tests.outreach.fake_twilio import FakeTwilioServer

TOKEN = "123456:TESTTOKEN"


def _settings(**kw):
    return replace(load_settings(), twilio_account_sid="AC" + "1" * 32, twilio_auth_token="t",
                   twilio_sms_from="+15005550006", twilio_whatsapp_from="+15005550007", **kw)


@pytest.fixture()
def fake_telegram():
    loop = asyncio.new_event_loop()
    fake = FakeTelegram(TOKEN)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.serve(), loop).result(10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_due_invoices_reach_the_fake_twilio_and_telegram_apis(engine, clock, fake_telegram):
    with session_factory(engine)() as s:
        debtor_with_invoice(s, "SMS", "+393331234567", due=MONDAY - timedelta(days=3))
        tg, _ = debtor_with_invoice(s, "TG", "+393337654321", due=MONDAY - timedelta(days=3), language="en")
        s.add(Conversation(conversation_id="tg:4242", channel="telegram", address="4242", debtor_id=tg.id))
        s.commit()
    with FakeTwilioServer() as twilio:
        settings = _settings(twilio_api_base_url=twilio.url, telegram_bot_token=TOKEN,
                             telegram_api_base_url=fake_telegram.url)
        telegram = TelegramSender(settings)
        sender = ChannelRouter([TwilioSender(settings), telegram])
        try:
            stats = Worker(engine, sender, OutreachConfig(), clock=clock, creditor_name=CREDITOR).run_once()
        finally:
            telegram.close()
        assert stats.planned == 2 and stats.sent == 2
        assert [(m["To"], m["From"]) for m in twilio.received] == [("+393331234567", "+15005550006")]
        assert "assistente virtuale" in twilio.received[0]["Body"]
    [sent] = fake_telegram.sent("sendMessage")
    assert str(sent["chat_id"]) == "4242" and "virtual assistant" in sent["text"] and "invoice" in sent["text"]


def test_twilio_lookup_finds_a_message_by_number_and_text():
    with FakeTwilioServer() as twilio:
        sender = TwilioSender(_settings(twilio_api_base_url=twilio.url))
        message = OutboundMessage("Buongiorno, una prova.")
        sid = sender.send("sms", "+393331234567", message, "k1")
        assert sender.lookup("sms", "+393331234567", message, "k1").provider_message_id == sid
        assert sender.lookup("sms", "+393331234567", message, "k1", exclude={sid}).state == "absent"
        assert sender.lookup("sms", "+393339999999", message, "k1").state == "absent"
        assert sender.lookup("sms", "+393331234567", OutboundMessage("altro"), "k2").state == "absent"
