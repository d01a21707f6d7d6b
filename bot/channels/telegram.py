"""Telegram: a webhook checked with the secret-token header, replies through the Bot API.

python-telegram-bot's ``Bot`` only (no ``Application``): the webhook stores the update
(``durable``: its ``update_id`` is the dedupe) before answering, and the update runs
through the inbound pipeline in the background, one at a time per chat. Nothing before the
store touches the Bot API, so an unreachable API cannot lose an update; replies go through
the reply outbox (``delivery``) and are retried there.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import functools
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
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, FloodLimit, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.formatting import CALLBACKS, Reply, for_telegram
from bot.channels import delivery, durable
from bot.channels.inbound import InboundMessage, handle_inbound
from bot.channels.outbound import ChannelOutput, DeliveryError, PushTarget, TemporaryDeliveryError
from bot.channels import pacing
from bot.logs import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 0.5
MAX_RETRY_AFTER_SECONDS = 60.0
START_PREFIX = "inv_"
_DEEP_LINK_SAFE = re.compile(rf"^[A-Za-z0-9_-]{{1,{int(MessageLimit.DEEP_LINK_LENGTH)}}}$")


def configured() -> bool:
    """True when both the bot token and the webhook secret are set; the webhook refuses updates otherwise."""
    s = get_settings()
    return bool(s.telegram_bot_token and s.telegram_webhook_secret)


# --- deep links -------------------------------------------------------------------------
def start_payload(invoice_number: str) -> str:
    """``/start`` payload for an invoice (Telegram allows only [A-Za-z0-9_-], ≤64 chars)."""
    payload = START_PREFIX + base64.urlsafe_b64encode(invoice_number.encode()).decode().rstrip("=")
    if len(payload) > MessageLimit.DEEP_LINK_LENGTH:
        raise ValueError("invoice number too long for a Telegram deep link")
    return payload


def invoice_from_start(payload: str) -> str | None:
    """The invoice number in a ``/start`` payload (encoded or a plain safe number); ``None`` if unusable."""
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
        # Telegram: ~1 msg/s per chat with short bursts (3), ~30 msg/s overall (per bot: shared
        # by every replica through Redis when REDIS_URL is set).
        self.per_chat = pacing.keyed("telegram:chat", capacity=3, rate=float(FloodLimit.MESSAGES_PER_SECOND_PER_CHAT))
        self.global_bucket = pacing.bucket("telegram:global", capacity=int(FloodLimit.MESSAGES_PER_SECOND),
                                           rate=float(FloodLimit.MESSAGES_PER_SECOND))
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def call(self, chat_id: str, what: str, fn: Callable[[], Awaitable[Any]],
                   attempts: int = MAX_ATTEMPTS) -> Any:
        """Run one Bot API call; network errors are retried ``attempts`` times, then raise
        ``TemporaryDeliveryError`` (the outbox retries later); refusals raise ``DeliveryError``."""
        for attempt in range(1, attempts + 1):
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
                if attempt < attempts:
                    await self.sleep(wait)
            except TelegramError as exc:
                raise DeliveryError(f"telegram error on {what}: {exc.message}") from exc
        raise TemporaryDeliveryError(f"telegram {what} failed after {attempts} attempts")

    async def send(self, chat_id: str, reply: Reply, skip: int = 0, progress: Callable[[int], None] | None = None,
                   attempts: int = MAX_ATTEMPTS) -> None:
        """Send a reply's parts after the first ``skip`` (already sent), reporting each one sent."""
        for index, part in enumerate(for_telegram(reply).parts):
            if index < skip:
                continue
            markup: InlineKeyboardMarkup | None = None
            if part.buttons:
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(b.title, callback_data=CALLBACKS.encode(b.payload))] for b in part.buttons])
            await self.call(chat_id, "sendMessage",
                            functools.partial(self.bot.send_message, chat_id, part.text, reply_markup=markup),
                            attempts=attempts)
            if progress is not None:
                progress(index + 1)


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
        try:
            await bot.initialize()  # getMe: fails early on a wrong token
        except (TimedOut, NetworkError) as exc:
            raise TemporaryDeliveryError(f"telegram getMe failed: {exc.__class__.__name__}") from exc
        except TelegramError as exc:
            raise DeliveryError(f"telegram getMe refused: {exc.message}") from exc
        sender = _senders[key] = TelegramSender(bot)
    return sender


_parsers: dict[str, Bot] = {}


def _parsing_bot() -> Bot:
    """A Bot object for ``Update.de_json`` only: never initialised, it makes no API call."""
    token = get_settings().telegram_bot_token
    if token not in _parsers:
        _parsers[token] = Bot(token)
    return _parsers[token]


def reset() -> None:
    """Forget cached bots (tests change settings between runs)."""
    _senders.clear()
    _parsers.clear()


class TelegramOutput(ChannelOutput):
    channel_name = "telegram"

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        if not configured():
            raise DeliveryError("telegram is not configured")
        await delivery.enqueue("telegram", recipient_id, reply, record_id)


def _chat_of(conversation_id: str) -> str:
    return conversation_id.split(":", 1)[1] if conversation_id.startswith("tg:") else conversation_id


async def deliver_from_outbox(conversation_id: str, reply: Reply, skip: int, progress: Callable[[int], None]) -> None:
    """The outbox's sender for Telegram: one try per call, the outbox retries later."""
    if not configured():
        raise DeliveryError("telegram is not configured")
    await (await get_sender()).send(_chat_of(conversation_id), reply, skip=skip, progress=progress, attempts=1)


delivery.register_sender("telegram", deliver_from_outbox)


async def push(target: PushTarget, reply: Reply) -> None:
    """Send a reply to the conversation's chat now, without the outbox; raises ``DeliveryError`` when
    Telegram refuses. The caller has asked ``outbound.check_deliverable`` (configured, chat known)."""
    await (await get_sender()).send(target.address or "", reply)


async def send_typing(chat_id: str) -> None:
    """Show "typing…" in the chat (Telegram keeps it ~5 s); one try, outside the message pacing.

    Raises ``DeliveryError`` when the channel is not configured or the API refuses; the caller
    treats it as a hint that did not arrive. It never waits on the per-chat message budget, so a
    typing agent cannot delay the replies themselves.
    """
    if not configured():
        raise DeliveryError("telegram is not configured")
    sender = await get_sender()
    try:
        await sender.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:
        raise DeliveryError(f"telegram refused sendChatAction: {exc.__class__.__name__}") from exc


def output_for(conversation_id: str) -> OutputChannel:
    """The Telegram output: replies are recorded, then queued in the outbox."""
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


async def _callback_housekeeping(chat_id: str, query_id: str, message_id: int) -> None:
    """Stop the spinner, and remove the keyboard so an old choice cannot be tapped again.
    Best effort: with the Bot API away the tap is still processed."""
    try:
        sender = await get_sender()
        await sender.call(chat_id, "answerCallbackQuery", lambda: sender.bot.answer_callback_query(query_id),
                          attempts=1)
        await sender.call(chat_id, "editMessageReplyMarkup",
                          lambda: sender.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None),
                          attempts=1)
    except DeliveryError as exc:
        log.info("callback housekeeping failed chat=%s error=%s", mask_text(chat_id), exc)


async def _handle_callback(update: Update, on_new_message: Callable) -> None:
    query = update.callback_query
    tapped = query.message if query is not None else None
    if query is None or tapped is None or tapped.chat.type != ChatType.PRIVATE:
        return
    chat_id = str(tapped.chat.id)
    payload = CALLBACKS.decode(query.data or "")
    # An inaccessible (too old) message has no keyboard to read the title from.
    title = _button_title(tapped if isinstance(tapped, Message) else None, query.data or "")
    await _callback_housekeeping(chat_id, query.id, tapped.message_id)
    if not payload:
        return
    msg = InboundMessage(channel="telegram", conversation_id=f"tg:{chat_id}", text=payload, address=chat_id,
                         message_id=str(update.update_id), display_text=title or payload,
                         language_hint=_language(query.from_user.language_code if query.from_user else None))
    await handle_inbound(msg, TelegramOutput(), on_new_message)


async def _handle_message(update: Update, on_new_message: Callable) -> None:
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:  # debts are never discussed in a group
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
    """Process one stored update (``durable`` calls this, again on a retry)."""
    update = Update.de_json(data, _parsing_bot())
    if update is None:
        return
    if update.callback_query is not None:
        await _handle_callback(update, on_new_message)
    elif update.message is not None:
        await _handle_message(update, on_new_message)
    # edited messages, channel posts and the rest are ignored on purpose


def _chat_id_of(data: dict[str, Any]) -> str | None:
    message = data.get("message") or (data.get("callback_query") or {}).get("message") or {}
    chat = message.get("chat") if isinstance(message, dict) else None
    return str(chat["id"]) if isinstance(chat, dict) and "id" in chat else None


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
        durable.register("telegram", process_update, on_new_message)

        @bp.listener("after_server_start")
        async def _workers(_app: Any, _loop: Any) -> None:
            durable.ensure_worker()   # updates stored before a restart are processed now
            delivery.ensure_pump()

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
            chat = _chat_id_of(data)
            try:  # stored before the answer: a 200 means the update cannot be lost any more
                await durable.accept("telegram", data["update_id"], data, f"tg:{chat}" if chat else None)
            except SQLAlchemyError as exc:
                log.error("telegram update not stored, asking Telegram to retry: %s", exc.__class__.__name__)
                return response.json({"error": "try again later"}, status=503)
            return response.json({"ok": True})

        return bp
