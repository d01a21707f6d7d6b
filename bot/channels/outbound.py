"""Speaking to a debtor: the output-channel base class and pushes outside a webhook.

``ChannelOutput`` records every bot reply in the transcript, then delivers it through the
channel (provider channels queue it in the reply outbox, ``delivery``, so no network call
happens while the conversation is held). ``push_to_conversation`` finds the conversation's
channel and address and sends there now, recording nothing itself (the caller does); the
console's messages use the queued variant in ``pushes`` instead, which records and queues.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Protocol

from rasa.core.channels.channel import OutputChannel
from sqlalchemy import select

from bot.channels.formatting import Reply, reply_from_message, transcript_text
from bot.ledger.db import session_scope
from bot.ledger.models import ContactPreference, Conversation
from bot.logs import mask_text

log = logging.getLogger(__name__)

PREFIXES = {"tg:": "telegram", "wa:": "whatsapp", "sms:": "sms", "web:": "webchat"}
# Each channel module exposes ``async def push(target: PushTarget, reply: Reply) -> None``.
PUSH_MODULES = {
    "telegram": "bot.channels.telegram",
    "whatsapp": "bot.channels.twilio_channels",
    "sms": "bot.channels.twilio_channels",
    "webchat": "bot.channels.webchat",
    "rest": "bot.channels.rest",
}


class DeliveryError(RuntimeError):
    """The message cannot be delivered (opted out, channel not configured, outside the
    WhatsApp window without a template, provider failing after retries)."""


class TemporaryDeliveryError(DeliveryError):
    """The provider is unreachable or overloaded right now (network error, 429, 5xx):
    the reply outbox tries again later."""


@dataclass(frozen=True)
class PushTarget:
    conversation_id: str
    channel: str
    address: str | None
    last_inbound_at: datetime | None
    opted_out: bool


def channel_of(conversation_id: str) -> str:
    """The channel named by a conversation id's prefix (``tg:``, ``wa:``, ``sms:``, ``web:``); ``rest`` otherwise."""
    for prefix, channel in PREFIXES.items():
        if conversation_id.startswith(prefix):
            return channel
    return "rest"


def address_of(conversation_id: str) -> str | None:
    """The chat id or phone number after the conversation id's prefix; ``None`` for an unprefixed (rest) id."""
    for prefix in PREFIXES:
        if conversation_id.startswith(prefix):
            return conversation_id[len(prefix):]
    return None


# --- transcript -------------------------------------------------------------------------
def _record(conversation_id: str, sender: str, text: str, reply: Reply | None = None) -> int:
    from bot.conversations import record_message, upsert_conversation

    with session_scope() as session:
        if session.get(Conversation, conversation_id) is None:
            upsert_conversation(session, conversation_id, channel_of(conversation_id),
                                address_of(conversation_id), inbound=False)
            session.flush()
        message = record_message(session, conversation_id, sender, text)
        session.flush()
        if reply is not None and channel_of(conversation_id) == "webchat":
            from bot.channels.webchat_hub import store_buttons

            # With the row, so a widget served by any process shows the buttons.
            store_buttons(session, conversation_id, int(message.id), reply)
        return int(message.id)


async def record_reply(conversation_id: str, reply: Reply, sender: str = "bot") -> int:
    """Store one outgoing reply (text plus button titles); returns the transcript row id."""
    return await asyncio.to_thread(_record, conversation_id, sender, transcript_text(reply), reply)


async def record_text(conversation_id: str, sender: str, text: str) -> int:
    """Store a plain text row from ``sender`` (``system``, ``agent``...) in the transcript; returns its row id."""
    return await asyncio.to_thread(_record, conversation_id, sender, text)


class ChannelOutput(OutputChannel):
    """Base of every output channel: record first (so nothing said is ever lost), then deliver."""

    channel_name = "rest"

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        reply = reply_from_message(message)
        if not reply.text and not reply.buttons:
            return
        record_id = await record_reply(recipient_id, reply)
        try:
            await self.deliver(recipient_id, reply, record_id)
        except DeliveryError as exc:
            # The reply is in the transcript; an agent can see it was not delivered.
            log.error("delivery failed channel=%s conversation=%s error=%s", self.channel_name,
                      mask_text(recipient_id), mask_text(str(exc)))
            await record_text(recipient_id, "system", f"delivery failed ({self.channel_name}): {exc}"[:500])

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class TranscriptOnlyOutput(ChannelOutput):
    """For conversations no channel can reach (rest): the reply is only recorded."""

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        log.info("no live delivery for conversation=%s (rest); recorded only", mask_text(recipient_id))


# --- pushes -----------------------------------------------------------------------------
class _PushModule(Protocol):
    async def push(self, target: PushTarget, reply: Reply) -> None: ...

    def output_for(self, conversation_id: str) -> OutputChannel: ...


def push_module(channel: str) -> _PushModule:
    """The module that pushes to ``channel`` (its ``push`` and ``output_for``); rest for an unknown one."""
    return importlib.import_module(PUSH_MODULES.get(channel, "bot.channels.rest"))


def load_target(conversation_id: str) -> PushTarget:
    """Where a push to ``conversation_id`` goes: channel, address, last inbound time, opt-out (reads the database)."""
    with session_scope() as session:
        conv = session.get(Conversation, conversation_id)
        channel = conv.channel if conv else channel_of(conversation_id)
        address = (conv.address if conv and conv.address else None) or address_of(conversation_id)
        opted_out = False
        if address:
            opted_out = session.execute(
                select(ContactPreference.id).where(
                    ContactPreference.channel.in_([channel, "all"]),
                    ContactPreference.address == address,
                    ContactPreference.opted_out.is_(True),
                ).limit(1)
            ).first() is not None
        return PushTarget(conversation_id=conversation_id, channel=channel, address=address,
                          last_inbound_at=conv.last_inbound_at if conv else None, opted_out=opted_out)


QUEUED_CHANNELS = ("telegram", "whatsapp", "sms")  # provider channels: their pushes go through the outbox


def _configured(channel: str) -> bool:
    from bot.channels import telegram, twilio_channels  # they import this module

    return telegram.configured() if channel == "telegram" else twilio_channels.configured(channel)


def window_closed(target: PushTarget) -> bool:
    """Whether WhatsApp refuses free text to this conversation now (the debtor has not written for 24 hours)."""
    from bot.channels import twilio_channels

    return target.channel == "whatsapp" and not twilio_channels.window_open(target.last_inbound_at)


def check_deliverable(target: PushTarget) -> None:
    """Raise ``DeliveryError`` for what no retry can fix: an opted-out debtor, a provider channel
    that is not configured, no address, a closed WhatsApp window without a ``reengage`` template.
    Every push (now or queued) asks this first, so nothing is written or sent for such a message."""
    from bot.channels import twilio_api

    if target.opted_out and target.channel != "webchat":
        raise DeliveryError(f"the debtor opted out of {target.channel}")
    if target.channel not in QUEUED_CHANNELS:
        return
    if not _configured(target.channel):
        raise DeliveryError(f"{target.channel} is not configured")
    if not target.address:
        raise DeliveryError(f"no {'telegram chat' if target.channel == 'telegram' else 'phone number'} "
                            "for this conversation")
    if window_closed(target) and not twilio_api.whatsapp_templates().get("reengage"):
        raise DeliveryError("outside the WhatsApp 24-hour window and no 'reengage' template configured "
                            "(TWILIO_WHATSAPP_TEMPLATES)")


async def push_to_conversation(conversation_id: str, text: str, buttons: Optional[list[dict]] = None) -> None:
    """Deliver ``text`` (and buttons) on the conversation's own channel now, recording nothing.

    Raises ``DeliveryError`` when it cannot be delivered (``check_deliverable``, or the provider
    refusing). Outside the WhatsApp window the ``reengage`` template goes now and the message is
    held until the debtor answers. The console uses the queued ``pushes.queue_push`` instead.
    """
    target = await asyncio.to_thread(load_target, conversation_id)
    check_deliverable(target)
    reply = reply_from_message({"text": text, "buttons": buttons or []})
    if window_closed(target):
        from bot.channels import delivery, twilio_channels

        await twilio_channels.reengage(target)
        await delivery.hold("whatsapp", target.conversation_id, reply)
        return
    await push_module(target.channel).push(target, reply)


def output_channel_for(conversation_id: str) -> OutputChannel:
    """An OutputChannel speaking into ``conversation_id``; its replies are recorded too."""
    return push_module(channel_of(conversation_id)).output_for(conversation_id)
