"""Assisted verification through the real console server: same rules, audit as the agent, slots set."""
from __future__ import annotations

import json

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import select

from bot.agentdesk import assist
from bot.handoff.service import HandoffError
from bot.ledger.db import session_scope
from bot.ledger.models import AuditLog, Conversation, Handoff, TranscriptMessage, VerificationAttempt
from bot.security.verified import VerifiedConversation
from tests.handoff.desk_support import CF_MARIO, INVOICE, agent_client, held_conversation, ledger, post

JSON = {"Accept": "application/json"}
ROOT_DOMAIN = "domain.yml"


@pytest.fixture()
def tracked(console):
    """The stub agent gets a real Rasa tracker store with the project's domain."""
    console.agent.tracker_store = InMemoryTrackerStore(Domain.load(ROOT_DOMAIN))
    return console


def _audit(action_prefix: str) -> list[AuditLog]:
    with session_scope() as session:
        return list(session.execute(select(AuditLog).where(AuditLog.action.like(action_prefix + "%"))).scalars())


def test_agent_verifies_and_the_conversation_unlocks(tracked):
    debtor_id = ledger()
    client = agent_client(tracked.url)
    hid = held_conversation(said=f"la fattura è {INVOICE} e il mio codice fiscale {CF_MARIO.lower()}")

    page = client.get(f"/h/{hid}/verify")
    assert page.status_code == 200
    assert f'value="{INVOICE}"' in page.text and f'value="{CF_MARIO}"' in page.text  # found for confirmation
    before = client.get(f"/h/{hid}").text
    assert 'id="desk-verify"' in before and "Cliente non verificato" in before  # linked; actions locked

    answer = post(client, f"/h/{hid}/verify", {"invoice": INVOICE.lower(), "tax_code": CF_MARIO}, headers=JSON)
    assert answer.json()["ok"] is True and answer.json()["slots"] is True

    with session_scope() as session:
        record = session.get(VerifiedConversation, "tg-1")
        assert (record.debtor_id, record.verified_by) == (debtor_id, "agent:giulia")
        summary = json.loads(session.get(Handoff, hid).summary)
        assert summary["verified"] is True and summary["debtor_id"] == debtor_id
        assert summary["balance"] == "1240.50"
        assert session.get(Conversation, "tg-1") is None or session.get(Conversation, "tg-1").debtor_id == debtor_id
        attempts = session.execute(select(VerificationAttempt)).scalars().all()
        assert [(a.succeeded, a.client_key) for a in attempts] == [(True, "agent:giulia")]
        notes = session.execute(select(TranscriptMessage.text).where(TranscriptMessage.sender == "system")).scalars()
        assert any("identity verified" in n for n in notes)
    assert [a.actor for a in _audit("verification.assisted.verified")] == ["agent:giulia"]
    assert [a.actor for a in _audit("verification.recorded")] == ["agent:giulia"]

    tracker = tracked.call(tracked.agent.tracker_store.retrieve("tg-1"))
    assert tracker.get_slot("verified") is True
    assert tracker.get_slot("debtor_id") == debtor_id
    assert tracker.get_slot("verified_invoice") == INVOICE
    assert tracked.agent.lock_store.locked == ["tg-1"]  # under the conversation lock

    conversation = client.get(f"/h/{hid}").text
    assert "Cliente non verificato" not in conversation  # account actions unlocked
    assert 'id="desk-verify"' not in conversation


def test_a_wrong_pair_fails_without_saying_which_and_counts_towards_the_lock(tracked):
    ledger()
    client = agent_client(tracked.url)
    hid = held_conversation()
    for _ in range(2):
        answer = post(client, f"/h/{hid}/verify", {"invoice": INVOICE, "tax_code": "VRDGPP80A01H501U"}, headers=JSON)
        assert answer.json()["code"] == "failed"
    third = post(client, f"/h/{hid}/verify", {"invoice": "NOPE-1", "tax_code": CF_MARIO}, headers=JSON)
    assert third.json()["code"] == "locked"  # third failure in the conversation: same lock as the bot's
    # Even the right pair is refused while locked, and nothing was recorded.
    right = post(client, f"/h/{hid}/verify", {"invoice": INVOICE, "tax_code": CF_MARIO}, headers=JSON)
    assert right.json()["code"] == "locked"
    with session_scope() as session:
        assert session.get(VerifiedConversation, "tg-1") is None
        assert not json.loads(session.get(Handoff, hid).summary).get("verified")
    assert tracked.call(tracked.agent.tracker_store.retrieve("tg-1")) is None  # the tracker was never touched
    plain = post(client, f"/h/{hid}/verify", {"invoice": INVOICE, "tax_code": CF_MARIO})
    assert plain.status_code == 302 and plain.headers["location"].endswith("verify?r=locked")
    assert "Troppi tentativi" in client.get(plain.headers["location"].split("/console", 1)[1]).text


def test_only_the_agent_holding_the_conversation_may_verify(tracked):
    ledger()
    agent_client(tracked.url)
    other = agent_client(tracked.url, "marco", "Marco")
    hid = held_conversation()
    answer = post(other, f"/h/{hid}/verify", {"invoice": INVOICE, "tax_code": CF_MARIO}, headers=JSON)
    assert answer.status_code == 409 and answer.json()["code"] == "other_agent"
    with session_scope() as session:
        assert session.execute(select(VerificationAttempt)).first() is None  # not even counted


def test_forged_requests_are_refused(tracked):
    ledger()
    client = agent_client(tracked.url)
    hid = held_conversation()
    no_csrf = client.post(f"/h/{hid}/verify", data={"invoice": INVOICE, "tax_code": CF_MARIO})
    assert no_csrf.status_code == 403
    empty = post(client, f"/h/{hid}/verify", {"invoice": " ", "tax_code": CF_MARIO}, headers=JSON)
    assert empty.status_code == 400 and empty.json()["code"] == "empty"
    with session_scope() as session:
        assert session.get(VerifiedConversation, "tg-1") is None


def test_assisted_verify_needs_an_assigned_conversation(handoff_env):
    from datetime import datetime
    from tests.handoff.conftest import add_agent, queue

    ledger()
    add_agent()
    hid = queue("tg-2")
    with pytest.raises(HandoffError) as err:
        assist.assisted_verify(hid, "giulia", INVOICE, CF_MARIO, datetime.utcnow())
    assert err.value.code == "not_assigned"
