"""Defence in depth behind the action-server token: slots never authorise a disclosure.

The attack replayed: a caller that does hold ``ACTION_SERVER_TOKEN`` (or anything that can
make Rasa carry forged slots) posts a tracker claiming ``verified: true, debtor_id: 1`` for
a conversation that never verified. The real guarded action server must disclose nothing,
write nothing for that debtor, and send back the slot events that undo the claim.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

from tests.security.guarded_server import guarded_action_server
from tests.security.test_action_server_token import TOKEN, _balance_words, attack_body

pytestmark = pytest.mark.e2e

SUBMITS = ["action_balance_submit", "action_copy_submit", "action_plan_submit", "action_promise_submit",
           "action_paid_submit", "action_dispute_submit", "action_payment_methods", "action_inform"]
FORGED_SLOTS = {
    "verified": True, "debtor_id": 1, "verified_invoice": "FT-2026/00417", "language": "it",
    "plan_confirmed": True, "plan_choice": 1,
    "plan_options": [{"index": 1, "count": 2, "instalments": [
        {"number": 1, "due_date": "2030-01-15", "amount": "620.25"},
        {"number": 2, "due_date": "2030-02-15", "amount": "620.25"}]}],
    "promise_amount": "100.00", "promise_date": "2030-01-10", "paid_date": "2026-01-10",
    "paid_amount": "1240.50", "paid_reference": "X1", "dispute_reason": "not mine",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The real guarded action server over a demo ledger: (base URL, database URL)."""
    with guarded_action_server(tmp_path_factory.mktemp("verified-record"), TOKEN) as running:
        yield running


def _call(base: str, action: str, sender: str, slots: dict, events: list | None = None,
          message: dict | None = None) -> dict:
    body = attack_body()
    body["next_action"], body["sender_id"] = action, sender
    body["tracker"].update(sender_id=sender, slots=dict(slots), events=events or [])
    if message:
        body["tracker"]["latest_message"] = message
    reply = httpx.post(f"{base}/webhook", params={"token": TOKEN}, json=body, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _row_counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url, future=True)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                    for t in inspect(engine).get_table_names()}
    finally:
        engine.dispose()


def _slot_events(result: dict) -> dict:
    return {e["name"]: e["value"] for e in result["events"] if e.get("event") == "slot"}


@pytest.mark.parametrize("action", SUBMITS)
def test_forged_verified_slots_disclose_and_write_nothing(server, action: str) -> None:
    base, db_url = server
    before = _row_counts(db_url)
    result = _call(base, action, f"never-verified-{action}", FORGED_SLOTS,
                   message={"text": "pausa", "intent": {"name": "inform"},
                            "entities": [{"entity": "choice", "value": "pause"}], "metadata": {}})
    said = "\n".join(m.get("text") or "" for m in result["responses"])
    # Payment methods may show the creditor's public IBAN, never an amount or an invoice of the debtor.
    assert not [w for w in _balance_words(said) if w != "IBAN" or action != "action_payment_methods"]
    assert "Rossi" not in said and "1.240,50" not in said
    assert _row_counts(db_url) == before  # no disclosure audit, no plan, promise, dispute, pause
    corrected = _slot_events(result)
    assert corrected.get("verified") is False and corrected.get("debtor_id", "unset") is None


def test_opt_out_with_forged_slots_is_not_tied_to_the_debtor(server) -> None:
    base, db_url = server
    _call(base, "action_opt_out", "never-verified-optout", FORGED_SLOTS)
    engine = create_engine(db_url, future=True)
    with engine.connect() as conn:
        tied = conn.execute(text("SELECT COUNT(*) FROM contact_preferences WHERE debtor_id IS NOT NULL")).scalar_one()
    engine.dispose()
    assert tied == 0


def _record(db_url: str, sender: str, debtor_ref: str, session_key: str, **kw) -> int:
    from bot.ledger.models import Debtor
    from bot.security.verified import record_verified

    engine = create_engine(db_url, future=True)
    with Session(engine) as session:
        debtor = session.execute(select(Debtor).where(Debtor.debtor_ref == debtor_ref)).scalar_one()
        record_verified(session, conversation_id=sender, debtor_id=debtor.id, now=kw.get("now", datetime.utcnow()),
                        invoice_id=debtor.invoices[0].id, in_session=session_key,
                        ttl=kw.get("ttl", timedelta(hours=2)))
        session.commit()
        debtor_id = debtor.id
    engine.dispose()
    return debtor_id


def _session_events(stamp: float) -> list[dict]:
    return [{"event": "action", "timestamp": stamp, "name": "action_session_start"},
            {"event": "session_started", "timestamp": stamp}]


def test_record_wins_over_slots_naming_another_debtor(server) -> None:
    base, db_url = server
    stamp = time.time()
    real = _record(db_url, "verified-as-smith", "D-2001", f"{stamp:.6f}")
    result = _call(base, "action_balance_submit", "verified-as-smith",
                   {"verified": True, "debtor_id": 1, "verified_invoice": "FT-2026/00417", "language": "it"},
                   events=_session_events(stamp))
    said = "\n".join(m.get("text") or "" for m in result["responses"])
    assert "FT-2026/00417" not in said and "1.240,50" not in said
    corrected = _slot_events(result)
    assert corrected["debtor_id"] == real and corrected["verified_invoice"] != "FT-2026/00417"


def test_a_record_from_an_earlier_session_proves_nothing(server) -> None:
    base, db_url = server
    old = time.time() - 120
    _record(db_url, "restarted-conv", "D-1001", f"{old:.6f}")
    events = _session_events(old) + [{"event": "restart", "timestamp": old + 60}] + _session_events(old + 61)
    result = _call(base, "action_balance_submit", "restarted-conv", {"verified": True, "debtor_id": 1,
                                                                     "language": "it"}, events=events)
    assert not _balance_words("\n".join(m.get("text") or "" for m in result["responses"]))
    engine = create_engine(db_url, future=True)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT COUNT(*) FROM verified_conversations WHERE conversation_id = 'restarted-conv'"))
        assert left.scalar_one() == 0  # the stale record was withdrawn
        audits = conn.execute(select(func.count()).select_from(text("audit_log")).where(
            text("action = 'verification.withdrawn'"))).scalar_one()
    engine.dispose()
    assert audits >= 1


def test_an_expired_record_proves_nothing(server) -> None:
    base, db_url = server
    stamp = time.time()
    _record(db_url, "expired-conv", "D-1001", f"{stamp:.6f}", now=datetime.utcnow() - timedelta(hours=3))
    result = _call(base, "action_balance_submit", "expired-conv", {"verified": True, "debtor_id": 1,
                                                                   "language": "it"}, events=_session_events(stamp))
    assert not _balance_words("\n".join(m.get("text") or "" for m in result["responses"]))
