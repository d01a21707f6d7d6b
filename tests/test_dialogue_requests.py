"""The request found beside the credentials in a message the NLU read as ``inform``."""
from __future__ import annotations

import pytest

from bot.dialogue.requests import requested_journey

CREDS_IT = "fattura FT-2026/00417 codice fiscale RSSMRA85T10A562S"
CREDS_EN = "invoice INV-88213 tax code SMTJHN82C14Z114S"


@pytest.mark.parametrize("text, intent", [
    (f"vorrei pagare a rate, {CREDS_IT}", "request_plan"),
    (f"Si può rateizzare? {CREDS_IT}", "request_plan"),
    (f"I'd like a payment plan, {CREDS_EN}", "request_plan"),
    (f"Vorrei contestare la {CREDS_IT}", "dispute"),
    (f"questa fattura non è mia, {CREDS_IT}", "dispute"),
    (f"I want to dispute {CREDS_EN}", "dispute"),
    (f"ho già pagato la {CREDS_IT}", "already_paid"),
    (f"I already paid {CREDS_EN}", "already_paid"),
    (f"pagherò venerdì, {CREDS_IT}", "promise_to_pay"),
    (f"I'll pay next week, {CREDS_EN}", "promise_to_pay"),
    (f"posso pagare venerdì prossimo {CREDS_IT}", "promise_to_pay"),
    (f"I can pay on the 15th, {CREDS_EN}", "promise_to_pay"),
    (f"posso pagare a rate? {CREDS_IT}", "request_plan"),
    (f"mi mandate una copia? {CREDS_IT}", "request_invoice_copy"),
    (f"ho perso il lavoro e non ce la faccio, {CREDS_IT}", "payment_difficulty"),
    (f"ho già pagato, perché mi chiedete le rate? {CREDS_IT}", "already_paid"),  # the claim wins
])
def test_the_request_beside_the_credentials_is_found(text: str, intent: str) -> None:
    assert requested_journey(text) == intent


@pytest.mark.parametrize("text", [
    "FT-2026/00417 RSSMRA85T10A562S",
    f"Vorrei verificare la mia posizione: {CREDS_IT}",
    f"Buongiorno, {CREDS_IT}",
    f"Hello, {CREDS_EN}",
    "",
])
def test_credentials_alone_ask_for_nothing(text: str) -> None:
    assert requested_journey(text) is None
