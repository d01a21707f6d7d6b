"""The one place that turns the dialogue's replies into what each channel can show.

A reply is Rasa's bot message: ``text`` plus optional ``buttons`` (title + payload).
Journeys never know the channel; here buttons become Telegram inline keyboards, WhatsApp
quick replies (at most 3, short titles) or numbered lists, SMS numbered options, or
widget buttons, and long texts are split at each channel's limit.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

TELEGRAM_TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)
TELEGRAM_CALLBACK_LIMIT = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # bytes
WHATSAPP_BODY_LIMIT = 1600
WHATSAPP_QUICK_REPLY_BODY_LIMIT = 1024
WHATSAPP_MAX_QUICK_REPLIES = 3
WHATSAPP_QUICK_REPLY_TITLE_LIMIT = 20
SMS_LIMIT = 1600


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class TelegramPart:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class WhatsAppPart:
    body: str
    quick_replies: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Rendered:
    """Parts to send in order, and the options offered as numbers (to resolve "1", "2")."""

    parts: tuple[Any, ...]
    numbered: tuple[Button, ...] = field(default_factory=tuple)


def reply_from_message(message: Mapping[str, Any]) -> Reply:
    """Rasa bot message dict -> Reply; images/attachments degrade to their URL in the text."""
    text = str(message.get("text") or "").strip()
    extras = [str(message[key]) for key in ("image", "attachment") if message.get(key)]
    if extras:
        text = "\n".join([text, *extras]).strip()
    raw_buttons = message.get("buttons") or message.get("quick_replies") or []
    buttons = tuple(
        Button(title=str(b.get("title") or b.get("payload") or "").strip(), payload=str(b.get("payload") or b.get("title") or ""))
        for b in raw_buttons if isinstance(b, Mapping) and (b.get("title") or b.get("payload"))
    )
    return Reply(text=text, buttons=buttons)


def _cut_point(window: str, limit: int) -> int:
    # Prefer the latest paragraph, line, sentence or word break in the second half of the window.
    for sep, keep in (("\n\n", 0), ("\n", 0), (". ", 1), (" ", 0)):
        index = window.rfind(sep)
        if index > limit // 2:
            return index + keep
    index = window.rfind(" ")
    return index if index > 0 else limit  # one unbroken word longer than the limit: hard cut


def split_text(text: str, limit: int) -> list[str]:
    """Split on paragraph, then line, sentence, word boundaries; never a part over ``limit``."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text[:limit], limit)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def titles_are_numbers(buttons: Sequence[Button]) -> bool:
    """Options such as an NPS 0-10 scale: numbering them would make "7" ambiguous."""
    return bool(buttons) and all(b.title.strip().isdigit() for b in buttons)


def numbered_list(buttons: Sequence[Button]) -> str:
    """The options as a "1. title" list, or one " · " line of titles when the titles are numbers."""
    if titles_are_numbers(buttons):
        return " · ".join(b.title for b in buttons)
    return "\n".join(f"{i}. {b.title}" for i, b in enumerate(buttons, start=1))


def with_numbered_options(text: str, buttons: Sequence[Button]) -> str:
    """``text`` followed by the options to type (channels without buttons); ``text`` alone without any."""
    return f"{text}\n\n{numbered_list(buttons)}".strip() if buttons else text


def transcript_text(reply: Reply) -> str:
    """How a reply reads in the transcript: the text, then the offered buttons' titles."""
    if not reply.buttons:
        return reply.text
    return f"{reply.text}\n" + " ".join(f"[{b.title}]" for b in reply.buttons)


# --- Telegram ---------------------------------------------------------------------------
class CallbackData:
    """Inline-button payloads as Telegram callback data (≤64 bytes).

    Payloads that fit are sent as they are; longer ones are replaced by a short key kept
    here, so a tap always maps back to the full payload.
    """

    def __init__(self, max_items: int = 10_000) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()
        self._max = max_items
        self._lock = threading.Lock()

    def encode(self, payload: str) -> str:
        if len(payload.encode()) <= TELEGRAM_CALLBACK_LIMIT and not payload.startswith("~"):
            return payload
        key = "~" + hashlib.sha256(payload.encode()).hexdigest()[:20]
        with self._lock:
            self._long[key] = payload
            self._long.move_to_end(key)
            while len(self._long) > self._max:
                self._long.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        if data.startswith("~"):
            with self._lock:
                return self._long.get(data)
        return data


CALLBACKS = CallbackData()


def for_telegram(reply: Reply) -> Rendered:
    """Messages within Telegram's length limit; the buttons become the inline keyboard of the last one."""
    chunks = split_text(reply.text, TELEGRAM_TEXT_LIMIT) or ([" "] if reply.buttons else [])
    parts = [TelegramPart(text=c) for c in chunks]
    if parts and reply.buttons:
        parts[-1] = TelegramPart(text=parts[-1].text, buttons=reply.buttons)  # keyboard under the last part
    return Rendered(parts=tuple(parts))


# --- WhatsApp ---------------------------------------------------------------------------
def _quick_reply_fits(reply: Reply, last_chunk: str) -> bool:
    return (
        0 < len(reply.buttons) <= WHATSAPP_MAX_QUICK_REPLIES
        and all(len(b.title) <= WHATSAPP_QUICK_REPLY_TITLE_LIMIT for b in reply.buttons)
        and len(last_chunk) <= WHATSAPP_QUICK_REPLY_BODY_LIMIT
    )


def for_whatsapp(reply: Reply) -> Rendered:
    """Up to 3 short buttons become quick replies; more (or long titles) a numbered list."""
    chunks = split_text(reply.text, WHATSAPP_BODY_LIMIT)
    if not reply.buttons:
        return Rendered(parts=tuple(WhatsAppPart(body=c) for c in chunks))
    tail = chunks[-1] if chunks else ""
    if tail and len(tail) > WHATSAPP_QUICK_REPLY_BODY_LIMIT:
        chunks[-1:] = split_text(tail, WHATSAPP_QUICK_REPLY_BODY_LIMIT)
        tail = chunks[-1]
    if tail and _quick_reply_fits(reply, tail):
        parts = [WhatsAppPart(body=c) for c in chunks[:-1]] + [WhatsAppPart(body=tail, quick_replies=reply.buttons)]
        # Typed numbers still work for people whose app does not show the buttons.
        return Rendered(parts=tuple(parts), numbered=reply.buttons)
    listed = split_text(with_numbered_options(reply.text, reply.buttons), WHATSAPP_BODY_LIMIT)
    return Rendered(parts=tuple(WhatsAppPart(body=c) for c in listed), numbered=reply.buttons)


# --- SMS --------------------------------------------------------------------------------
def for_sms(reply: Reply) -> Rendered:
    """SMS parts within the length limit, with the buttons appended as numbered options to type."""
    body = with_numbered_options(reply.text, reply.buttons)
    return Rendered(parts=tuple(split_text(body, SMS_LIMIT)), numbered=reply.buttons)


# --- Web chat ---------------------------------------------------------------------------
def for_webchat(reply: Reply) -> dict[str, Any]:
    """What the widget renders: the whole text and the buttons (title and payload), never split."""
    return {"text": reply.text, "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons]}


# --- Typed numbers -> the options last offered ------------------------------------------
_NUMBER = re.compile(r"^\s*(?:n\.?\s*|#)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


class NumberedChoices:
    """The numbered options last shown per conversation, so "2" means the second one.

    Held in memory for ``ttl`` seconds: a stale "2" hours later is just text again.
    """

    def __init__(self, ttl: float = 6 * 3600, max_items: int = 50_000) -> None:
        self._ttl, self._max = ttl, max_items
        self._choices: OrderedDict[str, tuple[float, tuple[Button, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, conversation_id: str, buttons: Iterable[Button]) -> None:
        buttons = tuple(buttons)
        with self._lock:
            if not buttons:
                return
            self._choices[conversation_id] = (time.monotonic() + self._ttl, buttons)
            self._choices.move_to_end(conversation_id)
            while len(self._choices) > self._max:
                self._choices.popitem(last=False)

    def resolve(self, conversation_id: str, text: str) -> Button | None:
        """The option the debtor picked by typing its title or (for non-numeric titles) its number."""
        with self._lock:
            entry = self._choices.get(conversation_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        buttons = entry[1]
        typed = (text or "").strip().casefold()
        for button in buttons:
            if typed and button.title.strip().casefold() == typed:
                return button
        match = _NUMBER.match(text or "")
        if not match or titles_are_numbers(buttons):
            return None  # "7" on a 0-10 scale is the score itself, not the seventh option
        index = int(match.group(1)) - 1
        return buttons[index] if 0 <= index < len(buttons) else None

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._choices.pop(conversation_id, None)


CHOICES = NumberedChoices()
