"""Channels under test on a real Sanic server (loopback), with fake provider APIs.

The dialogue is replaced by ``StubAgent``: it records every ``UserMessage`` that reaches
it and answers with scripted replies, so these tests need no trained model.
"""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels import delivery, durable, inbound, telegram, twilio_api
from bot.channels.rest import RestInput
from bot.channels.telegram import TelegramInput
from bot.channels.twilio_channels import SmsInput, WhatsAppInput
from bot.channels.webchat import WebchatInput
from bot.settings import get_settings
from tests.channels.fakes import FakeTelegram, FakeTwilio, free_port

TG_TOKEN = "123456:TEST-token"
TG_SECRET = "tg-secret-for-tests"
TW_SID = "AC" + "0" * 32
TW_TOKEN = "twilio-auth-token-for-tests"
WEBCHAT_SECRET = "webchat-secret-for-tests"
NPS_BUTTONS = [{"title": str(n), "payload": f'/inform{{"nps_score":{n}}}'} for n in range(11)]


def fake_render(key: str, lang: str, **ctx: Any) -> str:
    extras = ",".join(f"{k}={v}" for k, v in sorted(ctx.items()))
    return f"<{key}|{lang}|{extras}>"


@dataclass
class StubAgent:
    """Stands in for Rasa's Agent: scripted replies, and a record of what reached it."""

    received: list[UserMessage] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [m.text for m in self.received]

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        out, to = message.output_channel, message.sender_id
        if message.text == "boom":  # the dialogue failing (e.g. its database away)
            raise RuntimeError("dialogue unavailable for +393331234567")
        if message.text == "/greet":
            await out.send_response(to, {"text": "Benvenuto, sono l'assistente virtuale.",
                                         "buttons": [{"title": "Sì", "payload": "/affirm"},
                                                     {"title": "No", "payload": "/deny"}]})
        elif message.text == "plans":
            await out.send_response(to, {"text": "Scelga un piano:", "buttons": [
                {"title": f"{n} rate da {100 // n} euro", "payload": f'/inform{{"choice":"{n}"}}'} for n in (1, 2, 3, 4)]})
        elif message.text == "nps":
            await out.send_response(to, {"text": "Da 0 a 10?", "buttons": NPS_BUTTONS})
        elif message.text == "two offers":  # one turn, two messages with buttons (hardship: offer, then a question)
            await out.send_response(to, {"text": "Posso metterLa in contatto con una persona.", "buttons": [
                {"title": "Parlare con una persona", "payload": "/talk"}, {"title": "Pausa", "payload": "/pause"}]})
            await out.send_response(to, {"text": "Vuole procedere?", "buttons": [
                {"title": "Sì", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]})
        elif message.text == "pay":  # web chat rendering: links, a link that must not be one, an IBAN
            await out.send_response(to, {"text": "Può pagare con bonifico su IBAN IT60X0542811101000000123456 "
                                                 "oppure online: https://pay.example.com/checkout/abc. "
                                                 "Non è un link: javascript:alert(1)"})
        elif message.text == "slow":  # the assistant takes a moment: the widget shows it is typing
            await asyncio.sleep(1.5)
            await out.send_response(to, {"text": "Eccomi."})
        elif message.text == "long":
            await out.send_response(to, {"text": ("Una frase di prova. " * 250).strip()})
        else:
            await out.send_response(to, {"text": f"echo: {message.text}"})


@dataclass
class ChannelServer:
    url: str
    agent: StubAgent
    telegram_api: FakeTelegram
    twilio_api: FakeTwilio
    srv: Any = None

    async def restart(self) -> StubAgent:
        """Stop this server and start a fresh one on the same port (memory lost, database kept)."""
        await stop_app(self.srv)
        self.agent = StubAgent()
        self.srv = await start_app(int(self.url.rsplit(":", 1)[1]), self.agent)
        return self.agent


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "render", fake_render)
    monkeypatch.setattr(twilio_api, "RETRY_BASE_SECONDS", 0.01)
    monkeypatch.setattr(telegram, "RETRY_BASE_SECONDS", 0.01)
    monkeypatch.setattr(telegram, "MAX_RETRY_AFTER_SECONDS", 0.05)
    monkeypatch.setattr(delivery, "RETRY_BASE_SECONDS", 0.01)
    monkeypatch.setattr(durable, "RETRY_BASE_SECONDS", 0.01)
    telegram.reset()
    twilio_api.reset()


@pytest.fixture()
async def fake_apis() -> AsyncIterator[tuple[FakeTelegram, FakeTwilio]]:
    tg, tw = FakeTelegram(TG_TOKEN), FakeTwilio()
    await tg.serve()
    await tw.serve()
    yield tg, tw
    await tg.stop()
    await tw.stop()


def channel_env(monkeypatch: pytest.MonkeyPatch, port: int, tg_url: str, tw_url: str) -> None:
    values = {
        "TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TG_SECRET, "TELEGRAM_API_BASE_URL": tg_url,
        "TWILIO_ACCOUNT_SID": TW_SID, "TWILIO_AUTH_TOKEN": TW_TOKEN, "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_API_BASE_URL": tw_url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "WEBCHAT_TOKEN_SECRET": WEBCHAT_SECRET,
        "WEBCHAT_ALLOWED_ORIGINS": f"http://127.0.0.1:{port},http://localhost:{port}",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


async def start_app(port: int, agent: StubAgent) -> Any:
    """A Sanic app with every channel on ``port``, its dialogue replaced by ``agent``."""
    Sanic.test_mode = True  # lets several apps start in one process (sanic re-"touches up" handlers)
    app = Sanic(f"channels_{uuid.uuid4().hex[:12]}")
    app.ctx.agent = agent
    register([TelegramInput(), WhatsAppInput(), SmsInput(), WebchatInput(), RestInput()], app, route="/webhooks/")
    srv = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await srv.startup()
    await srv.after_start()
    return srv


async def stop_app(srv: Any) -> None:
    """Stop the server and this process's background workers (what a restart loses)."""
    await inbound.drain()
    await durable.stop_worker()
    await delivery.stop_pump()
    srv.close()
    await srv.wait_closed()


@pytest.fixture()
async def server(app_db, fake_apis, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ChannelServer]:
    tg, tw = fake_apis
    port = free_port()
    channel_env(monkeypatch, port, tg.url, tw.url)
    agent = StubAgent()
    srv = await start_app(port, agent)
    state = ChannelServer(url=f"http://127.0.0.1:{port}", agent=agent, telegram_api=tg, twilio_api=tw)
    state.srv = srv
    try:
        yield state
    finally:
        await stop_app(state.srv)
        get_settings.cache_clear()


async def settle(predicate, timeout: float = 10.0) -> None:
    """Wait until background work made ``predicate`` true (no assertion on how long it took)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)
    await inbound.drain()


@pytest.fixture()
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
