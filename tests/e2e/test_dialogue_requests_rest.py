"""Requests that come with the credentials, and the ways a conversation ends, over REST.

Real Rasa and action servers with the trained model. The NLU reads "vorrei pagare a rate,
fattura …, codice fiscale …" as ``inform`` (the credentials outweigh the request): the
debtor is verified and the journey they asked for starts, instead of "How can I help?".
"""
from __future__ import annotations

import pytest

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
