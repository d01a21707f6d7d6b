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


def verify_for(session, debtor, sender: str = "conv-1") -> None:
    """Record the server-side verification that the actions require (slots alone prove nothing)."""
    from datetime import datetime

    from bot.security.verified import record_verified
    from bot.security import identity

    record_verified(session, conversation_id=sender, debtor_id=debtor.id, now=datetime.utcnow(),
                    invoice_id=debtor.invoices[0].id)
    session.commit()
    # An action run earlier in this test remembered "not verified" for the call (as the action
    # server does per request); the next action must read the record again.
    identity._CURRENT.set(None)


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
    verify_for(session, debtor)
    dispatcher = CollectingDispatcher()
    await BalanceSubmit().run(dispatcher, tracker("", slots={"verified": True, "debtor_id": debtor.id,
                                                             "verified_invoice": "2026/0931"}), {})
    text = "\n".join(m["text"] for m in dispatcher.messages)
    assert "2026/0931" in text and "2026/1044" in text and "3.410,00" in text


async def test_plan_amount_in_dollars_is_confirmed_in_euros_first(demo, session):
    from bot.ledger.models import Debtor
    debtor = session.query(Debtor).filter_by(debtor_ref="D-2001").one()
    verify_for(session, debtor)
    slots, _ = await run_form(ValidatePlanForm(), tracker("I can pay $100 a month", slots={
        "verified": True, "debtor_id": debtor.id, "requested_slot": "monthly_amount", "language": "en"}))
    assert slots["pending_foreign_amount"] == {"amount": "100.00", "currency": "USD", "eur": "92.00"}
    assert "monthly_amount" not in slots


async def test_unaffordable_amount_proposes_no_plan(demo, session):
    from bot.ledger.models import Debtor
    debtor = session.query(Debtor).filter_by(debtor_ref="D-1003").one()  # 7,850 EUR
    verify_for(session, debtor)
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


# --- conversation edges -------------------------------------------------------------------

def _said(dispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


async def test_two_messages_in_one_turn_carry_one_welcome():
    from actions.asks import AskInvoiceNumber
    dispatcher = CollectingDispatcher()
    await AskInvoiceNumber().run(dispatcher, tracker("quanto devo pagare?", intent="ask_balance",
                                                     slots={"welcomed": False}), {})
    text = _said(dispatcher)
    assert text.count("assistente virtuale") == 1 and text.count("?") == 1, text


async def test_greeting_again_in_the_same_session_is_not_a_welcome_back():
    from actions.conversation import Greet
    dispatcher = CollectingDispatcher()
    await Greet().run(dispatcher, tracker("salve", intent="greet"), {})
    assert "risentir" not in _said(dispatcher).lower()
    returning = [{"event": "session_started"}, {"event": "user", "text": "ciao"}, {"event": "session_started"}]
    dispatcher = CollectingDispatcher()
    await Greet().run(dispatcher, tracker("salve", intent="greet", slots={"welcomed": False}, events=returning), {})
    assert "piacere di risentirLa" in _said(dispatcher)


async def test_hardship_offer_comes_before_verification_and_the_pause_is_kept(demo, session):
    from actions.conversation import AcknowledgeDifficulty
    from actions.journeys import PlanSubmit
    from bot.ledger.models import Debtor
    dispatcher = CollectingDispatcher()
    events = await AcknowledgeDifficulty().run(
        dispatcher, tracker("ho perso il lavoro, non ce la faccio a pagare", intent="payment_difficulty"), {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["hardship_offer"] is True and len(dispatcher.messages) == 1  # no question yet
    asked, _ = await run_form(ValidatePlanForm(), tracker("", slots={"hardship_offer": True}))
    assert asked["requested_slot"] == "difficulty_choice"
    chose, _ = await run_form(ValidatePlanForm(), tracker("la pausa, grazie", slots={
        "hardship_offer": True, "requested_slot": "difficulty_choice"}))
    assert chose["difficulty_choice"] == "pause" and chose["requested_slot"] == "invoice_number"
    debtor = session.query(Debtor).filter_by(debtor_ref="D-1001").one()
    verify_for(session, debtor)
    verified = {"hardship_offer": True, "difficulty_choice": "pause", "verified": True, "debtor_id": debtor.id,
                "verified_invoice": "FT-2026/00417", "requested_slot": "tax_code", "vulnerable": True}
    after, _ = await run_form(ValidatePlanForm(), tracker("", slots=verified))
    assert after["requested_slot"] is None  # no monthly amount asked after a pause
    dispatcher = CollectingDispatcher()
    result = await PlanSubmit().run(dispatcher, tracker("", slots=verified), {})
    done = {e["name"]: e["value"] for e in result if e.get("event") == "slot"}
    assert (done["journey"], done["outcome"]) == ("difficulty", "payment_pause")
    assert "pausa" in _said(dispatcher).lower()
    assert session.query(FollowUpTask).filter_by(kind="hardship", debtor_id=debtor.id).count() == 1


async def test_non_answers_rephrase_then_offer_a_person_and_a_way_out():
    from actions.asks import AskMonthlyAmount
    from actions.conversation import OutOfScope
    base = {"requested_slot": "monthly_amount", "verified": True}
    events = [{"event": "user", "text": "boh"}]
    dispatcher = CollectingDispatcher()
    first = await OutOfScope().run(dispatcher, _in_plan_form(tracker("boh", intent="out_of_scope", slots=base,
                                                                     events=events)), {})
    missed = next(e["value"] for e in first if e.get("name") == "misunderstood")
    assert missed["count"] == 1 and "importo" in _said(dispatcher)
    assert not dispatcher.messages[0]["buttons"]
    # the form's own question is not repeated in the same turn
    ask = CollectingDispatcher()
    await AskMonthlyAmount().run(ask, tracker("boh", slots={**base, "misunderstood": missed}, events=events), {})
    assert ask.messages == []
    events2 = events + [{"event": "user", "text": "non lo so"}]
    dispatcher = CollectingDispatcher()
    await OutOfScope().run(dispatcher, _in_plan_form(tracker("non lo so", intent="out_of_scope", events=events2,
                                                             slots={**base, "misunderstood": missed})), {})
    payloads = [b["payload"] for b in dispatcher.messages[-1]["buttons"]]
    assert payloads == ["/request_human", "/goodbye"]
    assert _said(dispatcher) != "" and "importo" not in _said(dispatcher).split(".")[0]
    # a real digression at the next turn still gets the question again
    ask = CollectingDispatcher()
    later = events2 + [{"event": "user", "text": "che tempo fa?"}]
    await AskMonthlyAmount().run(ask, tracker("che tempo fa?", slots={**base, "misunderstood": missed},
                                              events=later), {})
    assert len(ask.messages) == 1


def _in_plan_form(track: Tracker) -> Tracker:
    track.active_loop = {"name": "plan_form"}
    return track


async def test_dispute_reason_category_from_a_button_or_from_words(demo, session):
    from actions.forms import ValidateDisputeForm
    from actions.journeys import DisputeSubmit
    from bot.ledger.models import Debtor, Dispute
    debtor = session.query(Debtor).filter_by(debtor_ref="D-1001").one()
    verify_for(session, debtor)
    verified = {"verified": True, "debtor_id": debtor.id, "verified_invoice": "FT-2026/00417"}
    asked, _ = await run_form(ValidateDisputeForm(), tracker("voglio contestare la fattura", intent="dispute",
                                                             slots=verified))
    assert asked["requested_slot"] == "dispute_category"
    button, _ = await run_form(ValidateDisputeForm(), tracker("/inform", entities=[
        {"entity": "choice", "value": "amount_wrong"}], slots={**verified, "requested_slot": "dispute_category"}))
    assert button["dispute_category"] == "amount_wrong" and button["requested_slot"] == "dispute_reason"
    typed, _ = await run_form(ValidateDisputeForm(), tracker("la merce non è mai arrivata", slots={
        **verified, "requested_slot": "dispute_category"}))
    assert typed["dispute_category"] == "not_received" and typed["requested_slot"] is None
    assert typed["dispute_reason"] == "la merce non è mai arrivata"
    dispatcher = CollectingDispatcher()
    await DisputeSubmit().run(dispatcher, tracker("", slots={**verified, **typed}), {})
    dispute = session.query(Dispute).one()
    assert (dispute.category, dispute.reason) == ("not_received", "la merce non è mai arrivata")
    assert f"CT-{date.today().year}-{dispute.id:06d}" in _said(dispatcher)


async def test_pause_chosen_outside_a_form_opens_verification_and_keeps_the_choice(demo, session):
    dispatcher = CollectingDispatcher()
    events = await Inform().run(dispatcher, tracker("", entities=[{"entity": "choice", "value": "pause"}]), {})
    assert {"event": "followup", "name": "plan_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["difficulty_choice"] == "pause" and slots["hardship_offer"] is False
    assert session.query(FollowUpTask).count() == 0  # nothing recorded before verification


def test_every_action_name_is_written_out_and_declared_in_the_domain():
    """`grep action_plan_submit actions/` must find the class: no computed action names."""
    import inspect
    from pathlib import Path

    import yaml
    from rasa_sdk import Action

    import actions  # noqa: F401  (imports every module, so every action class exists)

    root = Path(__file__).resolve().parent.parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in (root / "actions").glob("*.py"))
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    declared = set(domain.get("actions") or [])

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = {cls().name() for cls in subclasses(Action)
             if not inspect.isabstract(cls) and cls.__module__.startswith("actions.")}
    assert names and all(f'"{name}"' in source for name in names), sorted(n for n in names if f'"{n}"' not in source)
    assert names <= declared | {n for n in names if n.startswith("validate_")}, sorted(names - declared)
