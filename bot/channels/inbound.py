"""The only way a debtor's text reaches the dialogue, on every channel.

Order matters: (1) the webhook stored the update first (``durable``: the unique provider
id drops retries, across restarts and replicas), (2) record the debtor's message, (3) refuse
what the model must not see (too long, media only, channel keywords such as STOP),
(4) ask the handoff gate — while a person has the conversation nothing reaches the
model, not even ``/restart`` — and only then (5) hand a ``UserMessage`` to Rasa. Bot
replies are recorded by the output channel (``ChannelOutput``).
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.ledger.db import session_scope
from bot.logs import mask_text
from bot.parsing.text import clean_text

log = logging.getLogger(__name__)

MAX_INBOUND_CHARS = 2000
MEDIA_PLACEHOLDER = "[media]"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# A channel's own keywords (STOP, HELP...): returns replies when it handled the text.
KeywordHandler = Callable[["InboundMessage", str], Awaitable[Optional[list[str]]]]


@dataclass
class InboundMessage:
    channel: str                        # telegram | whatsapp | sms | webchat | rest
    conversation_id: str                # derived by the server, never by the client
    text: str                           # what the model receives (a button's payload after a tap)
    address: str | None = None          # chat id / phone number (masked in logs)
    message_id: str | None = None       # provider id, for dedupe
    display_text: str | None = None     # what the transcript shows (a button's title)
    media_only: bool = False
    language_hint: str | None = None
    link_invoice: str | None = None     # from a verified signed link only

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"channel": self.channel, "language_hint": self.language_hint}
        if self.link_invoice:
            meta["link_invoice"] = self.link_invoice
        return meta


@dataclass
class FallbackDecision:
    """Same shape as ``bot.handoff.gate.GateDecision``, used until the handoff gate exists."""

    paused: bool
    replies: list[str] = field(default_factory=list)


# --- per-conversation ordering -----------------------------------------------------------
_locks: dict[str, tuple[asyncio.Lock, int]] = {}


@asynccontextmanager
async def conversation_lock(conversation_id: str) -> AsyncIterator[None]:
    """Messages of one conversation are handled one at a time, in arrival order."""
    lock, users = _locks.get(conversation_id, (None, 0))
    if lock is None:
        lock = asyncio.Lock()
    _locks[conversation_id] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _locks[conversation_id]
        if users <= 1:
            del _locks[conversation_id]  # no one waiting: don't keep a lock per debtor forever
        else:
            _locks[conversation_id] = (lock, users - 1)


# --- steps ------------------------------------------------------------------------------
def _record_inbound(msg: InboundMessage, shown: str, update_id: int | None) -> str | None:
    from bot.channels.durable import already_recorded, mark_recorded
    from bot.conversations import record_message, upsert_conversation

    with session_scope() as session:
        conv = upsert_conversation(session, msg.conversation_id, msg.channel, msg.address, inbound=True)
        # A retried update was recorded by the attempt that failed later: never twice.
        if update_id is None or not already_recorded(session, update_id):
            record_message(session, msg.conversation_id, "debtor", shown)
            if update_id is not None:
                mark_recorded(session, update_id)
        return conv.language


def _is_paused(conversation_id: str) -> bool:
    from bot.conversations import is_paused

    with session_scope() as session:
        return is_paused(session, conversation_id)


async def gate(conversation_id: str, channel: str, text: str) -> Any:
    """Ask the handoff gate whether a person has the conversation; without ``bot.handoff``, the stored pause decides."""
    try:
        from bot.handoff.gate import inbound_gate
    except ModuleNotFoundError as exc:
        if exc.name not in ("bot.handoff", "bot.handoff.gate"):
            raise
        return FallbackDecision(paused=await asyncio.to_thread(_is_paused, conversation_id))
    return await inbound_gate(conversation_id, channel, text)


def render(key: str, lang: str, **ctx: Any) -> str:
    """The message template ``key`` in ``lang`` (Italian unless "en"); raises for an unknown key."""
    from bot.messages import render as render_message

    return render_message(key, lang if lang in ("it", "en") else "it", **ctx)


def language_for(msg: InboundMessage, stored: str | None) -> str:
    """The language to answer in: detected from the text (not for media), ties keep ``stored``, then the hint."""
    from bot.dialogue.language import detect_language

    text = "" if msg.media_only else msg.text[:MAX_INBOUND_CHARS]
    return detect_language(text, stored, msg.language_hint)


async def say(output: OutputChannel, conversation_id: str, texts: list[str]) -> None:
    """Send each non-empty text through ``output``, which records it in the transcript as a bot reply."""
    for text in texts:
        if text:
            await output.send_response(conversation_id, {"text": text})


async def handle_inbound(msg: InboundMessage, output: OutputChannel, on_new_message: OnNewMessage,
                         keywords: KeywordHandler | None = None) -> str:
    """Run one inbound message through the pipeline; returns what happened (for logs/tests):
    ``too_long``, ``media``, ``keyword``, ``paused`` or ``dialogue``. Provider retries were
    dropped before, when the webhook stored the update (``bot.channels.durable``)."""
    from bot.channels.durable import current_update

    # Invisible characters go first, so nothing downstream (transcript, verification) sees them.
    msg.text = clean_text(msg.text)
    if msg.display_text is not None:
        msg.display_text = clean_text(msg.display_text)
    async with conversation_lock(msg.conversation_id):
        shown = MEDIA_PLACEHOLDER if msg.media_only else (msg.display_text or msg.text)
        stored_language = await asyncio.to_thread(_record_inbound, msg, shown, current_update.get())
        lang = language_for(msg, stored_language)
        if msg.media_only:
            await say(output, msg.conversation_id, [render("unsupported_media", lang)])
            return "media"
        if len(msg.text) > MAX_INBOUND_CHARS:
            await say(output, msg.conversation_id, [render("too_long", lang, max_chars=MAX_INBOUND_CHARS)])
            return "too_long"
        if keywords is not None:
            handled = await keywords(msg, lang)
            if handled is not None:
                await say(output, msg.conversation_id, handled)
                return "keyword"
        decision = await gate(msg.conversation_id, msg.channel, msg.text)
        if decision.paused:
            await say(output, msg.conversation_id, list(decision.replies or []))
            return "paused"
        log.info("inbound channel=%s conversation=%s chars=%d", msg.channel,
                 mask_text(msg.conversation_id), len(msg.text))
        await on_new_message(UserMessage(msg.text, output, sender_id=msg.conversation_id,
                                         input_channel=msg.channel, metadata=msg.metadata()))
        return "dialogue"


def spawn(coro: Awaitable[Any], what: str) -> "asyncio.Task[Any]":
    """Run webhook work in the background, keeping a reference and logging failures."""
    task = asyncio.ensure_future(coro)
    _background.add(task)

    def _done(t: "asyncio.Task[Any]") -> None:
        _background.discard(t)
        if not t.cancelled() and t.exception() is not None:
            log.error("background %s failed: %s", what, mask_text(repr(t.exception())))

    task.add_done_callback(_done)
    return task


_background: set["asyncio.Task[Any]"] = set()


async def drain() -> None:
    """Wait for background work (tests, shutdown)."""
    while _background:
        await asyncio.gather(*list(_background), return_exceptions=True)
