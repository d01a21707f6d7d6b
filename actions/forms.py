"""Form validation for each journey: extraction and checks live in bot.dialogue."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.turn import Turn
from actions.verifying_form import SlotForm, VerifyingForm
from bot.creditor import get_creditor
from bot.dialogue import choices, extract
from bot.dialogue.money import to_euro
from bot.dialogue.views import balance_view, known_keys, payable_amount, plan_options

Slots = Dict[Text, Any]
PLAN_RESET = {"plan_choice": None, "plan_confirmed": None, "plan_options": None, "plan_unaffordable": False}


def _requested(tracker: Tracker) -> Any:
    return tracker.get_slot("requested_slot")


async def _payable(turn: Turn) -> Decimal:
    view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "balance_for_form")
    return view.payable


class ValidateBalanceForm(VerifyingForm):
    action_name = "validate_balance_form"


class ValidateCopyForm(VerifyingForm):
    action_name = "validate_copy_form"


class ValidatePlanForm(VerifyingForm):
    action_name = "validate_plan_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        # A hard moment is answered first with the person/pause/plan offer; verification
        # comes once the debtor has chosen, and the choice is kept for after it.
        offer = ["difficulty_choice"] if tracker.get_slot("hardship_offer") and not tracker.get_slot("locked") else []
        choice = tracker.get_slot("difficulty_choice")
        if slots and slots[0] == "monthly_amount" and choice != "pause" and (choice or not offer):
            turn = Turn(dispatcher, tracker)
            if turn.verified and await Turn.db(payable_amount, turn.debtor_id) <= 0:
                # Everything open is under a dispute or a payment check: there is nothing to
                # spread over instalments, so no amount is asked; the submit says why.
                return offer
        return offer + slots

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        if tracker.get_slot("difficulty_choice") == "pause":
            return []  # the pause is recorded on submit; no monthly amount is needed
        if tracker.get_slot("plan_unaffordable"):
            return ["monthly_amount"]
        return ["monthly_amount", "plan_choice", "plan_confirmed"]

    async def extract_difficulty_choice(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Slots:
        if _requested(tracker) != "difficulty_choice":
            return {}
        turn = Turn(dispatcher, tracker)
        choice = next((str(e.get("value")) for e in turn.entities if e.get("entity") == "choice"), None)
        choice = choice if choice in ("pause", "plan") else choices.typed_offer(turn.text, ("pause", "plan"))
        if not choice and not turn.text.startswith("/") and (
                extract.pick_tax_code(turn.text, turn.entities)
                or await Turn.db(extract.pick_invoice, turn.text, turn.entities, known_keys)):
            choice = "plan"  # answering with the invoice or tax code: going on towards a plan
        return {"difficulty_choice": choice, "misunderstood": None} if choice else {}

    async def extract_monthly_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        requested = _requested(tracker)
        if requested not in (None, "monthly_amount", "plan_choice"):
            return {}
        turn = Turn(dispatcher, tracker)
        pending = tracker.get_slot("pending_foreign_amount")
        if requested == "monthly_amount" and pending:
            if turn.intent == "affirm":
                return {"monthly_amount": pending["eur"], "pending_foreign_amount": None, **PLAN_RESET}
            if turn.intent == "deny":
                return {"pending_foreign_amount": None}
        if requested == "plan_choice" and extract.pick_option_count(turn.text):
            return {}  # an option's title typed ("3 x €85.00") chooses it; it is not a new amount
        count = extract.pick_instalments(turn.text, turn.lang)
        if count:
            return {"monthly_amount": "-", "instalments": count, **PLAN_RESET}
        money = extract.pick_money(turn.text)
        if money is None or (requested == "plan_choice" and not extract.mentions_currency(turn.text)):
            return {}
        amount, currency = money
        if currency != "EUR":
            eur = to_euro(amount, currency)
            if eur is None:
                return {}
            # Confirmed in euros before any plan is computed (docs/architecture.md §5.4).
            return {"pending_foreign_amount": {"amount": str(amount), "currency": currency, "eur": str(eur)}}
        return {"monthly_amount": str(amount), "instalments": None, **PLAN_RESET}

    async def validate_monthly_amount(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Slots:
        turn = Turn(dispatcher, tracker)
        sustainable = None if value == "-" else Decimal(str(value))
        if sustainable is not None and sustainable <= 0:
            turn.say("value_not_understood_amount")
            return {"monthly_amount": None}
        count = tracker.get_slot("instalments")
        balance = await _payable(turn)
        if balance <= 0:  # put under check since the question was asked: required_slots ends the form
            return {"monthly_amount": value, "plan_options": []}  # and the submit says why, once
        options = await Turn.db(plan_options, balance, turn.today, sustainable, int(count) if count else None)
        if not options:
            return {"monthly_amount": value, "plan_options": [], "plan_unaffordable": True}
        return {"monthly_amount": value, "plan_options": options, "plan_unaffordable": False}

    async def extract_plan_choice(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Slots:
        if _requested(tracker) != "plan_choice":
            return {}
        turn = Turn(dispatcher, tracker)
        options = tracker.get_slot("plan_options") or []
        titled = extract.pick_option_count(turn.text)  # "3 x €85.00" typed: 3 instalments, not option 3
        choice = None if titled else extract.pick_choice(turn.text, turn.entities, len(options), turn.lang)
        if choice is None:
            wanted = titled or extract.pick_instalments(turn.text, turn.lang)
            choice = next((o["index"] for o in options if wanted and o["count"] == wanted), None)
        return {"plan_choice": choice} if choice else {}

    async def extract_plan_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        if _requested(tracker) != "plan_confirmed":
            return {}
        turn = Turn(dispatcher, tracker)
        if turn.intent in ("affirm", "deny"):
            return {"plan_confirmed": turn.intent == "affirm"}
        typed = choices.typed_button(turn.text, ("btn_confirm_plan", "btn_other_figures"))  # as if pressed
        return {"plan_confirmed": typed == "btn_confirm_plan"} if typed else {}


class ValidatePromiseForm(VerifyingForm):
    action_name = "validate_promise_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if slots and slots[0] == "promise_amount":
            turn = Turn(dispatcher, tracker)
            if turn.verified and await Turn.db(payable_amount, turn.debtor_id) <= 0:
                return []  # everything open is under review: nothing to promise; the submit says why
        return slots

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        if tracker.get_slot("promise_too_far"):
            return ["promise_date"]  # a plan is suggested instead; no amount needed
        return ["promise_amount", "promise_date"]

    async def extract_promise_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        if _requested(tracker) not in (None, "promise_amount"):
            return {}
        turn = Turn(dispatcher, tracker)
        if extract.asks_for_whole_balance(turn.text) and turn.intent not in ("deny", "goodbye", "thank"):
            return {"promise_amount": "ALL"}
        money = extract.pick_money(turn.text)
        if money is None or money[1] != "EUR":
            return {}
        return {"promise_amount": str(money[0])}

    async def validate_promise_amount(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Slots:
        turn = Turn(dispatcher, tracker)
        if not turn.verified:
            return {"promise_amount": value}  # checked against the balance once verified
        payable = await _payable(turn)
        amount = payable if value == "ALL" else Decimal(str(value))
        if amount <= 0:
            turn.say("value_not_understood_amount")
            return {"promise_amount": None}
        if amount > payable:
            turn.say("promise_amount_too_high", total=payable)
            return {"promise_amount": None}
        return {"promise_amount": str(amount)}

    async def extract_promise_date(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Slots:
        if _requested(tracker) not in (None, "promise_date"):
            return {}
        turn = Turn(dispatcher, tracker)
        found = await Turn.db(extract.pick_future_date, turn.text, turn.lang, turn.today)
        return {"promise_date": found.isoformat()} if found else {}

    async def validate_promise_date(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Slots:
        turn = Turn(dispatcher, tracker)
        when = date.fromisoformat(str(value))
        if when < turn.today:
            turn.say("value_not_understood_date")
            return {"promise_date": None}
        max_days = get_creditor().plan_policy.max_promise_days
        too_far = when > turn.today + timedelta(days=max_days)
        return {"promise_date": str(value), "promise_too_far": too_far}


class ValidatePaidForm(VerifyingForm):
    action_name = "validate_paid_form"

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        return ["paid_date", "paid_amount", "paid_reference"]

    async def extract_paid_date(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Slots:
        if _requested(tracker) not in (None, "paid_date"):
            return {}
        turn = Turn(dispatcher, tracker)
        found = await Turn.db(extract.pick_past_date, turn.text, turn.lang, turn.today)
        return {"paid_date": found.isoformat()} if found else {}

    async def extract_paid_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Slots:
        if _requested(tracker) not in (None, "paid_amount"):
            return {}
        money = extract.pick_money(Turn(dispatcher, tracker).text)
        return {"paid_amount": str(money[0])} if money and money[0] > 0 else {}

    async def extract_paid_reference(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        if _requested(tracker) != "paid_reference":
            return {}
        turn = Turn(dispatcher, tracker)
        if turn.intent == "deny" or extract.no_reference(turn.text):
            return {"paid_reference": "-"}
        text = extract.free_text(turn.text, limit=128)
        return {"paid_reference": text} if text else {}


class ValidateDisputeForm(VerifyingForm):
    action_name = "validate_dispute_form"

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        return ["dispute_category", "dispute_reason"]

    async def extract_dispute_category(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Slots:
        turn = Turn(dispatcher, tracker)
        requested = _requested(tracker)
        if requested is None and turn.intent == "dispute":
            # The opening message may already say what is wrong ("the goods never arrived").
            category = choices.dispute_category(turn.text)
            text = extract.free_text(turn.text)
            return {"dispute_category": category, "dispute_reason": text} if category and text else {}
        if requested != "dispute_category":
            return {}
        button = next((str(e.get("value")) for e in turn.entities if e.get("entity") == "choice"), None)
        if button in choices.DISPUTE_CATEGORIES:
            return {"dispute_category": button}
        titled = choices.typed_dispute_button(turn.text)
        if titled:
            return {"dispute_category": titled}  # a button's title typed: as if pressed
        text = extract.free_text(turn.text)
        if not text or choices.is_non_answer(text):
            return {}
        # A description typed instead of a button: it is the reason, and names the category.
        return {"dispute_category": choices.dispute_category(text) or "other", "dispute_reason": text}

    async def extract_dispute_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        if _requested(tracker) != "dispute_reason":
            return {}
        turn = Turn(dispatcher, tracker)
        if turn.intent == "deny" or choices.is_non_answer(turn.text) or extract.no_reference(turn.text):
            return {"dispute_reason": "-"}  # the category alone is enough
        text = extract.free_text(turn.text)
        return {"dispute_reason": text} if text else {}


class ValidateNpsForm(SlotForm):
    def name(self) -> Text:
        return "validate_nps_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        score = tracker.get_slot("nps_score")
        if score == "skip":
            return ["nps_score"]
        if score is not None and int(score) > 8:
            return ["nps_score", "nps_reason"]
        return ["nps_score", "nps_reason", "nps_improvement"]

    async def extract_nps_score(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Slots:
        if _requested(tracker) != "nps_score":
            return {}
        turn = Turn(dispatcher, tracker)
        score = extract.pick_nps_score(turn.text, turn.entities)
        if score is None and turn.intent == "deny":
            return {"nps_score": "skip"}
        return {"nps_score": score} if score is not None else {}

    async def extract_nps_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Slots:
        if _requested(tracker) != "nps_reason":
            return {}
        text = extract.free_text(Turn(dispatcher, tracker).text)
        return {"nps_reason": text} if text else {}

    async def extract_nps_improvement(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Slots:
        if _requested(tracker) != "nps_improvement":
            return {}
        text = extract.free_text(Turn(dispatcher, tracker).text)
        return {"nps_improvement": text} if text else {}
