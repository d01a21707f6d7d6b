"""Whole conversations over REST against the real servers and the trained model."""
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.ledger.models import Dispute, Handoff, Invoice, NpsResponse, PaymentPlan

AMOUNT_WORDS = ("1.240,50", "1240", "€", "640,00", "640.00")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in (r.get("buttons") or [])]


@pytest.fixture(scope="module")
def db(live_servers):
    engine = create_engine(live_servers.db_url, future=True)
    yield engine
    engine.dispose()


def test_italian_hardship_to_plan_to_nps(live_servers, db):
    say = lambda m: live_servers.rest("it-plan-1", m)  # noqa: E731
    first = say("Buongiorno")
    assert "assistente virtuale" in texts(first).lower()
    assert any(b["payload"] == "/request_human" for b in buttons(first))

    offer = say("non riesco a pagare, ho perso il lavoro")
    hardship = texts(offer)
    assert not any(w in hardship for w in AMOUNT_WORDS), "nothing about the debt before verification"
    # a job loss: a person, a pause or a plan is offered first, verification comes after the choice
    assert '/inform{"choice":"plan"}' in [b["payload"] for b in buttons(offer)]
    assert "fattura" in texts(say('/inform{"choice":"plan"}')).lower()

    asked_code = texts(say("FT-2026/00417"))
    assert "codice fiscale" in asked_code.lower() and "1.240" not in asked_code

    verified = texts(say("RSSMRA85T10A562S"))
    assert "mensil" in verified.lower() and "Rossi" in verified

    options = say("150 euro al mese")
    choices = buttons(options)
    assert 2 <= len(choices) <= 3, texts(options)
    schedule = say(choices[0]["payload"])
    assert any(b["payload"] == "/affirm" for b in buttons(schedule))

    recorded = texts(say("sì, confermo"))
    assert "IT60X0542811101000000123456" in recorded.replace(" ", "")
    with Session(db) as s:
        plan = s.execute(select(PaymentPlan)).scalars().one()
        assert plan.total == Decimal("1240.50") and plan.status == "active"
        assert all(i.amount <= Decimal("150.00") for i in plan.instalments)
        assert sum(i.amount for i in plan.instalments) == Decimal("1240.50")

    nps = say("no grazie, è tutto")
    assert "0 a 10" in texts(nps) and len(buttons(nps)) == 11
    assert "ragione" in texts(say("8")).lower()
    assert "perfett" in texts(say("chiaro e gentile")).lower()
    say("niente, va bene così")
    with Session(db) as s:
        response = s.execute(select(NpsResponse)).scalars().one()
        assert (response.score, response.language, response.journey, response.outcome) == (8, "it", "plan", "plan_created")
        assert response.reason == "chiaro e gentile"


def test_english_dispute_with_both_factors_in_one_message(live_servers, db):
    say = lambda m: live_servers.rest("en-dispute-1", m)  # noqa: E731
    assert "virtual assistant" in texts(say("Hello")).lower()
    asked = texts(say("I want to dispute this invoice, the goods never arrived"))
    assert "invoice number" in asked.lower() and "640" not in asked
    recorded = texts(say("INV-88213 SMTJHN82C14Z114S"))
    assert "640" not in recorded or "dispute" in recorded.lower()
    with Session(db) as s:
        dispute = s.execute(select(Dispute)).scalars().one()
        assert "goods never arrived" in dispute.reason
        assert s.get(Invoice, dispute.invoice_id).collection_hold == "dispute"
    nps = say("no thanks, that's all")
    assert "0 to 10" in texts(nps)
    assert "reason" in texts(say("9")).lower()
    say("quick and clear")
    with Session(db) as s:
        rows = s.execute(select(NpsResponse).where(NpsResponse.language == "en")).scalars().all()
        assert [(r.score, r.journey, r.improvement) for r in rows] == [(9, "dispute", None)]


def test_three_wrong_pairs_lock_and_offer_a_person(live_servers):
    say = lambda m: live_servers.rest("it-lock-1", m)  # noqa: E731
    say("quanto devo pagare?")
    replies = []
    for _ in range(3):
        say("2026/1187")
        replies.append(say("RSSMRA85T10A562S"))  # a valid code, but not this invoice's
    final = texts(replies[-1])
    assert "30" in final and any(b["payload"] == "/request_human" for b in buttons(replies[-1]))
    assert "389" not in final and "Bianchi" not in final
    # Even the right pair is refused while locked.
    say("2026/1187")
    assert "389" not in texts(say("BNCLRA90A41H501F"))


def test_hostile_input_gets_polite_replies(live_servers):
    for i, message in enumerate(["x" * 5000, "'; DROP TABLE invoices;--", "🙂🙂🙂", "/restart"]):
        replies = live_servers.rest(f"junk-{i}", message)
        assert isinstance(replies, list)
    assert live_servers.rest("junk-after", "Buongiorno")


def test_asking_for_an_operator_queues_a_handoff(live_servers, db):
    replies = live_servers.rest("it-human-1", "voglio parlare con un operatore")
    assert texts(replies)
    with Session(db) as s:
        handoff = s.execute(select(Handoff).where(Handoff.conversation_id == "it-human-1")).scalars().one()
        assert handoff.status == "queued" and handoff.reason == "request_human"
