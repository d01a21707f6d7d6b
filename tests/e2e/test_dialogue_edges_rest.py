"""The conversation's edges over REST against the real servers and the trained model.

The servers run with support hours on two weekdays that are not today, so every
escalation here happens "after hours" and the hours line is checked in full.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.ledger.models import Dispute, FollowUpTask, Invoice
from bot.settings import ROOT
from tests.e2e.live import put_under_check

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IT_DAYS = ("lun", "mar", "mer", "gio", "ven", "sab", "dom")
TODAY = datetime.now(ZoneInfo("Europe/Rome")).weekday()
OPEN_DAYS = [(TODAY + 2) % 7, (TODAY + 3) % 7]  # never today, never tomorrow (a test across midnight)
AMOUNT_WORDS = ("1.240,50", "1240", "€", "640,00", "640.00")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in (r.get("buttons") or [])]


def questions(replies: list[dict]) -> int:
    return texts(replies).count("?")


@pytest.fixture(scope="module")
def live_env(tmp_path_factory) -> dict[str, str]:
    data = yaml.safe_load((ROOT / "creditor.yml").read_text(encoding="utf-8"))
    data["support_hours"] = {DAYS[d]: "09:00-18:00" for d in OPEN_DAYS}
    path = tmp_path_factory.mktemp("creditor") / "creditor.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return {"CREDITOR_FILE": str(path)}


@pytest.fixture(scope="module")
def db(live_servers):
    engine = create_engine(live_servers.db_url, future=True)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("sender,first", [
    ("w-it-1", "salve, vorrei pagare a rate"), ("w-it-2", "quanto devo pagare?"),
    ("w-it-3", "Buongiorno, quanto devo?"), ("w-en-1", "Hi, how much do I owe?"),
])
def test_a_first_message_with_a_request_gets_one_welcome_and_one_question(live_servers, sender, first):
    replies = live_servers.rest(sender, first)
    welcome = "virtual assistant" if sender.startswith("w-en") else "assistente virtuale"
    assert texts(replies).lower().count(welcome) == 1, texts(replies)
    assert questions(replies) == 1, texts(replies)
    assert "risentir" not in texts(replies).lower() and "again" not in texts(replies).lower()
    again = live_servers.rest(sender, "salve" if "it" in sender else "hello")
    assert welcome not in texts(again).lower() and "risentir" not in texts(again).lower()


def test_after_hours_no_thanks_closes_with_the_nps_question(live_servers):
    say = lambda m: live_servers.rest("cb-it-1", m)  # noqa: E731
    offer = say("è inaccettabile, mi avete chiamato cinque volte oggi")
    hours = f"{IT_DAYS[OPEN_DAYS[0]]}–{IT_DAYS[OPEN_DAYS[1]]} 9:00–18:00, ora italiana"
    assert hours in texts(offer), texts(offer)
    assert {b["payload"] for b in buttons(offer)} >= {'/inform{"choice":"callback"}', '/inform{"choice":"continue"}'}
    closing = say("no grazie")
    assert "0 a 10" in texts(closing) and len(buttons(closing)) == 11, texts(closing)
    assert "qualcos'altro" not in texts(closing)


def test_after_hours_callback_typed_in_words(live_servers, db):
    say = lambda m: live_servers.rest("cb-en-1", m)  # noqa: E731
    offer = say("I want to speak to a person")
    assert "Italian time" in texts(offer)
    assert "call you back" in texts(say("call me back please")).lower()
    with Session(db) as s:
        assert s.execute(select(FollowUpTask).where(FollowUpTask.conversation_id == "cb-en-1",
                                                    FollowUpTask.kind == "callback")).scalars().first()
    assert "0 to 10" in texts(say("no thanks"))


def test_hardship_offer_first_then_verification_then_the_pause_not_a_plan(live_servers, db):
    say = lambda m: live_servers.rest("hs-it-1", m)  # noqa: E731
    offer = say("ho perso il lavoro, non ce la faccio a pagare")
    said = texts(offer)
    assert questions(offer) == 1 and "fattura" not in said.lower(), said
    assert not any(w in said for w in AMOUNT_WORDS)
    payloads = [b["payload"] for b in offer[-1]["buttons"]]  # the offer's buttons are on the last message
    assert payloads == ["/request_human", '/inform{"choice":"pause"}', '/inform{"choice":"plan"}']
    asked = say(payloads[1])
    assert "fattura" in texts(asked).lower() and questions(asked) == 1
    assert "codice fiscale" in texts(say("FT-2026/00417")).lower()
    done = texts(say("RSSMRA85T10A562S"))
    assert "pausa" in done.lower() and "mensil" not in done.lower(), done
    with Session(db) as s:
        invoice = s.execute(select(Invoice).where(Invoice.invoice_number == "FT-2026/00417")).scalars().one()
        assert invoice.collection_hold == "pause"
        assert s.execute(select(FollowUpTask).where(FollowUpTask.conversation_id == "hs-it-1",
                                                    FollowUpTask.kind == "hardship")).scalars().first()
    assert "0 a 10" in texts(say("no grazie"))


def test_hardship_plan_chosen_in_words_goes_on_to_the_monthly_amount(live_servers):
    say = lambda m: live_servers.rest("hs-en-1", m)  # noqa: E731
    offer = say("I lost my job and I can't pay")
    assert questions(offer) == 1 and "invoice number" not in texts(offer).lower()
    assert "invoice number" in texts(say("a repayment plan please")).lower()
    say("INV-88213")
    verified = texts(say("SMTJHN82C14Z114S"))
    assert "Thank you, John Smith" in verified and "month" in verified.lower(), verified


def test_hardship_offer_answered_with_the_invoice_number_goes_on_to_verification(live_servers):
    say = lambda m: live_servers.rest("hs-it-2", m)  # noqa: E731
    say("non riesco a pagare, ho perso il lavoro")
    asked = say("FT-2026/00417")  # no button pressed: the number itself says "let's go on"
    assert "codice fiscale" in texts(asked).lower() and "non ho capito" not in texts(asked).lower(), texts(asked)
    verified = texts(say("RSSMRA85T10A562S"))
    assert "Mario Rossi" in verified and "mensile" in verified.lower(), verified


def test_a_plan_request_when_everything_open_is_under_check_asks_no_amount(live_servers, db):
    put_under_check(db, "INV-88655")  # e.g. an "I already paid" check on Sean's only invoice
    say = lambda m: live_servers.rest("plan-held-1", m)  # noqa: E731
    say("I'd like to pay in instalments")
    say("INV-88655")
    answer = say("BRNSNE75H17Z116V")
    said = texts(answer)
    assert "under review" in said and "monthly amount" not in said.lower(), said
    assert any(b["payload"] == "/request_human" for b in buttons(answer))
    assert "0 to 10" in texts(say("no thanks"))


def test_non_answers_are_rephrased_then_a_person_and_a_way_out_are_offered(live_servers):
    say = lambda m: live_servers.rest("cf-it-1", m)  # noqa: E731
    say("vorrei pagare a rate")
    say("FT-2026/00417")
    question = texts(say("RSSMRA85T10A562S"))
    assert "mensile" in question
    first = say("boh")
    assert texts(first) and texts(first) not in question and questions(first) == 1, texts(first)
    second = say("non lo so")
    assert [b["payload"] for b in second[-1]["buttons"]] == ["/request_human", "/goodbye"], texts(second)
    assert texts(second) != texts(first) and questions(second) <= 1
    third = say("boh")
    assert texts(third) != texts(second)
    options = say("100 euro al mese")
    assert 2 <= len(buttons(options)) <= 3, texts(options)


def test_dispute_asks_the_reason_with_categories_and_gives_a_readable_reference(live_servers, db):
    say = lambda m: live_servers.rest("dp-en-1", m)  # noqa: E731
    say("I want to dispute an invoice")
    say("INV-88213")
    asked = say("SMTJHN82C14Z114S")
    payloads = [b["payload"] for b in asked[-1]["buttons"]]
    assert payloads == [f'/inform{{"choice":"{c}"}}' for c in
                        ("not_mine", "amount_wrong", "not_received", "cancelled", "other")], texts(asked)
    detail = say('/inform{"choice":"amount_wrong"}')
    assert questions(detail) == 1
    recorded = texts(say("you charged me twice for the same month"))
    reference = re.search(r"CT-\d{4}-\d{6}", recorded)
    assert reference, recorded
    assert re.search(r"by \w+ \d{1,2} \w+ \d{4}|by \d{1,2} \w+ \d{4}|by \w+ \d{1,2}, \d{4}", recorded), recorded
    with Session(db) as s:
        dispute = s.execute(select(Dispute).where(Dispute.conversation_id == "dp-en-1")).scalars().one()
        assert (dispute.category, dispute.reason) == ("amount_wrong", "you charged me twice for the same month")
        assert reference.group(0).endswith(f"{dispute.id:06d}")
        assert dispute.respond_by > (datetime.now() + timedelta(days=9)).date()


def test_dispute_reason_typed_in_words_names_the_category(live_servers, db):
    say = lambda m: live_servers.rest("dp-it-1", m)  # noqa: E731
    say("vorrei contestare una fattura")
    say("FT-2026/00417")
    say("RSSMRA85T10A562S")
    recorded = texts(say("questa fattura non è mia, non ho mai ordinato niente"))
    assert re.search(r"CT-\d{4}-\d{6}", recorded), recorded
    with Session(db) as s:
        dispute = s.execute(select(Dispute).where(Dispute.conversation_id == "dp-it-1")).scalars().one()
        assert dispute.category == "not_mine" and "non ho mai ordinato" in dispute.reason


def test_credentials_alone_are_answered_in_the_language_of_the_ledger_once_verified(live_servers):
    """Codes carry no language: once they prove who writes, the ledger's language is used for the whole turn."""
    replies = live_servers.rest("lang-en-1", "INV-88213 SMTJHN82C14Z114S")
    assert "your identity is confirmed" in texts(replies) and "virtual assistant" in texts(replies), texts(replies)
    assert "ho verificato" not in texts(replies) and "assistente" not in texts(replies), texts(replies)
    # A wrong pair proves nothing, so nothing of the ledger is used: the default language stays.
    wrong = live_servers.rest("lang-en-3", "INV-88213 RSSMRA85T10A562S")
    assert "assistente virtuale" in texts(wrong) and "virtual assistant" not in texts(wrong), texts(wrong)
    after = live_servers.rest("lang-en-1", "ok")
    assert "Posso" not in texts(after), texts(after)
    # An Italian word before the codes is the debtor's choice, whatever the ledger says.
    replies = live_servers.rest("lang-en-2", "buongiorno, INV-88407 CLRMLY88S42Z114R")
    assert "ho verificato la Sua identità" in texts(replies), texts(replies)
