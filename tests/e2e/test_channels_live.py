"""Every channel against the real servers and trained model, with fake Telegram/Twilio APIs.

The fakes run on loopback in a background thread of this process; the Rasa server sends
to them through TELEGRAM_API_BASE_URL / TWILIO_API_BASE_URL.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Callable, Iterator

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from bot.ledger.models import ContactPreference, TranscriptMessage
from tests.channels.fakes import FakeTelegram, FakeTwilio

TG_TOKEN = "123456:E2E-token"
TG_SECRET = "e2e-telegram-secret"
TW_SID = "AC" + "1" * 32
TW_TOKEN = "e2e-twilio-token"
_ids = itertools.count(1)


class BackgroundFakes:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.telegram, self.twilio = FakeTelegram(TG_TOKEN), FakeTwilio()

    def __enter__(self) -> "BackgroundFakes":
        self.thread.start()
        for fake in (self.telegram, self.twilio):
            asyncio.run_coroutine_threadsafe(fake.serve(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        for fake in (self.telegram, self.twilio):
            asyncio.run_coroutine_threadsafe(fake.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def fakes() -> Iterator[BackgroundFakes]:
    with BackgroundFakes() as running:
        yield running


@pytest.fixture(scope="module")
def live_env(fakes: BackgroundFakes) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
        "TELEGRAM_API_BASE_URL": fakes.telegram.url,
        "TWILIO_ACCOUNT_SID": TW_SID, "TWILIO_AUTH_TOKEN": TW_TOKEN, "TWILIO_API_BASE_URL": fakes.twilio.url,
        "TWILIO_WHATSAPP_FROM": "+14155238886", "TWILIO_SMS_FROM": "+15005550006",
    }


@pytest.fixture(scope="module")
def db(live_servers):
    engine = create_engine(live_servers.db_url, future=True)
    yield engine
    engine.dispose()


def wait_until(predicate: Callable[[], object], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.2)


def twilio_post(live, kind: str, params: dict[str, str], sign: bool = True) -> httpx.Response:
    path = f"/webhooks/{kind}/webhook"
    headers = {}
    if sign:
        headers["X-Twilio-Signature"] = RequestValidator(TW_TOKEN).compute_signature(
            live.env["PUBLIC_BASE_URL"] + path, params)
    return httpx.post(live.rasa_url + path, data=params, headers=headers, timeout=30)


def wa(number: str, body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
    return {"From": f"whatsapp:{number}", "To": "whatsapp:+14155238886", "Body": body, "NumMedia": "0",
            "MessageSid": sid or f"SM{next(_ids):032d}", **extra}


def sms(number: str, body: str, **extra: str) -> dict[str, str]:
    return {"From": number, "To": "+15005550006", "Body": body, "NumMedia": "0",
            "MessageSid": f"SM{next(_ids):032d}", **extra}


def sent_to(fakes: BackgroundFakes, to: str) -> list[dict]:
    return [m for m in fakes.twilio.messages() if m.get("To") == to]


def transcript(db, conversation_id: str) -> list[tuple[str, str]]:
    with Session(db) as s:
        rows = s.execute(select(TranscriptMessage).where(TranscriptMessage.conversation_id == conversation_id)
                         .order_by(TranscriptMessage.id)).scalars()
        return [(r.sender, r.text) for r in rows]


def test_forged_telegram_and_unsigned_twilio_are_refused(live_servers, fakes, db):
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1, "text": "ciao",
                                          "chat": {"id": 9001, "type": "private"}}}
    forged = httpx.post(f"{live_servers.rasa_url}/webhooks/telegram/webhook", json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}, timeout=30)
    assert forged.status_code == 403
    assert twilio_post(live_servers, "whatsapp", wa("+393330000001", "ciao"), sign=False).status_code == 401
    assert twilio_post(live_servers, "sms", sms("+393330000002", "ciao"), sign=False).status_code == 401
    time.sleep(1)
    assert transcript(db, "tg:9001") == [] and transcript(db, "wa:+393330000001") == []


def test_signed_whatsapp_is_answered_once_with_quick_replies(live_servers, fakes, db):
    number = "+393331110001"
    params = wa(number, "Buongiorno")
    for _ in range(2):  # Twilio retrying the same MessageSid
        response = twilio_post(live_servers, "whatsapp", params)
        assert response.status_code == 200 and "<Response/>" in response.text
    wait_until(lambda: sent_to(fakes, f"whatsapp:{number}"))
    time.sleep(3)  # a duplicate answer would arrive within this
    replies = sent_to(fakes, f"whatsapp:{number}")
    with_buttons = [r for r in replies if r.get("ContentSid")]
    assert with_buttons, replies
    variables = json.loads(with_buttons[0]["ContentVariables"])
    assert "/request_human" in variables.values()
    assert "assistente virtuale" in variables["1"].lower()
    assert [t for s, t in transcript(db, f"wa:{number}") if s == "debtor"] == ["Buongiorno"]


def test_sms_stop_media_and_too_long(live_servers, fakes, db):
    number = "+393331110002"
    twilio_post(live_servers, "sms", sms(number, "STOP"))
    wait_until(lambda: len(sent_to(fakes, number)) == 1)
    with Session(db) as s:
        pref = s.execute(select(ContactPreference).where(ContactPreference.address == number)).scalar_one()
        assert pref.opted_out and pref.channel == "sms"
    twilio_post(live_servers, "sms", sms(number, "", NumMedia="1", MediaUrl0="http://example.test/x.jpg"))
    twilio_post(live_servers, "sms", sms(number, "parola " * 715))
    wait_until(lambda: len(sent_to(fakes, number)) >= 3)
    rows = transcript(db, f"sms:{number}")
    assert [t for s, t in rows if s == "debtor"][:2] == ["STOP", "[media]"]
    assert all(len(m["Body"]) <= 1600 for m in sent_to(fakes, number))


def test_telegram_conversation_through_the_fake_bot_api(live_servers, fakes, db):
    update = {"update_id": 77001, "message": {
        "message_id": 1, "date": 1_700_000_000, "text": "Buongiorno",
        "chat": {"id": 9002, "type": "private"},
        "from": {"id": 9002, "is_bot": False, "first_name": "Mario", "language_code": "it"}}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    for _ in range(2):
        assert httpx.post(f"{live_servers.rasa_url}/webhooks/telegram/webhook", json=update, headers=headers,
                          timeout=30).status_code == 200
    wait_until(lambda: [m for m in fakes.telegram.sent("sendMessage") if m["chat_id"] == "9002"])
    time.sleep(3)
    sent = [m for m in fakes.telegram.sent("sendMessage") if m["chat_id"] == "9002"]
    assert "assistente virtuale" in sent[0]["text"].lower()
    keyboards = [m["reply_markup"] for m in sent if m.get("reply_markup")]
    assert any(b["callback_data"] == "/request_human" for k in keyboards for row in k["inline_keyboard"] for b in row)
    assert [t for s, t in transcript(db, "tg:9002") if s == "debtor"] == ["Buongiorno"]
