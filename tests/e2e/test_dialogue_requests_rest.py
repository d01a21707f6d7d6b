"""Requests that come with the credentials, and the ways a conversation ends, over REST.

Real Rasa and action servers with the trained model. The NLU reads "vorrei pagare a rate,
fattura …, codice fiscale …" as ``inform`` (the credentials outweigh the request): the
debtor is verified and the journey they asked for starts, instead of "How can I help?".
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.ledger.models import Invoice, PromiseToPay
from tests.e2e.live import put_under_check

CREDS_IT = "fattura FT-2026/00611 codice fiscale MRTCHR95P70A944A"
CREDS_EN = "invoice INV-88655, tax code BRNSNE75H17Z116V"
NPS_IT, NPS_EN = "da 0 a 10", "from 0 to 10"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.mark.parametrize("sender,message,verified,next_question", [
    ("rq-plan-it", f"vorrei pagare a rate, {CREDS_IT}", "Chiara Moretti", "importo mensile"),
    ("rq-dispute-it", f"Vorrei contestare la {CREDS_IT}", "Chiara Moretti", "Cosa non va nella fattura"),
    ("rq-promise-it", f"pagherò venerdì, {CREDS_IT}", "Chiara Moretti", "Quanto pensa di pagare"),
    ("rq-dispute-en", f"I want to dispute {CREDS_EN}", "Sean O'Brien", "What's wrong with the invoice"),
])
def test_a_request_with_both_credentials_starts_its_journey(live_servers, sender, message, verified, next_question):
    said = texts(live_servers.rest(sender, message))
    assert verified in said
    assert next_question in said
    assert "Come posso aiutarLa?" not in said and "How can I help" not in said


@pytest.mark.parametrize("sender,question,closing,nps", [
    ("end-pm-it", "come posso pagare?", "no grazie, è tutto", NPS_IT),
    ("end-pm-en", "How can I pay?", "no thanks, that's all", NPS_EN),
])
def test_no_thanks_after_the_payment_methods_brings_the_nps_question(live_servers, sender, question, closing, nps):
    assert "IBAN" in texts(live_servers.rest(sender, question))
    assert nps in texts(live_servers.rest(sender, closing))


def test_no_to_anything_else_twice_ends_with_a_goodbye(live_servers):
    live_servers.rest("end-no-no", "ciao")
    first = texts(live_servers.rest("end-no-no", "no"))
    assert "qualcos'altro" in first
    second = texts(live_servers.rest("end-no-no", "no"))
    assert "qualcos'altro" not in second and "buona giornata" in second


def test_a_plan_option_title_typed_chooses_that_option(live_servers):
    sender = "rq-typed-option"
    for message in ("I'd like to pay in instalments", "INV-88655", "BRNSNE75H17Z116V"):
        live_servers.rest(sender, message)
    options = live_servers.rest(sender, "100 a month")
    titles = [b["title"] for r in options for b in (r.get("buttons") or [])]
    assert titles and titles[0].startswith("3 x ")
    chosen = texts(live_servers.rest(sender, titles[0]))  # typed, not pressed
    assert "plan in 3 instalments" in chosen and "Here are the options" not in chosen



def test_no_to_how_can_i_help_after_the_credentials_asks_the_nps_question_once(live_servers):
    verified = texts(live_servers.rest("end-after-verify", "FT-2026/00733 09315740721"))
    assert "Studio Tecnico Greco" in verified
    closing = texts(live_servers.rest("end-after-verify", "no"))
    assert NPS_IT in closing and "qualcos'altro" not in closing
    live_servers.rest("end-after-verify", "8")
    live_servers.rest("end-after-verify", "tutto chiaro")
    live_servers.rest("end-after-verify", "niente")
    assert NPS_IT not in texts(live_servers.rest("end-after-verify", "no"))  # asked once per session



def test_no_after_credentials_found_in_a_message_not_understood_asks_the_nps_question(live_servers):
    assert "Chiara Moretti" in texts(live_servers.rest("fb-creds-no", "ho già pagtao FT-2026/00611 MRTCHR95P70A944A"))
    assert NPS_IT in texts(live_servers.rest("fb-creds-no", "no grazie"))


def test_a_typed_dispute_reason_title_asks_for_the_details_like_the_button(live_servers):
    for message in ("I want to dispute this invoice", "INV-2026-0042 05628100587"):
        live_servers.rest("rq-typed-reason", message)
    asked = texts(live_servers.rest("rq-typed-reason", "Already cancelled"))
    assert "detail" in asked and "recorded your report" not in asked
    assert "recorded your report" in texts(live_servers.rest("rq-typed-reason", "they cancelled the order in May"))


def test_a_message_not_understood_that_holds_the_credentials_is_verified(live_servers):
    said = texts(live_servers.rest("rq-fallback", "ho pgato la settimana scorsa FT-2026/00388 RMNFNC79D45L219Z"))
    assert "Francesca Romano" in said


@pytest.fixture(scope="module")
def db(live_servers):
    engine = create_engine(live_servers.db_url, future=True)
    yield engine
    engine.dispose()


def _promises(db, number: str) -> int:
    with Session(db) as s:
        return s.execute(select(func.count(PromiseToPay.id)).join(Invoice, Invoice.id == PromiseToPay.invoice_id)
                         .where(Invoice.invoice_number == number)).scalar_one()


def test_that_s_all_at_the_promise_amount_records_no_promise(live_servers, db):
    say = lambda m: texts(live_servers.rest("pr-thats-all", m))  # noqa: E731
    say("pago entro fine mese")
    say("FT-2026/00502")
    assert "Quanto pensa di pagare" in say("RMNFNC79D45L219Z")
    closing = say("no grazie, è tutto")
    assert "registrato il Suo impegno" not in closing
    assert _promises(db, "FT-2026/00502") == 0 and _promises(db, "FT-2026/00388") == 0


# Last in the file: they put every open invoice of Giuseppe Esposito under a payment check.
def test_with_everything_under_check_a_promise_or_a_hardship_plan_ends_with_a_reason(live_servers, db):
    put_under_check(db, "FT-2025/02291")
    promise = lambda m: live_servers.rest("held-promise", m)  # noqa: E731
    promise("pago entro fine mese")
    promise("FT-2025/02291")
    answer = promise("SPSGPP68L22F839P")
    assert "impegno" in texts(answer) and "Quanto pensa di pagare" not in texts(answer), texts(answer)
    assert any(b["payload"] == "/request_human" for r in answer for b in (r.get("buttons") or []))
    assert _promises(db, "FT-2025/02291") == 0
    hard = lambda m: texts(live_servers.rest("held-hardship", m))  # noqa: E731
    hard("ho perso il lavoro, non riesco a pagare")
    hard("Un piano di rate")
    hard("FT-2025/02291")
    verified = hard("SPSGPP68L22F839P")
    assert "dividere in rate" in verified and "importo mensile" not in verified, verified
