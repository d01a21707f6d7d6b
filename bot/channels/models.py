"""Tables of the durable channel pipeline: inbound updates and outgoing replies.

``inbound_updates`` holds every provider update before it is acknowledged; the unique
(channel, provider_id) pair is the dedupe, shared by every replica and surviving restarts.
``outbound_deliveries`` is the reply outbox: a reply is queued in the database and sent by
a delivery worker outside the conversation lock, with bounded retries.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Text, UniqueConstraint

from bot.ledger.models import Base, _now

# inbound_updates.status
RECEIVED, PROCESSING, DONE, FAILED, DEAD = "received", "processing", "done", "failed", "dead"
# outbound_deliveries.status
QUEUED, SENDING, SENT, HELD = "queued", "sending", "sent", "held"


class InboundUpdate(Base):
    """One provider update (Telegram update, Twilio message, web chat message)."""

    __tablename__ = "inbound_updates"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id", name="uq_inbound_updates_channel_provider_id"),
        Index("ix_inbound_updates_status_next", "status", "next_attempt_at"),
    )
    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)
    provider_id = Column(String(160), nullable=False)
    conversation_id = Column(String(128), nullable=True, index=True)
    payload = Column(Text, nullable=False)          # the raw update as JSON (debtor text: erased with the conversation)
    status = Column(String(16), nullable=False, default=RECEIVED)
    attempts = Column(Integer, nullable=False, default=0)
    recorded = Column(Integer, nullable=False, default=0)  # 1 once the debtor's text is in the transcript
    claim_token = Column(String(32), nullable=True)
    claimed_at = Column(DateTime, nullable=True)
    next_attempt_at = Column(DateTime, nullable=True)
    last_error = Column(String(500), nullable=True)
    received_at = Column(DateTime, nullable=False, default=_now)
    processed_at = Column(DateTime, nullable=True)


class OutboundDelivery(Base):
    """One reply to send on a provider channel (Telegram, WhatsApp, SMS)."""

    __tablename__ = "outbound_deliveries"
    __table_args__ = (Index("ix_outbound_deliveries_status_next", "status", "next_attempt_at"),)
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    payload = Column(Text, nullable=False)          # the reply (text, buttons) as JSON
    transcript_id = Column(Integer, nullable=True)
    status = Column(String(16), nullable=False, default=QUEUED)
    attempts = Column(Integer, nullable=False, default=0)
    parts_sent = Column(Integer, nullable=False, default=0)  # a long reply resumes after the parts already sent
    claim_token = Column(String(32), nullable=True)
    claimed_at = Column(DateTime, nullable=True)
    next_attempt_at = Column(DateTime, nullable=True)
    last_error = Column(String(500), nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    sent_at = Column(DateTime, nullable=True)


class ReplyButtons(Base):
    """The buttons of a web chat reply, shared by every process serving the widget.

    The transcript stores a reply as plain text; the widget needs its buttons too.
    ``transcript_id`` is null for a pushed reply not yet matched to its transcript row.
    """

    __tablename__ = "reply_buttons"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    transcript_id = Column(Integer, nullable=True, unique=True)
    text = Column(Text, nullable=False)
    rich = Column(Text, nullable=False)             # JSON: {"text": ..., "buttons": [...]}
    created_at = Column(DateTime, nullable=False, default=_now)


class ChannelState(Base):
    """Small per-conversation channel state every replica must see (the numbered options last sent)."""

    __tablename__ = "channel_state"
    conversation_id = Column(String(128), primary_key=True)
    kind = Column(String(32), primary_key=True)
    value = Column(Text, nullable=False)            # JSON
    expires_at = Column(DateTime, nullable=False)


import bot.channels.live  # noqa: E402,F401  (publishes committed changes to other processes)
