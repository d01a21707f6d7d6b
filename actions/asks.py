"""The questions the forms ask, one per slot, in the debtor's language."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.turn import Turn, TurnAction, base_action
from bot.creditor import get_creditor
from bot.dialogue import extract
from bot.dialogue.choices import DISPUTE_CATEGORIES
from bot.dialogue.turn_events import user_turns
from bot.dialogue.views import balance_view, option_for_template, schedule_for_template


@base_action
class AskAction(TurnAction):
    """Asks for ``slot``; each subclass names its action literally (``action_ask_<slot>``) so
    that a search for the name in domain.yml finds the class."""

    slot = ""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        # After a non-answer the reply just given already rephrased this question (or
        # offered a way out): asking it again would make two questions in one turn.
        missed = tracker.get_slot("misunderstood") or {}
        if missed.get("asked") and missed.get("slot") == self.slot and \
                missed.get("turn") == user_turns(tracker.events):
            return []
        return await super().run(dispatcher, tracker, domain)


class AskInvoiceNumber(AskAction):
    slot, key = "invoice_number", "ask_invoice_number"
    action_name = "action_ask_invoice_number"

    async def speak(self, turn: Turn) -> None:
        if not turn.tracker.get_slot("verified") and turn.tracker.get_slot("requested_slot") is None:
            turn.say("need_verification")
        turn.say(self.key)


class AskTaxCode(AskAction):
    slot, key = "tax_code", "ask_tax_code"
    action_name = "action_ask_tax_code"

    async def speak(self, turn: Turn) -> None:
        link = turn.metadata.get("link_invoice")
        if link and turn.tracker.get_slot("invoice_number") == link:
            turn.say("ask_tax_code_prefilled", invoice_number=link)
        elif extract.pick_invalid_tax_code(turn.text, turn.entities):
            turn.say("ask_tax_code_retype")  # the form has just said the code looks mistyped
        else:
            turn.say(self.key)


class AskMonthlyAmount(AskAction):
    slot, key = "monthly_amount", "ask_sustainable_amount"
    action_name = "action_ask_monthly_amount"

    async def speak(self, turn: Turn) -> None:
        pending = turn.tracker.get_slot("pending_foreign_amount")
        if pending:
            turn.say("currency_confirm", buttons=[turn.button("btn_yes", "/affirm"), turn.button("btn_no", "/deny")],
                     amount_original=pending["amount"], currency_original=pending["currency"],
                     amount_eur=Decimal(pending["eur"]))
            return
        turn.say(self.key, min_instalment=get_creditor().plan_policy.min_instalment)


class AskPlanChoice(AskAction):
    slot, key = "plan_choice", "plan_options"
    action_name = "action_ask_plan_choice"

    async def speak(self, turn: Turn) -> None:
        options = turn.tracker.get_slot("plan_options") or []
        buttons = [turn.button("plan_option_label", f'/inform{{"choice":"{o["index"]}"}}',
                               count=o["count"], amount=Decimal(o["amount"])) for o in options]
        turn.say(self.key, buttons=buttons, options=[option_for_template(o) for o in options], currency="EUR")


class AskPlanConfirmed(AskAction):
    slot, key = "plan_confirmed", "plan_schedule"
    action_name = "action_ask_plan_confirmed"

    async def speak(self, turn: Turn) -> None:
        options = turn.tracker.get_slot("plan_options") or []
        choice = int(turn.tracker.get_slot("plan_choice") or 1)
        option = next(o for o in options if o["index"] == choice)
        schedule = schedule_for_template(option)
        turn.say(self.key, buttons=[turn.button("btn_confirm_plan", "/affirm"), turn.button("btn_other_figures", "/deny")],
                 instalments=schedule, total=sum((i["amount"] for i in schedule), Decimal("0")), count=len(schedule))


class AskPromiseAmount(AskAction):
    slot, key = "promise_amount", "promise_ask_amount"
    action_name = "action_ask_promise_amount"

    async def speak(self, turn: Turn) -> None:
        view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "promise") \
            if turn.verified else None
        turn.say(self.key, total=view.payable if view else None)


class AskPromiseDate(AskAction):
    slot, key = "promise_date", "promise_ask_date"
    action_name = "action_ask_promise_date"


class AskPaidDate(AskAction):
    slot, key = "paid_date", "paid_ask_date"
    action_name = "action_ask_paid_date"


class AskPaidAmount(AskAction):
    slot, key = "paid_amount", "paid_ask_amount"
    action_name = "action_ask_paid_amount"


class AskPaidReference(AskAction):
    slot, key = "paid_reference", "paid_ask_reference"
    action_name = "action_ask_paid_reference"


class AskDifficultyChoice(AskAction):
    """The hardship offer: a person, a payment pause or a plan, as one question."""

    slot, key = "difficulty_choice", "vulnerability_ack"
    action_name = "action_ask_difficulty_choice"

    async def speak(self, turn: Turn) -> None:
        turn.say(self.key, buttons=difficulty_buttons(turn))


def difficulty_buttons(turn: Turn) -> list[dict]:
    """The hardship offer's buttons, in the debtor's language: a person, a payment pause, a plan."""
    return [turn.button("btn_agent", "/request_human"), turn.button("btn_pause", '/inform{"choice":"pause"}'),
            turn.button("btn_plan", '/inform{"choice":"plan"}')]


class AskDisputeCategory(AskAction):
    slot, key = "dispute_category", "dispute_ask_category"
    action_name = "action_ask_dispute_category"

    async def speak(self, turn: Turn) -> None:
        turn.say(self.key, buttons=dispute_buttons(turn))


def dispute_buttons(turn: Turn) -> list[dict]:
    """One button per dispute category, in the debtor's language; each answers with its category as the choice."""
    return [turn.button(f"btn_dispute_{c}", f'/inform{{"choice":"{c}"}}') for c in DISPUTE_CATEGORIES]


class AskDisputeReason(AskAction):
    slot, key = "dispute_reason", "dispute_ask_reason"
    action_name = "action_ask_dispute_reason"


class AskNpsScore(AskAction):
    slot, key = "nps_score", "nps_ask_score"
    action_name = "action_ask_nps_score"

    async def speak(self, turn: Turn) -> None:
        buttons = [{"title": str(n), "payload": f'/inform{{"choice":"{n}"}}'} for n in range(11)]
        turn.say(self.key, buttons=buttons, creditor=get_creditor().name)


class AskNpsReason(AskAction):
    slot, key = "nps_reason", "nps_ask_reason"
    action_name = "action_ask_nps_reason"


class AskNpsImprovement(AskAction):
    slot, key = "nps_improvement", "nps_ask_improvement"
    action_name = "action_ask_nps_improvement"
