"""Delivering one outbox message: a ``Sender`` protocol, Twilio (WhatsApp, SMS) and Telegram
through their SDKs, and an in-memory fake for tests.

Neither Twilio's Messages API nor Telegram's Bot API accepts an idempotency key on send,
so exactly-once is the outbox's job (see ``worker``). What a sender adds is ``lookup``:
after a crash between "sending" and "sent" the worker asks whether the provider already
has the message. Twilio can answer (list the messages to that number and match the text);
Telegram cannot (no history API for bots), so it answers ``unknown``.
"""
from __future__ import annotations

import asyncio
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Collection, Protocol

from bot.settings import Settings, get_settings

HTTP_TIMEOUT_SECONDS = 15.0
_TWILIO_HOST = re.compile(r"^https://([a-z0-9-]+)(?:\.[a-z0-9-]+)*\.twilio\.com")


@dataclass(frozen=True)
class OutboundMessage:
    text: str
    content_sid: str | None = None  # an approved WhatsApp template instead of free text
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Lookup:
    state: str  # found | absent | unknown
    provider_message_id: str | None = None


class SendError(RuntimeError):
    """``permanent``: the provider refused (retrying cannot help). Otherwise the outcome is
    unknown (timeout, 5xx, network) and the worker must not assume it was not delivered."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    def available_channels(self) -> frozenset[str]: ...

    def send(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str) -> str:
        """Deliver and return the provider's message id."""

    def lookup(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str,
               exclude: Collection[str] = ()) -> Lookup:
        """Whether the provider already has this message (ids in ``exclude`` belong to others)."""


# --- Twilio ----------------------------------------------------------------------------
def _twilio_client(settings: Settings) -> Any:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    class RebasingHttpClient(TwilioHttpClient):
        """``https://<product>.twilio.com/...`` -> ``<base>/<product>/...`` (a fake API on loopback)."""

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            base = settings.twilio_api_base_url.rstrip("/")
            return super().request(method, _TWILIO_HOST.sub(lambda m: f"{base}/{m.group(1)}", url), *args, **kwargs)

    http = RebasingHttpClient(timeout=HTTP_TIMEOUT_SECONDS) if settings.twilio_api_base_url else \
        TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)


class TwilioSender:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._local = threading.local()

    def available_channels(self) -> frozenset[str]:
        s = self.settings
        if not (s.twilio_account_sid and s.twilio_auth_token):
            return frozenset()
        return frozenset(ch for ch, number in (("whatsapp", s.twilio_whatsapp_from), ("sms", s.twilio_sms_from)) if number)

    def _client(self) -> Any:
        if getattr(self._local, "client", None) is None:
            self._local.client = _twilio_client(self.settings)
        return self._local.client

    def _numbers(self, channel: str, address: str) -> tuple[str, str]:
        if channel == "whatsapp":
            sender = self.settings.twilio_whatsapp_from
            return (sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"), f"whatsapp:{address}"
        return self.settings.twilio_sms_from, address

    def send(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str) -> str:
        from requests import RequestException
        from twilio.base.exceptions import TwilioRestException

        from_, to = self._numbers(channel, address)
        kwargs: dict[str, Any] = {"from_": from_, "to": to}
        if message.content_sid:
            kwargs["content_sid"] = message.content_sid
            kwargs["content_variables"] = json.dumps(message.variables, ensure_ascii=False)
        else:
            kwargs["body"] = message.text
        try:
            return str(self._client().messages.create(**kwargs).sid)
        except TwilioRestException as exc:
            temporary = exc.status == 429 or exc.status >= 500
            raise SendError(f"twilio status {exc.status} code {exc.code}", permanent=not temporary) from exc
        except RequestException as exc:
            raise SendError(f"twilio unreachable: {exc.__class__.__name__}", permanent=False) from exc

    def lookup(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str,
               exclude: Collection[str] = ()) -> Lookup:
        from requests import RequestException
        from twilio.base.exceptions import TwilioRestException

        if message.content_sid:
            return Lookup("unknown")  # a template's body is rendered by Twilio: no safe match
        from_, to = self._numbers(channel, address)
        try:
            recent = self._client().messages.list(to=to, from_=from_, limit=50)
        except (TwilioRestException, RequestException):
            return Lookup("unknown")
        for msg in recent:
            if msg.body == message.text and msg.sid not in exclude:
                return Lookup("found", str(msg.sid))
        return Lookup("absent")


# --- Telegram --------------------------------------------------------------------------
class TelegramSender:
    """python-telegram-bot's ``Bot`` on a private event loop: the worker is synchronous."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bot: Any = None
        self._lock = threading.Lock()

    def available_channels(self) -> frozenset[str]:
        return frozenset({"telegram"}) if self.settings.telegram_bot_token else frozenset()

    def _run(self, coro: Any) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coro)

    def _get_bot(self) -> Any:
        from telegram import Bot

        if self._bot is None:
            base = self.settings.telegram_api_base_url.rstrip("/")
            self._bot = Bot(self.settings.telegram_bot_token,
                            base_url=f"{base}/bot" if base else "https://api.telegram.org/bot")
            self._run(self._bot.initialize())
        return self._bot

    def send(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str) -> str:
        from telegram.error import BadRequest, Forbidden, TelegramError

        with self._lock:
            try:
                sent = self._run(self._get_bot().send_message(address, message.text))
            except (Forbidden, BadRequest) as exc:
                raise SendError(f"telegram refused: {exc.message}", permanent=True) from exc
            except TelegramError as exc:  # RetryAfter, TimedOut, NetworkError: outcome unknown
                raise SendError(f"telegram error: {exc.__class__.__name__}", permanent=False) from exc
            return str(sent.message_id)

    def lookup(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str,
               exclude: Collection[str] = ()) -> Lookup:
        return Lookup("unknown")

    def close(self) -> None:
        if self._loop is not None:
            if self._bot is not None:
                self._loop.run_until_complete(self._bot.shutdown())
            self._loop.close()
            self._loop = None


# --- routing and the fake --------------------------------------------------------------
class ChannelRouter:
    """One ``Sender`` for all channels, dispatching to the configured providers."""

    def __init__(self, senders: list[Any]) -> None:
        self.routes: dict[str, Any] = {}
        for sender in senders:
            for channel in sender.available_channels():
                self.routes.setdefault(channel, sender)

    def available_channels(self) -> frozenset[str]:
        return frozenset(self.routes)

    def _route(self, channel: str) -> Any:
        if channel not in self.routes:
            raise SendError(f"{channel} is not configured", permanent=True)
        return self.routes[channel]

    def send(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str) -> str:
        return str(self._route(channel).send(channel, address, message, idempotency_key))

    def lookup(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str,
               exclude: Collection[str] = ()) -> Lookup:
        if channel not in self.routes:
            return Lookup("unknown")
        return self.routes[channel].lookup(channel, address, message, idempotency_key, exclude)


def configured_sender(settings: Settings | None = None) -> ChannelRouter:
    """A router over Twilio (WhatsApp, SMS) and Telegram; channels without credentials are unavailable."""
    settings = settings or get_settings()
    return ChannelRouter([TwilioSender(settings), TelegramSender(settings)])


@dataclass
class FakeDelivery:
    channel: str
    address: str
    text: str
    content_sid: str | None
    key: str
    provider_message_id: str
    at: datetime


class FakeSender:
    """In memory: records every delivery (duplicates included, so tests can see them),
    answers ``lookup`` by key, and can be told to fail."""

    def __init__(self, channels: Collection[str] = ("telegram", "whatsapp", "sms")) -> None:
        self.channels = frozenset(channels)
        self.deliveries: list[FakeDelivery] = []
        self.fail_next: list[SendError] = []
        self.accept_then_fail: list[SendError] = []  # delivered, but the caller sees an error
        self._lock = threading.Lock()

    def available_channels(self) -> frozenset[str]:
        return self.channels

    def send(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str) -> str:
        with self._lock:
            if self.fail_next:
                raise self.fail_next.pop(0)
            pid = f"FAKE{len(self.deliveries) + 1:06d}"
            self.deliveries.append(FakeDelivery(channel, address, message.text, message.content_sid,
                                                idempotency_key, pid, datetime.utcnow()))
            if self.accept_then_fail:
                raise self.accept_then_fail.pop(0)
            return pid

    def lookup(self, channel: str, address: str, message: OutboundMessage, idempotency_key: str,
               exclude: Collection[str] = ()) -> Lookup:
        for d in self.deliveries:
            if d.key == idempotency_key and d.provider_message_id not in exclude:
                return Lookup("found", d.provider_message_id)
        return Lookup("absent")

    def keys(self) -> list[str]:
        return [d.key for d in self.deliveries]
