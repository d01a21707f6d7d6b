"""KPIs on a hand-made ledger whose answers are worked out by hand, and the dashboard page."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bot.kpi.dashboard import render_dashboard
from bot.kpi.metrics import compute_kpis
from bot.ledger.models import (
    ContactPreference, Conversation, Dispute, Handoff, NpsResponse, PaymentPlan, PlanInstalment, PromiseToPay,
    ReconciliationCase,
)
from tests.factories import add_debtor, add_invoice, add_payment

D = date


def _ledger(session):
    a = add_debtor(session, "A", name="Anna Verdi", language="it")
    b = add_debtor(session, "B", tax_code="VRDNNA80A41H501X", name="Bob Smith", language="en", phone="+447700900123")
    c = add_debtor(session, "C", tax_code="BNCLCU70C10F205Y", name="Luca Bianchi", language="it", phone=None)
    a1 = add_invoice(session, a, "A-1", "1000.00", due=D(2026, 3, 31), issued=D(2026, 3, 1))
    add_invoice(session, a, "A-2", "999.00", due=D(2026, 7, 31), issued=D(2026, 7, 1))   # not yet due
    b1 = add_invoice(session, b, "B-1", "500.00", due=D(2026, 5, 31), issued=D(2026, 5, 1))
    c1 = add_invoice(session, c, "C-1", "250.00", due=D(2026, 6, 15), issued=D(2026, 5, 15))
    add_payment(session, a1, "200.00", D(2026, 3, 30), "on time")
    add_payment(session, a1, "300.00", D(2026, 4, 10), "late 10")
    add_payment(session, a1, "100.00", D(2026, 5, 1), "late 31")
    add_payment(session, b1, "500.00", D(2026, 6, 20), "late 20")
    session.add_all([
        PromiseToPay(debtor_id=a.id, invoice_id=a1.id, amount=Decimal("100.00"), promised_date=D(2026, 5, 5),
                     channel="whatsapp", created_at=datetime(2026, 4, 20, 9)),
        PromiseToPay(debtor_id=b.id, invoice_id=b1.id, amount=Decimal("600.00"), promised_date=D(2026, 6, 10),
                     channel="webchat", created_at=datetime(2026, 6, 1, 9)),
        PromiseToPay(debtor_id=c.id, invoice_id=None, amount=Decimal("50.00"), promised_date=D(2026, 7, 10),
                     channel="sms", created_at=datetime(2026, 6, 25, 9)),
    ])
    plans = [
        (b.id, "500.00", "active", datetime(2026, 6, 1), [("250.00", D(2026, 6, 5)), ("250.00", D(2026, 7, 5))]),
        (c.id, "250.00", "active", datetime(2026, 5, 1), [("125.00", D(2026, 5, 10)), ("125.00", D(2026, 6, 10))]),
        (a.id, "300.00", "active", datetime(2026, 6, 15), [("100.00", D(2026, 6, 25)), ("100.00", D(2026, 7, 25)),
                                                           ("100.00", D(2026, 8, 25))]),
        (a.id, "400.00", "cancelled", datetime(2026, 5, 2), [("400.00", D(2026, 5, 20))]),
    ]
    for debtor_id, total, status, created, instalments in plans:
        plan = PaymentPlan(debtor_id=debtor_id, total=Decimal(total), instalment_count=len(instalments),
                           status=status, channel="webchat", created_at=created)
        session.add(plan)
        session.flush()
        session.add_all([PlanInstalment(plan_id=plan.id, number=i + 1, amount=Decimal(amt), due_date=due)
                         for i, (amt, due) in enumerate(instalments)])
    session.add_all([
        Conversation(conversation_id="cA", channel="whatsapp", language="it", debtor_id=a.id,
                     created_at=datetime(2026, 4, 20, 9)),
        Conversation(conversation_id="cB", channel="webchat", language="en", debtor_id=b.id,
                     created_at=datetime(2026, 6, 1, 9)),
        Conversation(conversation_id="cB2", channel="webchat", language="en", debtor_id=b.id,
                     created_at=datetime(2026, 6, 2, 9)),
        Handoff(conversation_id="cB2", channel="webchat", reason="request_human", language="en", status="closed",
                created_at=datetime(2026, 6, 2, 10, 0), taken_at=datetime(2026, 6, 2, 10, 12)),
        Handoff(conversation_id="cA", channel="whatsapp", reason="complain", language="it", status="expired",
                created_at=datetime(2026, 4, 20, 9, 30)),
        Dispute(invoice_id=b1.id, reason="wrong amount", conversation_id="cB", created_at=datetime(2026, 6, 1, 9)),
        ReconciliationCase(invoice_id=c1.id, status="open", created_at=datetime(2026, 6, 20, 9)),
        ContactPreference(debtor_id=a.id, channel="whatsapp", address="+393331234567", opted_out=True,
                          updated_at=datetime(2026, 6, 1, 9)),
        NpsResponse(debtor_id=a.id, channel="whatsapp", journey="promise", outcome="promise_recorded", language="it",
                    score=10, created_at=datetime(2026, 4, 20, 9, 10)),
        NpsResponse(debtor_id=b.id, channel="webchat", journey="dispute", outcome="dispute_recorded", language="en",
                    score=3, created_at=datetime(2026, 6, 1, 9, 10)),
        NpsResponse(debtor_id=b.id, channel="webchat", journey="balance", outcome="informed", language="en",
                    score=8, created_at=datetime(2026, 6, 2, 9, 10)),
    ])
    session.flush()


@pytest.fixture()
def kpis(session):
    _ledger(session)
    return compute_kpis(session, until=D(2026, 6, 30))


def test_recovery_and_days_to_pay(kpis):
    r = kpis["recovery"]
    assert r["overdue_balance"] == Decimal("1550.00")   # 800 (A-1 after on-time 200) + 500 + 250
    assert r["recovered"] == Decimal("900.00")          # 300 + 100 + 500
    assert isinstance(r["recovered"], Decimal)
    assert r["recovered_pct"] == 58.1
    assert r["avg_days_to_pay"] == 20.3                 # (10 + 31 + 20) / 3
    assert r["late_payments"] == 3


def test_recovery_within_a_window(session):
    _ledger(session)
    r = compute_kpis(session, since=D(2026, 5, 1), until=D(2026, 6, 30))["recovery"]
    # A-1 was already overdue on 1 May with 500 left; 100 came in; B-1 and C-1 fell due inside.
    assert (r["overdue_balance"], r["recovered"], r["recovered_pct"]) == (Decimal("1250.00"), Decimal("600.00"), 48.0)
    assert r["avg_days_to_pay"] == 25.5


def test_promises(kpis):
    p = kpis["promises"]
    assert (p["made"], p["kept"], p["broken"], p["pending"]) == (3, 1, 1, 1)
    assert p["kept_pct"] == 50.0 and p["amount_promised"] == Decimal("750.00")


def test_plans(kpis):
    p = kpis["plans"]
    assert (p["created"], p["completed"], p["defaulted"], p["on_track"], p["cancelled"]) == (4, 1, 1, 1, 1)


def test_conversations_handoffs_cases_opt_outs(kpis):
    assert kpis["conversations"] == {"total": 3, "contained": 1, "containment_pct": 33.3}
    h = kpis["handoffs"]
    assert (h["total"], h["taken"], h["unanswered"], h["wait_avg_min"]) == (2, 1, 1, 12.0)
    assert h["by_reason"] == {"request_human": 1, "complain": 1}
    assert kpis["disputes"]["opened"] == 1 and kpis["reconciliation"]["opened"] == 1
    assert kpis["opt_outs"] == {"total": 1, "by_channel": {"whatsapp": 1}}


def test_nps_trend(kpis):
    assert kpis["nps"]["overall"]["nps"] == 0.0
    assert kpis["nps"]["trend"] == [{"month": "2026-04", "n": 1, "nps": 100.0}, {"month": "2026-06", "n": 2, "nps": -50.0}]


def test_by_channel_and_language(kpis):
    ch = {r["key"]: r for r in kpis["by_channel"]}
    assert ch["whatsapp"]["recovered"] == Decimal("400.00") and ch["webchat"]["recovered"] == Decimal("500.00")
    assert ch["none"]["recovered"] == Decimal("0.00") and ch["none"]["reconciliation"] == 1  # debtor C never talked
    assert ch["webchat"]["conversations"] == 2 and ch["webchat"]["containment_pct"] == 50.0
    assert ch["webchat"]["disputes"] == 1 and ch["whatsapp"]["opt_outs"] == 1
    assert ch["whatsapp"]["nps"] == 100.0 and ch["webchat"]["nps"] == -50.0
    lang = {r["key"]: r for r in kpis["by_language"]}
    assert lang["en"]["promises_made"] == 1 and lang["it"]["promises_made"] == 2
    assert lang["it"]["overdue"] == Decimal("1050.00")


def test_window_excludes_earlier_activity(session):
    _ledger(session)
    k = compute_kpis(session, since=D(2026, 6, 1), until=D(2026, 6, 30))
    assert k["promises"]["made"] == 2 and k["conversations"]["total"] == 2 and k["handoffs"]["total"] == 1
    with pytest.raises(ValueError):
        compute_kpis(session, since=D(2026, 7, 1), until=D(2026, 6, 1))


def test_explicit_promise_status_wins(session):
    _ledger(session)
    promise = session.query(PromiseToPay).filter_by(channel="webchat").one()
    promise.status = "kept"
    session.flush()
    assert compute_kpis(session, until=D(2026, 6, 30))["promises"]["kept"] == 2


def test_empty_database(session):
    k = compute_kpis(session, until=D(2026, 6, 30))
    assert k["recovery"]["recovered_pct"] is None and k["conversations"]["containment_pct"] is None
    assert k["by_channel"] == [] and k["nps"]["trend"] == []
    assert "<svg" in render_dashboard(session, since=None, until=None) or "—" in render_dashboard(session, since=None, until=None)


@pytest.mark.parametrize("lang,words", [("it", ("Cruscotto", "Per canale", "1.550,00 €")),
                                        ("en", ("Collection dashboard", "By channel", "€1,550.00"))])
def test_dashboard_page(session, lang, words):
    _ledger(session)
    session.add(Conversation(conversation_id="cEvil", channel="<script>", language="it",
                             created_at=datetime(2026, 6, 3)))
    session.flush()
    html = render_dashboard(session, since=None, until=D(2026, 6, 30), lang=lang)
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") >= 6
    for word in words:
        assert word in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "src=" not in html and "<link" not in html  # self-contained: no external assets


def test_console_dashboard_shows_the_nps_themes_by_name(session):
    from bot.kpi.dashboard import render_dashboard_body

    complaints = ["Il link di pagamento dava sempre errore", "the payment link failed at checkout",
                  "il pagamento con carta non funzionava", "card payment page failed twice"]
    for i in range(12):
        session.add(NpsResponse(channel="webchat", journey="balance", outcome="informed", language="it",
                                score=2, reason=complaints[i % 4], created_at=datetime(2026, 6, 1 + i)))
    session.flush()
    body = render_dashboard_body(session, since=None, until=None, lang="it")
    assert 'id="nps-themes"' in body and "Link e metodi di pagamento: errori e blocchi" in body
    assert "Cosa genera detrattori" in body
    english = render_dashboard_body(session, since=None, until=None, lang="en")
    assert "Payment link and methods: errors and failures" in english
    # A new answer is in the next view: the cache is keyed on the answers, not only on time.
    for text in ("operatore gentilissimo e competente", "the agent was very kind"):
        session.add(NpsResponse(channel="webchat", journey="balance", outcome="informed", language="it", score=10,
                                reason=text, created_at=datetime(2026, 6, 20)))
    session.flush()
    assert "Operatori" in render_dashboard_body(session, since=None, until=None, lang="it")
