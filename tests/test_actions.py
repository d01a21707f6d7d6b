"""The actions against a real (test) database, with hand-built trackers: no Rasa server."""
from datetime import date

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import Fallback, Inform, PaymentMethods
from actions.forms import ValidateBalanceForm, ValidatePlanForm
from actions.journeys import BalanceSubmit
from bot.ledger.demo import load_demo_ledger
from bot.ledger.models import FollowUpTask, VerificationAttempt

DOMAIN = {"forms": {"balance_form": {"required_slots": ["invoice_number", "tax_code"]}}}


def tracker(text: str, slots: dict | None = None, intent: str = "inform", entities=None, metadata=None,
            sender: str = "conv-1", events=None) -> Tracker:
    base = {"language": "it", "welcomed": True, "verified": False, "requested_slot": None}
    message = {"text": text, "intent": {"name": intent}, "entities": entities or [], "metadata": metadata or {}}
    return Tracker(sender, {**base, **(slots or {})}, message, events or [], False, None,
                   {"name": "balance_form"}, "action_listen")


@pytest.fixture()
def demo(app_db, session):
    load_demo_ledger(session, date.today())
    session.commit()


async def run_form(form, track):
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, track, DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, [m.get("text") or "" for m in dispatcher.messages]


async def test_both_factors_in_one_message_verify_and_nothing_leaks_before(demo):
    slots, said = await run_form(ValidateBalanceForm(), tracker("fattura ft-2026/00417 codice fiscale RSSMRA85T10A562S"))
    assert slots["verified"] is True and slots["verified_invoice"] == "FT-2026/00417"
    assert slots["tax_code"] is None  # the tax code is not kept in the conversation
    assert slots["requested_slot"] is None  # nothing left to ask: the pending question is answered next
    assert any("Mario Rossi" in s for s in said)


async def test_wrong_pair_never_says_which_factor_failed(demo, session):
    slots, said = await run_form(ValidateBalanceForm(), tracker("FT-2026/00417 BNCLRA90A41H501F"))
    assert not slots.get("verified") and slots["invoice_number"] is None
    text = " ".join(said).lower()
    assert "1.240" not in text and "codice fiscale errato" not in text and "rossi" not in text
    assert session.query(VerificationAttempt).count() == 1


async def test_signed_link_prefills_the_invoice_and_keeps_it_after_a_failure(demo):
    meta = {"link_invoice": "FT-2026/00417"}
    slots, _ = await run_form(ValidateBalanceForm(), tracker("BNCLRA90A41H501F", metadata=meta,
                                                             slots={"requested_slot": "tax_code"}))
    assert slots["invoice_number"] == "FT-2026/00417" and not slots.get("verified")


async def test_balance_after_verification_lists_open_invoices(demo, session):
    from bot.ledger.models import Debtor
    debtor = session.query(Debtor).filter_by(debtor_ref="D-1006").one()  # two invoices
    dispatcher = CollectingDispatcher()
    await BalanceSubmit().run(dispatcher, tracker("", slots={"verified": True, "debtor_id": debtor.id,
                                                             "verified_invoice": "2026/0931"}), {})
    text = "\n".join(m["text"] for m in dispatcher.messages)
    assert "2026/0931" in text and "2026/1044" in text and "3.410,00" in text


async def test_plan_amount_in_dollars_is_confirmed_in_euros_first(demo, session):
    from bot.ledger.models import Debtor
    debtor = session.query(Debtor).filter_by(debtor_ref="D-2001").one()
    slots, _ = await run_form(ValidatePlanForm(), tracker("I can pay $100 a month", slots={
        "verified": True, "debtor_id": debtor.id, "requested_slot": "monthly_amount", "language": "en"}))
    assert slots["pending_foreign_amount"] == {"amount": "100.00", "currency": "USD", "eur": "92.00"}
    assert "monthly_amount" not in slots


async def test_unaffordable_amount_proposes_no_plan(demo, session):
    from bot.ledger.models import Debtor
    debtor = session.query(Debtor).filter_by(debtor_ref="D-1003").one()  # 7,850 EUR
    slots, _ = await run_form(ValidatePlanForm(), tracker("30 euro al mese", slots={
        "verified": True, "debtor_id": debtor.id, "requested_slot": "monthly_amount"}))
    assert slots["plan_unaffordable"] is True and slots["plan_options"] == []


async def test_payment_methods_before_verification_show_no_amounts(demo):
    dispatcher = CollectingDispatcher()
    await PaymentMethods().run(dispatcher, tracker("come pago?", intent="ask_payment_methods"), {})
    text = dispatcher.messages[0]["text"]
    assert "IT60X0542811101000000123456" in text.replace(" ", "") and "€" not in text


async def test_two_fallbacks_in_a_row_bring_in_a_person(demo, session):
    events = [{"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}},
              {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}]
    dispatcher = CollectingDispatcher()
    result = await Fallback().run(dispatcher, tracker("asdf", intent="nlu_fallback", events=events), {})
    assert any(e.get("name") == "journey" and e.get("value") == "handoff" for e in result)
    from bot.ledger.models import Handoff
    assert session.query(Handoff).one().reason == "fallback"


async def test_callback_button_creates_a_task(demo, session):
    dispatcher = CollectingDispatcher()
    await Inform().run(dispatcher, tracker("", entities=[{"entity": "choice", "value": "callback"}]), {})
    assert session.query(FollowUpTask).filter_by(kind="callback").count() == 1


def test_the_action_server_registers_exactly_the_domain_actions():
    import yaml
    from rasa_sdk.executor import ActionExecutor

    from bot.settings import ROOT

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert set(executor.actions) == set(domain["actions"])
