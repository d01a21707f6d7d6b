"""Telegram: a webhook checked with the secret-token header, replies through the Bot API.

python-telegram-bot's ``Bot`` only (no ``Application``): the webhook answers at once and
the update runs through the inbound pipeline in the background, one at a time per chat.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
import re
from datetime import timedelta
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.formatting import CALLBACKS, Reply, for_telegram
from bot.channels.inbound import InboundMessage, handle_inbound, spawn
from bot.channels.outbound import ChannelOutput, DeliveryError, PushTarget
from bot.channels.pacing import KeyedBuckets, TokenBucket
from bot.logs import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 0.5
MAX_RETRY_AFTER_SECONDS = 60.0
START_PREFIX = "inv_"
_DEEP_LINK_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def configured() -> bool:
    s = get_settings()
    return bool(s.telegram_bot_token and s.telegram_webhook_secret)


# --- deep links -------------------------------------------------------------------------
def start_payload(invoice_number: str) -> str:
    """``/start`` payload for an invoice (Telegram allows only [A-Za-z0-9_-], ≤64 chars)."""
    payload = START_PREFIX + base64.urlsafe_b64encode(invoice_number.encode()).decode().rstrip("=")
    if len(payload) > 64:
        raise ValueError("invoice number too long for a Telegram deep link")
    return payload


def invoice_from_start(payload: str) -> str | None:
    payload = payload.strip()
    if not payload or not _DEEP_LINK_SAFE.match(payload):
        return None
    if payload.startswith(START_PREFIX):
        raw = payload[len(START_PREFIX):]
        try:
            return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8").strip() or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return payload  # a plain invoice number that happens to be link-safe


# --- sending ----------------------------------------------------------------------------
def _retry_after_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class TelegramSender:
    """Bot API calls with per-chat pacing, ``RetryAfter`` honoured and backoff on network errors."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.per_chat = KeyedBuckets(capacity=3, rate=1.0)   # Telegram: ~1 msg/s per chat, short bursts
        self.global_bucket = TokenBucket(capacity=30, rate=30.0)  # and ~30 msg/s overall
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def call(self, chat_id: str, what: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self.per_chat.get(chat_id).acquire()
            await self.global_bucket.acquire()
            try:
                return await fn()
            except RetryAfter as exc:
                wait = _retry_after_seconds(exc)
                log.warning("telegram rate limited chat=%s wait=%.1fs attempt=%d", mask_text(chat_id), wait, attempt)
                await self.sleep(wait)
            except Forbidden as exc:  # the person blocked the bot: retrying cannot help
                raise DeliveryError(f"telegram refused {what}: {exc.message}") from exc
            except BadRequest as exc:
                raise DeliveryError(f"telegram rejected {what}: {exc.message}") from exc
            except (TimedOut, NetworkError) as exc:
                wait = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
                log.warning("telegram %s failed chat=%s attempt=%d retry_in=%.1fs error=%s", what,
                            mask_text(chat_id), attempt, wait, exc.__class__.__name__)
                await self.sleep(wait)
            except TelegramError as exc:
                raise DeliveryError(f"telegram error on {what}: {exc.message}") from exc
        raise DeliveryError(f"telegram {what} failed after {MAX_ATTEMPTS} attempts")

    async def send(self, chat_id: str, reply: Reply) -> None:
        for part in for_telegram(reply).parts:
            markup = None
            if part.buttons:
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(b.title, callback_data=CALLBACKS.encode(b.payload))] for b in part.buttons])
            text = part.text
            await self.call(chat_id, "sendMessage",
                            lambda text=text, markup=markup: self.bot.send_message(chat_id, text, reply_markup=markup))


_senders: dict[tuple[str, str, int], TelegramSender] = {}


async def get_sender() -> TelegramSender:
    """One initialised Bot per token, API base and event loop (tests run several loops)."""
    s = get_settings()
    key = (s.telegram_bot_token, s.telegram_api_base_url, id(asyncio.get_running_loop()))
    sender = _senders.get(key)
    if sender is None:
        base = s.telegram_api_base_url.rstrip("/")
        request = HTTPXRequest(connection_pool_size=16)  # the default pool of 1 serialises every chat
        bot = Bot(s.telegram_bot_token, base_url=f"{base}/bot" if base else "https://api.telegram.org/bot",
                  request=request)
        await bot.initialize()  # getMe: fails early on a wrong token
        sender = _senders[key] = TelegramSender(bot)
    return sender


def reset() -> None:
    """Forget cached bots (tests change settings between runs)."""
    _senders.clear()


class TelegramOutput(ChannelOutput):
    channel_name = "telegram"

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        if not configured():
            raise DeliveryError("telegram is not configured")
        chat_id = recipient_id.split(":", 1)[1] if recipient_id.startswith("tg:") else recipient_id
        await (await get_sender()).send(chat_id, reply)


async def push(target: PushTarget, reply: Reply) -> None:
    if not configured():
        raise DeliveryError("telegram is not configured")
    if not target.address:
        raise DeliveryError("no telegram chat for this conversation")
    await (await get_sender()).send(target.address, reply)


def output_for(conversation_id: str) -> OutputChannel:
    return TelegramOutput()


async def set_webhook(drop_pending_updates: bool = False) -> str:
    """Register ``PUBLIC_BASE_URL`` + the webhook path with Telegram, with the secret token."""
    s = get_settings()
    if not configured():
        raise ValueError("set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first")
    if not s.public_base_url.startswith("https://") and not s.telegram_api_base_url:
        raise ValueError("PUBLIC_BASE_URL must be an https:// URL reachable by Telegram")
    url = s.public_base_url + WEBHOOK_PATH
    sender = await get_sender()
    try:
        await sender.bot.set_webhook(url=url, secret_token=s.telegram_webhook_secret,
                                     allowed_updates=["message", "callback_query"],
                                     drop_pending_updates=drop_pending_updates)
    finally:
        await sender.bot.shutdown()
        reset()
    return url


# --- inbound ----------------------------------------------------------------------------
def _button_title(message: Message | None, data: str) -> str | None:
    markup = message.reply_markup if message else None
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _language(code: str | None) -> str | None:
    code = (code or "")[:2].lower()
    return code if code in ("it", "en") else None


async def _handle_callback(update: Update, sender: TelegramSender, on_new_message: Callable) -> None:
    query = update.callback_query
    chat = query.message.chat if query.message else None
    if chat is None or chat.type != "private":
        return
    chat_id = str(chat.id)
    payload = CALLBACKS.decode(query.data or "")
    title = _button_title(query.message, query.data or "")
    try:  # stop the spinner, and remove the keyboard so an old choice cannot be tapped again
        await sender.call(chat_id, "answerCallbackQuery", lambda: query.answer())
        await sender.call(chat_id, "editMessageReplyMarkup",
                          lambda: sender.bot.edit_message_reply_markup(chat_id, query.message.message_id,
                                                                       reply_markup=None))
    except DeliveryError as exc:
        log.info("callback housekeeping failed chat=%s error=%s", mask_text(chat_id), exc)
    if not payload:
        return
    msg = InboundMessage(channel="telegram", conversation_id=f"tg:{chat_id}", text=payload, address=chat_id,
                         message_id=str(update.update_id), display_text=title or payload,
                         language_hint=_language(query.from_user.language_code if query.from_user else None))
    await handle_inbound(msg, TelegramOutput(), on_new_message)


async def _handle_message(update: Update, on_new_message: Callable) -> None:
    message = update.message
    if message.chat.type != "private":  # debts are never discussed in a group
        return
    chat_id = str(message.chat.id)
    text = (message.text or message.caption or "").strip()
    hint = _language(message.from_user.language_code if message.from_user else None)
    link_invoice, display = None, None
    if text == "/start" or text.startswith("/start "):
        link_invoice = invoice_from_start(text[len("/start"):])
        display, text = text, "/greet"  # Rasa would read "/start" as an unknown intent
    msg = InboundMessage(channel="telegram", conversation_id=f"tg:{chat_id}", text=text, address=chat_id,
                         message_id=str(update.update_id), display_text=display, media_only=not text,
                         language_hint=hint, link_invoice=link_invoice)
    await handle_inbound(msg, TelegramOutput(), on_new_message)


async def process_update(data: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
    sender = await get_sender()
    update = Update.de_json(data, sender.bot)
    if update is None:
        return
    if update.callback_query is not None:
        await _handle_callback(update, sender, on_new_message)
    elif update.message is not None:
        await _handle_message(update, on_new_message)
    # edited messages, channel posts and the rest are ignored on purpose


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()  # configuration comes from the environment (bot.settings)

    def get_output_channel(self) -> OutputChannel | None:
        return TelegramOutput()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("telegram_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if configured() else "not configured"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not configured():
                return response.json({"error": "channel not configured"}, status=503)
            given = request.headers.get(SECRET_HEADER, "")
            if not given:
                return response.json({"error": "missing secret token"}, status=401)
            expected = get_settings().telegram_webhook_secret
            if not hmac.compare_digest(given.encode(), expected.encode()):
                log.warning("telegram webhook refused: wrong secret token")
                return response.json({"error": "forbidden"}, status=403)
            try:
                data = request.json
            except InvalidUsage:
                data = None
            if not isinstance(data, dict) or "update_id" not in data:
                return response.json({"error": "not a Telegram update"}, status=400)
            # Answer at once (Telegram retries slow webhooks); the work runs in the background.
            spawn(process_update(data, on_new_message), "telegram update")
            return response.json({"ok": True})

        return bp
