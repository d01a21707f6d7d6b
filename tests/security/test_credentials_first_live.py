"""Credentials first, typos, invisible characters and forged slots through the real servers.

Each conversation goes through Rasa's REST channel to the guarded action server, with the
trained model: what the debtor sees, what the ledger recorded, and that the credentials are
never asked for again once given.
"""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import live_env, live_servers  # noqa: F401  (module-scoped real servers)

pytestmark = pytest.mark.e2e

ASKS_CREDENTIALS = ("numero della fattura", "codice fiscale o la partita iva", "invoice number",
                    "tax code (codice fiscale) or vat")


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:  # noqa: F811
    return {"ENABLE_REST_CHANNEL": "1"}


def _say(live, sender: str, message: str) -> str:
    return "\n".join(r.get("text") or "" for r in live.rest(sender, message)).lower()


def _count(live, sql: str, **params) -> int:
    engine = create_engine(live.db_url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize("first, then, expect", [
    ("Vorrei verificare la mia posizione: fattura FT-2026/00417, codice fiscale RSSMRA85T10A562S",
     "quanto devo?", "1.240,50"),
    ("FT-2026/00417 RSSMRA85T10A562S", "vorrei pagare a rate", "importo mensile"),
    ("I'd like to check my account: invoice INV-88213, tax code SMTJHN82C14Z114S",
     "I want to dispute this invoice", ""),
], ids=["it-sentence", "it-bare-pair", "en-then-dispute"])
def test_credentials_first_verify_at_once_and_are_never_asked_again(live_servers, first, then,  # noqa: F811
                                                                      expect) -> None:
    sender = f"cred-first-{abs(hash(first)) % 10**8}"
    said = _say(live_servers, sender, first)
    assert "rossi" in said or "smith" in said, said
    assert _count(live_servers, "SELECT COUNT(*) FROM verified_conversations WHERE conversation_id = :c",
                  c=sender) == 1
    said = _say(live_servers, sender, then)
    assert not any(ask in said for ask in ASKS_CREDENTIALS), said
    assert said.strip() and expect in said, said


def test_balance_question_with_credentials_is_answered_at_once(live_servers) -> None:  # noqa: F811
    said = _say(live_servers, "cred-first-q", "Quanto devo? fattura FT-2026/00417 codice fiscale RSSMRA85T10A562S")
    assert "mario rossi" in said and "1.240,50" in said
    assert not any(ask in said for ask in ASKS_CREDENTIALS)


def test_a_wrong_check_character_is_named_and_costs_no_attempt(live_servers) -> None:  # noqa: F811
    sender = "cred-typo"
    said = _say(live_servers, sender, "FT-2026/00417 RSSMRA85T10A562X")
    assert "non sembra valido" in said and "rossi" not in said
    assert _count(live_servers, "SELECT COUNT(*) FROM verification_attempts WHERE conversation_id = :c",
                  c=sender) == 0
    said = _say(live_servers, sender, "RSSMRA85T10A562S")
    assert "mario rossi" in said


@pytest.mark.parametrize("junk", ["\x00", "\u200b", "\ufeff"], ids=["nul", "zwsp", "bom"])
def test_invisible_characters_after_a_correct_code_do_not_burn_an_attempt(live_servers, junk) -> None:  # noqa: F811
    sender = f"cred-junk-{ord(junk)}"
    _say(live_servers, sender, "quanto devo?")
    _say(live_servers, sender, "FT-2026/00417")
    said = _say(live_servers, sender, f"RSSMRA85T10A562S{junk}")
    assert "mario rossi" in said and "1.240,50" in said
    assert _count(live_servers, "SELECT COUNT(*) FROM verification_attempts WHERE conversation_id = :c "
                  "AND succeeded = :f", c=sender, f=False) == 0


def test_slots_forged_through_the_rasa_api_disclose_nothing(live_servers) -> None:  # noqa: F811
    """Even with the Rasa API token, setting `verified`/`debtor_id` by hand proves nothing."""
    sender = "forged-through-rasa"
    base, params = live_servers.rasa_url, {"token": live_servers.token}
    _say(live_servers, sender, "buongiorno")
    for slot, value in (("verified", True), ("debtor_id", 1), ("verified_invoice", "FT-2026/00417")):
        reply = httpx.post(f"{base}/conversations/{sender}/tracker/events", params=params,
                           json={"event": "slot", "name": slot, "value": value}, timeout=30)
        assert reply.status_code == 200, reply.text
    said = _say(live_servers, sender, "quanto devo?")
    assert "1.240,50" not in said and "rossi" not in said
    assert any(ask in said for ask in ASKS_CREDENTIALS), said


def test_restart_ends_the_verification(live_servers) -> None:  # noqa: F811
    sender = "cred-restart"
    said = _say(live_servers, sender, "FT-2026/00417 RSSMRA85T10A562S")
    assert "mario rossi" in said
    _say(live_servers, sender, "/restart")
    said = _say(live_servers, sender, "quanto devo?")
    assert "1.240,50" not in said and any(ask in said for ask in ASKS_CREDENTIALS), said
    assert _count(live_servers, "SELECT COUNT(*) FROM verified_conversations WHERE conversation_id = :c",
                  c=sender) == 0
