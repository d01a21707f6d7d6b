"""Debtor search and profile: found by name, invoice, phone, tax code; everything on one page; audited."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.agentdesk.profile import conversation_ids, profile_url, search
from bot.dialogue import records
from bot.ledger.db import session_scope
from bot.ledger.models import (
    AuditLog, ContactPreference, Conversation, Dispute, Handoff, NpsResponse, ReconciliationCase,
)
from bot.security.verified import record_verified
from tests.factories import CF_MARIO, add_debtor, add_invoice, add_payment
from tests.handoff.desk_support import agent_client

TODAY = date(2026, 12, 3)


def world() -> tuple[int, int]:
    """Mario (two channels, a plan, a promise, a dispute, a claim, an opt-out, an NPS answer) and Anna."""
    with session_scope() as session:
        mario = add_debtor(session)
        anna = add_debtor(session, ref="D2", tax_code="VRDGPP80A01H501U", name="Anna Verdi", phone="+39 02 555 1234",
                          language="en")
        inv = add_invoice(session, mario, number="FT-2026/00417", amount="1240.50")
        add_invoice(session, anna, number="INV-77", amount="99.00")
        add_payment(session, inv, "240.50", date(2026, 11, 2), reference="CRO 555")
        session.add(Conversation(conversation_id="tg-1", channel="telegram", debtor_id=mario.id,
                                 created_at=datetime(2026, 11, 1, 8, 30)))
        session.add(Conversation(conversation_id="wa-1", channel="whatsapp", created_at=datetime(2026, 11, 20, 9)))
        record_verified(session, conversation_id="wa-1", debtor_id=mario.id, now=datetime(2026, 11, 20, 9))
        session.add(Handoff(conversation_id="tg-1", channel="telegram", reason="hardship", status="closed",
                            outcome="plan", assigned_to="giulia", created_at=datetime(2026, 11, 1, 9)))
        session.add(Dispute(invoice_id=inv.id, reason="importo errato", respond_by=date(2026, 12, 10)))
        session.add(ReconciliationCase(invoice_id=inv.id, claimed_amount=Decimal("50.00"),
                                       claimed_reference="BONIFICO-9"))
        session.add(ContactPreference(debtor_id=mario.id, channel="sms", address="+393331234567"))
        session.add(NpsResponse(debtor_id=mario.id, conversation_id="tg-1", channel="telegram", journey="plan",
                                outcome="plan", language="it", score=9, reason="gentilissimi"))
        ids = (int(mario.id), int(anna.id))
    records.record_plan(debtor_id=ids[0], instalments=[(1, date(2027, 1, 4), Decimal("500.00")),
                                                       (2, date(2027, 2, 4), Decimal("500.00"))],
                        conversation_id="tg-1", channel="telegram")
    records.record_promise(debtor_id=ids[0], invoice_id=None, amount=Decimal("80.00"),
                           promised_date=TODAY + timedelta(days=7), conversation_id="tg-1", channel="telegram",
                           today=TODAY)
    records.record_callback_request(debtor_id=ids[0], conversation_id="tg-1", today=TODAY)
    return ids


def test_search_finds_by_each_key(handoff_env):
    mario, anna = world()
    with session_scope() as session:
        assert [(h.id, h.matched) for h in search(session, CF_MARIO.lower())] == [(mario, "tax_code")]
        assert [(h.id, h.matched) for h in search(session, "ft-2026/ 00417")] == [(mario, "invoice")]
        assert [(h.id, h.matched) for h in search(session, "02 5551234")] == [(anna, "phone")]
        assert [(h.id, h.matched) for h in search(session, "+39 333 123 4567")] == [(mario, "phone")]
        assert [h.id for h in search(session, "verdi")] == [anna]
        assert [h.id for h in search(session, "d2")] == [anna]
        assert search(session, "%%") == [] and search(session, "__") == [] and search(session, "%a_") == []  # wildcards are not a way to list all
        assert search(session, "nessuno") == []
        assert conversation_ids(session, mario) == ["tg-1", "wa-1"]  # by channel record and by verification


def test_profile_page_shows_everything_and_is_audited(console):
    mario, _ = world()
    client = agent_client(console.url)
    found = client.get("/debtors", params={"q": "Rossi"})
    assert f'href="{profile_url(mario)}"' in found.text
    page = client.get(f"/debtors/{mario}")
    assert page.status_code == 200
    text = page.text
    for expected in ("Mario Rossi", "Telegram", "WhatsApp", "FT-2026/00417", "1.240,50 €", "240,50 €", "CRO 555",
                     "1.000,00 €", "4 gen 2027", "80,00 €", "importo errato", "BONIFICO-9", "SMS", "gentilissimi",
                     "Richiamata", "Piano di rientro", "difficoltà economica"):
        assert expected in text, expected
    assert "1.000,00 €" in text and "1000.00" not in text  # babel money, never the raw Decimal
    assert "1 nov 2026, 09:30" in text  # 08:30 UTC in Europe/Rome
    assert "hardship" not in text  # labels, not codes
    assert 'href="/webhooks/console/h/1"' in text  # the earlier handoff and its outcome
    with session_scope() as session:
        views = session.execute(select(AuditLog).where(AuditLog.action == "console.profile_view")).scalars().all()
        assert [(v.actor, v.entity_id) for v in views] == [("agent:giulia", str(mario))]
        searches = session.execute(select(AuditLog).where(AuditLog.action == "console.debtor_search")).scalars()
        assert all("Rossi" not in (s.details or "") for s in searches)  # the query itself is not kept


def test_profile_in_english_and_unknown_debtor(console):
    mario, _ = world()
    client = agent_client(console.url, "kate", "Kate", lang="en")
    text = client.get(f"/debtors/{mario}").text
    assert "€1,240.50" in text and "Repayment plans" in text and "4 Jan 2027" in text
    assert client.get("/debtors/999999").status_code == 404
    assert client.get("/debtors/abc").status_code == 404
    assert client.get("/debtors", params={"q": "<script>x</script>"}).text.count("<script>x") == 0


def test_profile_needs_a_login(console):
    import httpx

    mario, _ = world()
    anonymous = httpx.get(f"{console.url}/debtors/{mario}", follow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["location"].endswith("/login")
    with session_scope() as session:
        assert session.execute(select(AuditLog).where(AuditLog.action == "console.profile_view")).first() is None
