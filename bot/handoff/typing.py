"""The agent is typing: a short-lived hint to the debtor, on the channels that have one.

The console posts a signal while the agent who holds the conversation types in the reply box
(at most one every few seconds). Web chat widgets show "Giulia sta scrivendo…" (announced
through ``bot.channels.live``, so a widget served by any process sees it); Telegram shows its
own "typing…" (``sendChatAction``); WhatsApp and SMS have nothing of the kind. Nothing is
stored: no transcript row, no audit entry, and logs name neither the debtor nor the chat.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from bot.channels.outbound import DeliveryError, address_of, channel_of
from bot.handoff import service
from bot.ledger.db import session_scope
from bot.ledger.models import ContactPreference, Conversation

log = logging.getLogger(__name__)

MIN_INTERVAL_SECONDS = 2.5  # the console sends one every ~3 s; more often than this is dropped
_last_sent: dict[str, float] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class TypingTarget:
    """Where the hint goes: the conversation, its channel and the chat address (Telegram's chat id)."""

    conversation_id: str
    channel: str
    address: str | None
    opted_out: bool


def target_for(handoff_id: int, agent_username: str) -> TypingTarget:
    """The conversation of a handoff this agent holds; ``HandoffNotFound`` (404) or ``HandoffConflict`` (409) otherwise."""
    with session_scope() as session:
        handoff = service.assigned_handoff(session, handoff_id, agent_username)
        cid = handoff.conversation_id
        conv = session.get(Conversation, cid)
        channel = conv.channel if conv and conv.channel else channel_of(cid)
        address = (conv.address if conv and conv.address else None) or address_of(cid)
        opted_out = bool(address) and session.execute(select(ContactPreference.id).where(
            ContactPreference.channel.in_([channel, "all"]), ContactPreference.address == address,
            ContactPreference.opted_out.is_(True)).limit(1)).first() is not None
        return TypingTarget(cid, channel, address, opted_out)


def due(conversation_id: str, now: float | None = None) -> bool:
    """True when no signal went to this conversation in the last ``MIN_INTERVAL_SECONDS`` (and note this one)."""
    moment = time.monotonic() if now is None else now
    with _lock:
        if moment - _last_sent.get(conversation_id, float("-inf")) < MIN_INTERVAL_SECONDS:
            return False
        _last_sent[conversation_id] = moment
        for cid, at in list(_last_sent.items()):  # keep the map small
            if moment - at > 60:
                _last_sent.pop(cid, None)
        return True


async def announce(target: TypingTarget) -> str:
    """Send the hint on the target's channel; what happened: ``shown``, ``throttled`` or ``none`` (no such thing).

    A channel that fails is only logged (by channel, never by chat): a typing hint is never worth an error.
    """
    if target.channel not in ("webchat", "telegram") or (target.opted_out and target.channel != "webchat"):
        return "none"
    if not due(target.conversation_id):
        return "throttled"
    if target.channel == "webchat":
        from bot.channels import live

        # The id is this moment in milliseconds: every replica receiving it names it the same.
        live.publish_typing(target.conversation_id, int(time.time() * 1000))
        return "shown"
    if not target.address:
        return "none"
    from bot.channels import telegram

    try:
        await telegram.send_typing(target.address)
    except DeliveryError as exc:  # TemporaryDeliveryError too: a late hint is worthless
        log.info("typing hint not shown channel=telegram error=%s", exc.__class__.__name__)
        return "none"
    return "shown"
