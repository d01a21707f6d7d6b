"""The verifying form against a real (test) database: typos cost nothing, invisible characters neither."""
from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateBalanceForm
from bot.ledger.demo import load_demo_ledger
from bot.ledger.models import VerificationAttempt
from bot.security.verified import VerifiedConversation

DOMAIN = {"forms": {"balance_form": {"required_slots": ["invoice_number", "tax_code"]}}}


def _tracker(text: str, slots: dict | None = None, sender: str = "form-1") -> Tracker:
    base = {"language": "it", "welcomed": True, "verified": False, "requested_slot": None}
    message = {"text": text, "intent": {"name": "inform"}, "entities": [], "metadata": {}}
    return Tracker(sender, {**base, **(slots or {})}, message, [], False, None, {"name": "balance_form"},
                   "action_listen")


async def _run(text: str, **kw) -> tuple[dict, str]:
    dispatcher = CollectingDispatcher()
    events = await ValidateBalanceForm().run(dispatcher, _tracker(text, **kw), DOMAIN)
    return ({e["name"]: e["value"] for e in events if e.get("event") == "slot"},
            "\n".join(m.get("text") or "" for m in dispatcher.messages))


@pytest.fixture()
def demo(app_db, session):
    load_demo_ledger(session, date.today())
    session.commit()


@pytest.mark.parametrize("text, said", [
    ("FT-2026/00417 RSSMRA85T10A562X", "non sembra valido"),
    ("fattura FT-2026/00417 partita iva 12345678901", "non sembra valida"),
])
async def test_a_wrong_check_character_is_said_and_spends_no_attempt(demo, session, text, said) -> None:
    slots, text_said = await _run(text)
    assert said in text_said and "non conta come tentativo" in text_said
    assert not slots.get("verified") and slots.get("invoice_number") == "FT-2026/00417"
    assert session.query(VerificationAttempt).count() == 0
    # The debtor retypes it right: verified at once, one attempt (the successful one) recorded.
    slots, text_said = await _run("RSSMRA85T10A562S", slots={"invoice_number": "FT-2026/00417",
                                                             "requested_slot": "tax_code"})
    assert slots["verified"] is True and "Mario Rossi" in text_said
    assert session.query(VerificationAttempt).count() == 1


async def test_a_wrong_check_character_at_the_tax_code_question_keeps_the_invoice(demo, session) -> None:
    slots, text_said = await _run("12345678901", slots={"invoice_number": "FT-2026/00417",
                                                         "requested_slot": "tax_code"})
    assert "non sembra valida" in text_said
    assert "invoice_number" not in slots or slots["invoice_number"] == "FT-2026/00417"
    assert session.query(VerificationAttempt).count() == 0


@pytest.mark.parametrize("junk", ["\x00", "\u200b", "\ufeff", "\u200d\x07", "\x1b[0m"])
async def test_invisible_characters_after_a_correct_code_do_not_burn_an_attempt(demo, session, junk) -> None:
    slots, text_said = await _run(f"FT-2026/00417 RSSMRA85T10A562S{junk}", sender=f"junk-{ord(junk[0])}")
    assert slots["verified"] is True, text_said
    assert session.query(VerificationAttempt).filter_by(succeeded=False).count() == 0


async def test_a_successful_pair_is_recorded_for_the_conversation(demo, session) -> None:
    slots, _ = await _run("fattura FT-2026/00417 codice fiscale RSSMRA85T10A562S", sender="recorded-1")
    assert slots["verified"] is True
    row = session.get(VerifiedConversation, "recorded-1")
    assert row is not None and row.debtor_id == slots["debtor_id"]


async def _credentials(text: str, sender: str, slots: dict | None = None, entities=None) -> tuple[dict, str]:
    from actions.verifying_form import VerifyCredentials

    dispatcher = CollectingDispatcher()
    track = _tracker(text, slots=slots, sender=sender)
    track.latest_message["entities"] = entities or []
    track.active_loop = {}
    events = await VerifyCredentials().run(dispatcher, track, {})
    return ({e["name"]: e["value"] for e in events if e.get("event") == "slot"},
            "\n".join(m.get("text") or "" for m in dispatcher.messages))


@pytest.mark.parametrize("text", [
    "Vorrei verificare la mia posizione: fattura FT-2026/00417, codice fiscale RSSMRA85T10A562S",
    "FT-2026/00417 RSSMRA85T10A562S",
])
async def test_credentials_first_verify_at_once(demo, session, text) -> None:
    slots, said = await _credentials(text, sender=f"first-{len(text)}")
    assert slots["verified"] is True and "Mario Rossi" in said
    assert "Come posso aiutarLa?" in said and "1.240,50" not in said  # no question was asked yet
    assert session.get(VerifiedConversation, f"first-{len(text)}") is not None


async def test_credentials_with_a_balance_question_get_the_balance(demo) -> None:
    slots, said = await _credentials("Quanto devo? fattura FT-2026/00417 codice fiscale RSSMRA85T10A562S", "q-1")
    assert slots["verified"] is True and slots["journey"] == "balance" and slots["journey_done"] is True
    assert "1.240,50" in said


async def test_one_factor_first_is_kept_for_the_next_message(demo) -> None:
    slots, said = await _credentials("la fattura è FT-2026/00417", "one-1")
    assert slots == {"invoice_number": "FT-2026/00417"} and "codice fiscale" in said
    slots, said = await _credentials("RSSMRA85T10A562S", "one-1", slots={"invoice_number": "FT-2026/00417"})
    assert slots["verified"] is True


async def test_credentials_first_with_a_wrong_pair_reveal_nothing(demo, session) -> None:
    slots, said = await _credentials("FT-2026/00417 BNCLRA90A41H501F", "wrong-1")
    assert not slots.get("verified") and "Rossi" not in said and "non corrispondono" in said
    assert session.get(VerifiedConversation, "wrong-1") is None


async def test_credentials_first_with_a_typo_spend_no_attempt(demo, session) -> None:
    slots, said = await _credentials("FT-2026/00417 RSSMRA85T10A562X", "typo-1",
                                     entities=[{"entity": "invoice_number", "value": "RSSMRA85T10A562X"}])
    assert "non sembra valido" in said and slots.get("invoice_number") == "FT-2026/00417"
    assert session.query(VerificationAttempt).count() == 0
