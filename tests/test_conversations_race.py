"""Two replicas creating the same conversation row at once: the loser uses the winner's row."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversations import record_message, upsert_conversation
from bot.ledger.db import session_factory
from bot.ledger.models import Conversation, TranscriptMessage


def test_a_conversation_created_meanwhile_by_another_replica_is_used_not_an_error(engine, monkeypatch):
    make = session_factory(engine)
    original_get = Session.get
    calls = {"n": 0}

    def get_after_the_other_replica_wrote(self, entity, ident, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # our read finds nothing; the other replica commits right after it
            with make() as other:
                upsert_conversation(other, ident, "rest", inbound=True)
                record_message(other, ident, "debtor", "ciao 0")
                other.commit()
            return None
        return original_get(self, entity, ident, **kwargs)

    monkeypatch.setattr(Session, "get", get_after_the_other_replica_wrote)
    with make() as session:
        conv = upsert_conversation(session, "burst-1", "rest", inbound=True)
        record_message(session, "burst-1", "debtor", "ciao 1")
        session.commit()
        assert conv.conversation_id == "burst-1"
    monkeypatch.setattr(Session, "get", original_get)
    with make() as check:
        assert check.execute(select(func.count()).select_from(Conversation)).scalar_one() == 1
        texts = sorted(check.execute(select(TranscriptMessage.text)).scalars())
        assert texts == ["ciao 0", "ciao 1"]  # neither message lost
