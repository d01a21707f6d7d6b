"""What happens when a journey's form is complete: record, confirm, next step."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.turn import Turn, base_action
from bot.creditor import get_creditor
from bot.dialogue import records
from bot.dialogue.cases import case_reference, dispute_response_business_days
from bot.dialogue.views import (
    BalanceView, balance_view, debtor_payment_context, invoice_id_of, invoice_summary, minimum_monthly, payable_amount,
    schedule_for_template,
)
from bot.privacy import mask_email

JOURNEY_SLOTS = (
    "monthly_amount", "instalments", "pending_foreign_amount", "plan_options", "plan_choice",
    "plan_confirmed", "promise_amount", "promise_date", "paid_date", "paid_amount", "paid_reference",
    "dispute_reason", "dispute_category", "difficulty_choice", "misunderstood",
)
FALSE_FLAGS = ("plan_unaffordable", "promise_too_far", "locked", "hardship_offer")


@base_action
class SubmitAction(Action):
    """Runs when a journey's form is complete; each subclass names its action literally."""

    action_name = ""
    journey = ""

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        if tracker.get_slot("locked") or not turn.verified:
            # The lock message was already given; nothing is disclosed.
            turn.set(locked=False, invoice_number=None, tax_code=None)
            return turn.events
        if tracker.get_slot("outcome") == "nothing_due" and self.journey != "dispute":
            turn.say("nothing_due")
            outcome = "nothing_due"
        else:
            outcome = await self.complete(turn)
        if outcome not in ("unaffordable", "declined", "too_far"):
            turn.say("anything_else")
        journey = "difficulty" if outcome == "payment_pause" else self.journey
        turn.set(journey=journey, outcome=outcome, journey_done=True)
        turn.set(**{slot: None for slot in JOURNEY_SLOTS}, **{flag: False for flag in FALSE_FLAGS})
        return turn.events

    async def complete(self, turn: Turn) -> str:
        raise NotImplementedError

    @staticmethod
    def pay_instructions(turn: Turn, view: BalanceView, total: Decimal | None) -> None:
        turn.say("payment_methods", **debtor_payment_context(view, turn.tracker.get_slot("verified_invoice"), total))


class BalanceSubmit(SubmitAction):
    action_name, journey = "action_balance_submit", "balance"

    async def complete(self, turn: Turn) -> str:
        view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "balance")
        if view.total <= 0:
            turn.say("nothing_due")
            return "nothing_due"
        turn.say("balance_summary", total=view.total, invoices=view.invoices, currency="EUR")
        self.pay_instructions(turn, view, view.payable)
        return "informed"


class CopySubmit(SubmitAction):
    action_name, journey = "action_copy_submit", "invoice_copy"

    async def complete(self, turn: Turn) -> str:
        number = turn.tracker.get_slot("verified_invoice")
        summary = await Turn.db(invoice_summary, number, turn.debtor_id, turn.conversation_id)
        if summary is None:
            turn.say("nothing_due")
            return "nothing_due"
        email = summary.pop("email")
        if email:
            # The PDF is sent by the back office; the task makes sure someone does it.
            await Turn.db(records.record_copy_request, debtor_id=turn.debtor_id,
                          conversation_id=turn.conversation_id, invoice_number=number)
        turn.say("invoice_copy", email_masked=mask_email(email) if email else "", **summary)
        return "informed"


class PlanSubmit(SubmitAction):
    action_name, journey = "action_plan_submit", "plan"

    async def complete(self, turn: Turn) -> str:
        slots = turn.tracker.get_slot
        if slots("difficulty_choice") == "pause":
            # Chosen before verification: kept through it, recorded now.
            days = await Turn.db(records.record_payment_pause, debtor_id=turn.debtor_id,
                                 conversation_id=turn.conversation_id, today=turn.today,
                                 vulnerable=bool(slots("vulnerable")))
            turn.say("payment_pause_recorded", days=days)
            return "payment_pause"
        if not slots("plan_options") and await Turn.db(payable_amount, turn.debtor_id) <= 0:
            turn.say("plan_nothing_payable", buttons=[turn.button("btn_agent", "/request_human")])
            return "nothing_payable"
        if slots("plan_unaffordable"):
            view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "plan")
            minimum = await Turn.db(minimum_monthly, view.payable)
            turn.say("plan_unaffordable", min_amount=minimum, buttons=[
                turn.button("btn_agent", "/request_human"), turn.button("btn_pause", '/inform{"choice":"pause"}')])
            return "unaffordable"
        if not slots("plan_confirmed"):
            turn.say("plan_declined", buttons=[
                turn.button("btn_other_figures", "/request_plan"), turn.button("btn_agent", "/request_human")])
            return "declined"
        option = next(o for o in slots("plan_options") if o["index"] == int(slots("plan_choice")))
        schedule = schedule_for_template(option)
        plan_id = await Turn.db(records.record_plan, debtor_id=turn.debtor_id, conversation_id=turn.conversation_id,
                                channel=turn.channel,
                                instalments=[(i["number"], i["due_date"], i["amount"]) for i in schedule])
        view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "plan")
        pay = await Turn.db(debtor_payment_context, view, slots("verified_invoice"), schedule[0]["amount"],
                            ("plan", plan_id))
        turn.say("plan_recorded", count=len(schedule), first_amount=schedule[0]["amount"],
                 first_due=schedule[0]["due_date"], iban=pay["iban"], reference=pay["reference"],
                 bic=pay["bic"], pay_link=pay["pay_link"])
        return "plan_created"


class PromiseSubmit(SubmitAction):
    action_name, journey = "action_promise_submit", "promise"

    async def complete(self, turn: Turn) -> str:
        slots = turn.tracker.get_slot
        if slots("promise_too_far"):
            turn.say("promise_date_too_far", max_days=get_creditor().plan_policy.max_promise_days, buttons=[
                turn.button("btn_yes", "/request_plan"), turn.button("btn_no", "/deny")])
            return "too_far"
        view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "promise")
        if view.payable <= 0 or not slots("promise_amount") or not slots("promise_date"):
            # Everything open is under a dispute or a payment check: no commitment to record.
            turn.say("promise_nothing_payable", buttons=[turn.button("btn_agent", "/request_human")])
            return "nothing_payable"
        raw = slots("promise_amount")
        amount = view.payable if raw == "ALL" else min(Decimal(str(raw)), view.payable)
        when = date.fromisoformat(slots("promise_date"))
        invoice_id = await Turn.db(invoice_id_of, slots("verified_invoice"))
        reminder = await Turn.db(records.record_promise, debtor_id=turn.debtor_id, invoice_id=invoice_id,
                                 amount=amount, promised_date=when, conversation_id=turn.conversation_id,
                                 channel=turn.channel, today=turn.today)
        turn.say("promise_recorded", amount=amount, date=when, reminder_date=reminder)
        self.pay_instructions(turn, view, amount)
        return "promise_recorded"


class PaidSubmit(SubmitAction):
    action_name, journey = "action_paid_submit", "already_paid"

    async def complete(self, turn: Turn) -> str:
        slots = turn.tracker.get_slot
        paid_on = date.fromisoformat(slots("paid_date")) if slots("paid_date") else None
        amount = Decimal(str(slots("paid_amount"))) if slots("paid_amount") else None
        reference = slots("paid_reference")
        invoice_id = await Turn.db(invoice_id_of, slots("verified_invoice"))
        result = await Turn.db(records.check_payment_claim, debtor_id=turn.debtor_id, invoice_id=invoice_id,
                               paid_on=paid_on, amount=amount,
                               reference=None if reference == "-" else reference,
                               conversation_id=turn.conversation_id)
        if result.matched:
            turn.say("paid_matched", amount=amount, date=paid_on)
            return "payment_matched"
        if result.case_id is None:  # check_payment_claim opens a case for every unmatched claim
            raise RuntimeError("unmatched payment claim without a case")
        turn.say("paid_reconciliation", case_id=case_reference("reconciliation", result.case_id, turn.today),
                 days=result.days)
        return "reconciliation_opened"


class DisputeSubmit(SubmitAction):
    action_name, journey = "action_dispute_submit", "dispute"

    async def complete(self, turn: Turn) -> str:
        slots = turn.tracker.get_slot
        invoice_id = await Turn.db(invoice_id_of, slots("verified_invoice"))
        reason = slots("dispute_reason")
        case_id, respond_by = await Turn.db(
            records.record_dispute, debtor_id=turn.debtor_id, invoice_id=invoice_id,
            reason="" if reason in (None, "-") else reason, category=slots("dispute_category") or "other",
            conversation_id=turn.conversation_id, today=turn.today,
            business_days=dispute_response_business_days())
        turn.say("dispute_recorded", case_id=case_reference("dispute", case_id, turn.today), respond_by=respond_by,
                 buttons=[turn.button("btn_agent", "/request_human")])
        return "dispute_recorded"


class NpsSubmit(Action):
    def name(self) -> Text:
        return "action_nps_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        score = tracker.get_slot("nps_score")
        if score not in (None, "skip"):
            await Turn.db(records.record_nps, **dict(
                conversation_id=turn.conversation_id, channel=turn.channel,
                journey=tracker.get_slot("journey") or "other", outcome=tracker.get_slot("outcome") or "other",
                language=turn.lang, score=int(score), reason=tracker.get_slot("nps_reason"),
                improvement=tracker.get_slot("nps_improvement"), debtor_id=turn.debtor_id))
            turn.say("nps_thanks")
        else:
            turn.say("goodbye")
        turn.set(nps_score=None, nps_reason=None, nps_improvement=None, journey_done=False)
        return turn.events
