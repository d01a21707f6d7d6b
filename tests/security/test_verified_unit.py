"""The server-side verification record: expiry, sessions, and the record winning over slots."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ledger.demo import load_demo_ledger
from bot.ledger.models import Debtor
from bot.security.identity import slot_corrections
from bot.security.verified import (
    Identity, VerifiedConversation, record_verified, session_key, verified_identity,
)

NOW = datetime(2026, 3, 2, 10, 0)


@pytest.fixture()
def rossi(app_db, session) -> Debtor:
    load_demo_ledger(session, date(2026, 3, 2))
    session.commit()
    return session.query(Debtor).filter_by(debtor_ref="D-1001").one()


def test_session_key_is_the_latest_session_start() -> None:
    events = [{"event": "session_started", "timestamp": 10.5}, {"event": "user", "timestamp": 11},
              {"event": "restart", "timestamp": 12}, {"event": "session_started", "timestamp": 12.25}]
    assert session_key(events) == "12.250000"
    assert session_key([]) == "" and session_key(None) == ""


def test_record_holds_until_it_expires(session, rossi) -> None:
    record_verified(session, conversation_id="c1", debtor_id=rossi.id, now=NOW, invoice_id=rossi.invoices[0].id,
                    ttl=timedelta(minutes=30), in_session="1.000000")
    assert verified_identity(session, "c1", NOW + timedelta(minutes=29), "1.000000") == \
        Identity(rossi.id, "FT-2026/00417")
    assert verified_identity(session, "c1", NOW + timedelta(minutes=30), "1.000000") is None
    assert session.get(VerifiedConversation, "c1") is None  # withdrawn, not just ignored


def test_record_of_an_earlier_session_is_withdrawn(session, rossi) -> None:
    record_verified(session, conversation_id="c2", debtor_id=rossi.id, now=NOW, in_session="1.000000")
    assert verified_identity(session, "c2", NOW, "2.000000") is None
    assert verified_identity(session, "c2", NOW, "1.000000") is None  # gone for good


def test_unknown_conversation_is_not_verified(session, rossi) -> None:
    assert verified_identity(session, "never", NOW, "") is None


def test_slots_claiming_a_verification_without_a_record_are_undone() -> None:
    fixes = slot_corrections({"verified": True, "debtor_id": 1, "verified_invoice": "FT-2026/00417"}, None)
    assert fixes == {"verified": False, "debtor_id": None, "verified_invoice": None}


def test_slots_naming_another_debtor_follow_the_record() -> None:
    fixes = slot_corrections({"verified": True, "debtor_id": "7", "verified_invoice": "X"}, Identity(3, "INV-1"))
    assert fixes == {"debtor_id": 3, "verified_invoice": "INV-1"}


def test_slots_lagging_behind_the_record_are_set() -> None:
    assert slot_corrections({"verified": False}, Identity(3, "INV-1")) == \
        {"verified": True, "debtor_id": 3, "verified_invoice": "INV-1"}


@given(slots=st.dictionaries(st.sampled_from(["verified", "debtor_id", "verified_invoice", "language"]),
                             st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5))),
       record=st.one_of(st.none(), st.builds(Identity, st.integers(1, 5), st.text(min_size=1, max_size=5))))
def test_after_correction_slots_always_agree_with_the_record(slots: dict, record: Identity | None) -> None:
    corrected = {**slots, **slot_corrections(slots, record)}
    assert bool(corrected.get("verified")) == (record is not None)
    assert corrected.get("debtor_id") == (record.debtor_id if record else None)
    assert slot_corrections(corrected, record) == {}


def test_check_pair_records_the_verification(app_db, session, rossi) -> None:
    from bot.dialogue.identity import check_pair

    outcome = check_pair("c3", "ft-2026/00417", "RSSMRA85T10A562S", NOW, "rest:c3", "rest", "5.000000")
    assert outcome.status == "verified"
    session.expire_all()
    row = session.get(VerifiedConversation, "c3")
    assert row.debtor_id == rossi.id and row.channel == "rest" and row.session_key == "5.000000"


def test_failed_pair_records_nothing(app_db, session, rossi) -> None:
    from bot.dialogue.identity import check_pair

    assert check_pair("c4", "FT-2026/00417", "BNCLRA90A41H501F", NOW, None, "rest", "").status == "failed"
    assert session.get(VerifiedConversation, "c4") is None
