"""Small readers of what the channels wrote to the database."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.ledger.db import session_factory
from bot.ledger.models import ContactPreference, TranscriptMessage


def transcript_of(engine: Engine, conversation_id: str) -> list[tuple[str, str]]:
    with session_factory(engine)() as session:
        rows = session.execute(select(TranscriptMessage).where(TranscriptMessage.conversation_id == conversation_id)
                               .order_by(TranscriptMessage.id)).scalars().all()
        return [(r.sender, r.text) for r in rows]


def opted_out(engine: Engine, channel: str, address: str) -> bool | None:
    with session_factory(engine)() as session:
        pref = session.execute(select(ContactPreference).where(
            ContactPreference.channel == channel, ContactPreference.address == address)).scalar_one_or_none()
        return None if pref is None else bool(pref.opted_out)
