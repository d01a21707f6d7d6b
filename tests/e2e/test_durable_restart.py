"""Provider retries after a restart of the real Rasa server are ignored (the stored provider
id is the dedupe), with the trained model, the action server and fake provider APIs."""
from __future__ import annotations

import time
from typing import Iterator

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.e2e.live import running_servers
from tests.e2e.test_channels_live import (
    TG_SECRET, TG_TOKEN, TW_SID, TW_TOKEN, BackgroundFakes, sent_to, sms, transcript, wait_until,
)


@pytest.fixture(scope="module")
def fakes() -> Iterator[BackgroundFakes]:
    with BackgroundFakes() as running:
        yield running


def env_for(fakes: BackgroundFakes) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
            "TELEGRAM_API_BASE_URL": fakes.telegram.url, "TWILIO_ACCOUNT_SID": TW_SID, "TWILIO_AUTH_TOKEN": TW_TOKEN,
            "TWILIO_API_BASE_URL": fakes.twilio.url, "TWILIO_WHATSAPP_FROM": "+14155238886",
            "TWILIO_SMS_FROM": "+15005550006"}


def post_sms(live, params: dict[str, str]) -> httpx.Response:
    path = "/webhooks/sms/webhook"
    signature = RequestValidator(TW_TOKEN).compute_signature(live.env["PUBLIC_BASE_URL"] + path, params)
    return httpx.post(live.rasa_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)


def post_update(live, update: dict) -> httpx.Response:
    return httpx.post(f"{live.rasa_url}/webhooks/telegram/webhook", json=update,
                      headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, timeout=30)


def test_twilio_and_telegram_retries_after_a_restart_are_ignored(fakes, tmp_path):
    from sqlalchemy import create_engine

    number, chat = "+393331119001", 9101
    params = sms(number, "Buongiorno")
    update = {"update_id": 991001, "message": {
        "message_id": 1, "date": 1_700_000_000, "text": "Buongiorno", "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "Mario", "language_code": "it"}}}
    with running_servers(env_for(fakes), tmp_path) as first:
        assert post_sms(first, params).status_code == 200
        assert post_update(first, update).status_code == 200
        wait_until(lambda: sent_to(fakes, number))
        wait_until(lambda: [m for m in fakes.telegram.sent("sendMessage") if m["chat_id"] == str(chat)])
        time.sleep(3)  # every reply of that turn is out
        sms_replies = len(sent_to(fakes, number))
        tg_replies = len([m for m in fakes.telegram.sent("sendMessage") if m["chat_id"] == str(chat)])
        db_url = first.db_url
    with running_servers(env_for(fakes), tmp_path) as second:  # a new process on the same database
        assert second.db_url == db_url
        assert post_sms(second, params).status_code == 200     # the provider's retry, correctly signed
        assert post_update(second, update).status_code == 200
        time.sleep(5)  # a doubled answer would arrive within this
        assert len(sent_to(fakes, number)) == sms_replies
        assert len([m for m in fakes.telegram.sent("sendMessage") if m["chat_id"] == str(chat)]) == tg_replies
        engine = create_engine(db_url, future=True)
        try:
            assert [t for s, t in transcript(engine, f"sms:{number}") if s == "debtor"] == ["Buongiorno"]
            assert [t for s, t in transcript(engine, f"tg:{chat}") if s == "debtor"] == ["Buongiorno"]
        finally:
            engine.dispose()
