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
from bot.dialogue import extract
from bot.dialogue.money import to_euro
from bot.dialogue.views import balance_view, plan_options

Slots = Dict[Text, Any]
PLAN_RESET = {"plan_choice": None, "plan_confirmed": None, "plan_options": None, "plan_unaffordable": False}


def _requested(tracker: Tracker) -> Any:
    return tracker.get_slot("requested_slot")


async def _payable(turn: Turn) -> Decimal:
    view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "balance_for_form")
    return view.payable


class ValidateBalanceForm(VerifyingForm):
    form = "balance_form"


class ValidateCopyForm(VerifyingForm):
    form = "copy_form"


class ValidatePlanForm(VerifyingForm):
    form = "plan_form"

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        if tracker.get_slot("plan_unaffordable"):
            return ["monthly_amount"]
        return ["monthly_amount", "plan_choice", "plan_confirmed"]

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
        choice = extract.pick_choice(turn.text, turn.entities, len(options), turn.lang)
        if choice is None:
            wanted = extract.pick_instalments(turn.text, turn.lang)
            choice = next((o["index"] for o in options if wanted and o["count"] == wanted), None)
        return {"plan_choice": choice} if choice else {}

    async def extract_plan_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        if _requested(tracker) != "plan_confirmed":
            return {}
        intent = Turn(dispatcher, tracker).intent
        if intent in ("affirm", "deny"):
            return {"plan_confirmed": intent == "affirm"}
        return {}


class ValidatePromiseForm(VerifyingForm):
    form = "promise_form"

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        if tracker.get_slot("promise_too_far"):
            return ["promise_date"]  # a plan is suggested instead; no amount needed
        return ["promise_amount", "promise_date"]

    async def extract_promise_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        if _requested(tracker) not in (None, "promise_amount"):
            return {}
        turn = Turn(dispatcher, tracker)
        if extract.asks_for_whole_balance(turn.text):
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
    form = "paid_form"

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
    form = "dispute_form"

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        return ["dispute_reason"]

    async def extract_dispute_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Slots:
        turn = Turn(dispatcher, tracker)
        requested = _requested(tracker)
        # The message that opened the dispute often already says what is wrong.
        explains = requested is None and turn.intent == "dispute" and len(turn.text.split()) >= 6
        if requested != "dispute_reason" and not explains:
            return {}
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
