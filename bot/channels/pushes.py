"""Queued pushes: a message for the debtor written outside a turn (agent replies, console notices, SLA).

``queue_push`` finds the conversation's channel and address and refuses, before anything is
written, what can never be delivered (``outbound.check_deliverable``: an opted-out debtor, a
channel not configured, no address, a closed WhatsApp window without a ``reengage`` template).
On Telegram, WhatsApp and SMS the transcript row (written by the caller's ``record``) and the
reply-outbox row are then written in one transaction and the outbox pump sends it, so a provider
that is slow or down never holds the agent's request; its retries and the note of a last failure
are the outbox's. Web chat and REST have no provider: they are delivered at once, locally.
``outbound.push_to_conversation`` stays the synchronous send for callers that need one.
"""
from __future__ import annotations

import asyncio
from typing import Callable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels import delivery, twilio_channels
from bot.channels.formatting import Reply, reply_from_message
from bot.channels.models import HELD, QUEUED, OutboundDelivery
from bot.channels.outbound import (QUEUED_CHANNELS, PushTarget, check_deliverable, load_target,
                                   push_module, window_closed)
from bot.ledger.db import session_scope

# Writes the message's transcript row in ``session`` (not committed) and returns its id.
Recorder = Callable[[Session], int]


def _write(target: PushTarget, reply: Reply, record: Recorder, held: bool) -> int:
    """The transcript row and its outbox row, together or not at all.

    A held message (WhatsApp window closed) comes with a queued ``reengage`` template unless an
    earlier held message already asked the debtor to answer: one request is enough, and the
    answer releases every held message in order.
    """
    with session_scope() as session:
        transcript_id = record(session)
        if held and session.execute(select(OutboundDelivery.id).where(
                OutboundDelivery.conversation_id == target.conversation_id,
                OutboundDelivery.status == HELD).limit(1)).first() is None:
            session.add(OutboundDelivery(conversation_id=target.conversation_id, channel=target.channel,
                                         payload=delivery.template_json("reengage", twilio_channels.reengage_variables()),
                                         status=QUEUED))
        session.add(OutboundDelivery(conversation_id=target.conversation_id, channel=target.channel,
                                     payload=delivery.reply_json(reply), transcript_id=transcript_id,
                                     status=HELD if held else QUEUED))
        session.flush()
        return transcript_id


def _record_only(record: Recorder) -> int:
    with session_scope() as session:
        return record(session)


async def queue_push(conversation_id: str, text: str, buttons: Optional[list[dict]], record: Recorder) -> int:
    """Queue ``text`` (and buttons) for the debtor and write its transcript row with ``record``; the row id.

    Raises ``DeliveryError`` (nothing written) for an opted-out debtor, a channel not configured, no
    address, or a closed WhatsApp window without a template. Outside the window the message is held
    until the debtor answers and the ``reengage`` template is queued. Provider failures after this
    point are the outbox's: retried with backoff, the last one noted in the transcript.
    """
    target = await asyncio.to_thread(load_target, conversation_id)
    check_deliverable(target)
    reply = reply_from_message({"text": text, "buttons": buttons or []})
    if target.channel not in QUEUED_CHANNELS:
        # Local delivery (widget hub, or nothing for REST) cannot fail; the widget reads the row.
        await push_module(target.channel).push(target, reply)
        return await asyncio.to_thread(_record_only, record)
    # Outside the WhatsApp window free text is refused: the message is held and a template
    # asking the debtor to answer is queued with it (the answer releases the message).
    transcript_id = await asyncio.to_thread(_write, target, reply, record, window_closed(target))
    delivery.ensure_pump().wake()
    return transcript_id
