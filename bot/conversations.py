"""Where each conversation lives and what was said in it.

Channels record every inbound and outbound message here; the agent console reads the
transcript and pushes replies to the conversation's own channel and address.
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.models import Conversation, TranscriptMessage

MAX_STORED_TEXT = 5000  # longer inbound texts are cut here; channels refuse them politely anyway


def upsert_conversation(
    session: Session, conversation_id: str, channel: str, address: str | None = None,
    language: str | None = None, inbound: bool = True,
) -> Conversation:
    """The conversation row, created on first contact; adds to ``session`` without committing.

    A known address is never overwritten; an inbound message also stamps ``last_inbound_at``.
    """
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        conv = Conversation(conversation_id=conversation_id, channel=channel, address=address)
        try:
            # A debtor's first messages may reach two replicas at once: the one that loses the
            # insert uses the row the other wrote, instead of failing the whole message.
            with session.begin_nested():
                session.add(conv)
                session.flush()
        except IntegrityError:
            conv = session.get(Conversation, conversation_id, populate_existing=True)
            if conv is None:
                raise
    if address and not conv.address:
        conv.address = address
    if language:
        conv.language = language
    if inbound:
        conv.last_inbound_at = datetime.utcnow()
    return conv


def record_message(session: Session, conversation_id: str, sender: str, text: str) -> TranscriptMessage:
    """Add one transcript line (not committed); raises ValueError for an unknown sender."""
    if sender not in {"debtor", "bot", "agent", "system"}:
        raise ValueError(f"unknown sender {sender!r}")
    msg = TranscriptMessage(conversation_id=conversation_id, sender=sender, text=text[:MAX_STORED_TEXT])
    session.add(msg)
    return msg


def transcript(session: Session, conversation_id: str, after_id: int = 0, limit: int = 500) -> Sequence[TranscriptMessage]:
    """Messages after ``after_id`` in the order they were recorded, at most ``limit`` of them."""
    stmt = (
        select(TranscriptMessage)
        .where(TranscriptMessage.conversation_id == conversation_id, TranscriptMessage.id > after_id)
        .order_by(TranscriptMessage.id)
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


def is_paused(session: Session, conversation_id: str) -> bool:
    """True when a person has taken the conversation over and the bot must stay silent; False if unknown."""
    conv = session.get(Conversation, conversation_id)
    return bool(conv and conv.paused)
