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
from bot.dialogue.views import (
    BalanceView, balance_view, debtor_payment_context, invoice_id_of, invoice_summary, minimum_monthly,
    schedule_for_template,
)
from bot.ledger.db import session_scope
from bot.ledger.models import FollowUpTask
from bot.privacy import mask_email

JOURNEY_SLOTS = (
    "monthly_amount", "instalments", "pending_foreign_amount", "plan_options", "plan_choice",
    "plan_confirmed", "promise_amount", "promise_date", "paid_date", "paid_amount", "paid_reference",
    "dispute_reason",
)
FALSE_FLAGS = ("plan_unaffordable", "promise_too_far", "locked")


@base_action
class SubmitAction(Action):
    form = ""
    journey = ""

    def name(self) -> Text:
        return f"action_{self.form.replace('_form', '')}_submit"

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
        turn.set(journey=self.journey, outcome=outcome, journey_done=True)
        turn.set(**{slot: None for slot in JOURNEY_SLOTS}, **{flag: False for flag in FALSE_FLAGS})
        return turn.events

    async def complete(self, turn: Turn) -> str:
        raise NotImplementedError

    @staticmethod
    def pay_instructions(turn: Turn, view: BalanceView, total: Decimal | None) -> None:
        turn.say("payment_methods", **debtor_payment_context(view, turn.tracker.get_slot("verified_invoice"), total))


class BalanceSubmit(SubmitAction):
    form, journey = "balance_form", "balance"

    async def complete(self, turn: Turn) -> str:
        view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "balance")
        if view.total <= 0:
            turn.say("nothing_due")
            return "nothing_due"
        turn.say("balance_summary", total=view.total, invoices=view.invoices, currency="EUR")
        self.pay_instructions(turn, view, view.payable)
        return "informed"


class CopySubmit(SubmitAction):
    form, journey = "copy_form", "invoice_copy"

    async def complete(self, turn: Turn) -> str:
        number = turn.tracker.get_slot("verified_invoice")
        summary = await Turn.db(invoice_summary, number, turn.debtor_id, turn.conversation_id)
        if summary is None:
            turn.say("nothing_due")
            return "nothing_due"
        email = summary.pop("email")
        if email:
            # The PDF is sent by the back office; the task makes sure someone does it.
            await Turn.db(_copy_task, turn.debtor_id, turn.conversation_id, number)
        turn.say("invoice_copy", email_masked=mask_email(email) if email else "", **summary)
        return "informed"


def _copy_task(debtor_id: int, conversation_id: str, number: str) -> None:
    with session_scope() as session:
        session.add(FollowUpTask(kind="invoice_copy", debtor_id=debtor_id, conversation_id=conversation_id,
                                 note=f"Send a copy of invoice {number}"))


class PlanSubmit(SubmitAction):
    form, journey = "plan_form", "plan"

    async def complete(self, turn: Turn) -> str:
        slots = turn.tracker.get_slot
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
                 pay_link=pay["pay_link"])
        return "plan_created"


class PromiseSubmit(SubmitAction):
    form, journey = "promise_form", "promise"

    async def complete(self, turn: Turn) -> str:
        slots = turn.tracker.get_slot
        if slots("promise_too_far"):
            turn.say("promise_date_too_far", max_days=get_creditor().plan_policy.max_promise_days, buttons=[
                turn.button("btn_yes", "/request_plan"), turn.button("btn_no", "/deny")])
            return "too_far"
        view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "promise")
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
    form, journey = "paid_form", "already_paid"

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
        turn.say("paid_reconciliation", case_id=result.case_id, days=result.days)
        return "reconciliation_opened"


class DisputeSubmit(SubmitAction):
    form, journey = "dispute_form", "dispute"

    async def complete(self, turn: Turn) -> str:
        slots = turn.tracker.get_slot
        invoice_id = await Turn.db(invoice_id_of, slots("verified_invoice"))
        case_id, respond_by = await Turn.db(
            records.record_dispute, debtor_id=turn.debtor_id, invoice_id=invoice_id,
            reason=slots("dispute_reason") or "", conversation_id=turn.conversation_id, today=turn.today)
        turn.say("dispute_recorded", case_id=case_id, respond_by=respond_by,
                 buttons=[turn.button("btn_agent", "/request_human")])
        return "dispute_recorded"


class NpsSubmit(Action):
    def name(self) -> Text:
        return "action_nps_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from bot.nps.survey import record_nps_response

        turn = Turn(dispatcher, tracker)
        score = tracker.get_slot("nps_score")
        if score not in (None, "skip"):
            await Turn.db(_store_nps, record_nps_response, dict(
                conversation_id=turn.conversation_id, channel=turn.channel,
                journey=tracker.get_slot("journey") or "other", outcome=tracker.get_slot("outcome") or "other",
                language=turn.lang, score=int(score), reason=tracker.get_slot("nps_reason"),
                improvement=tracker.get_slot("nps_improvement"), debtor_id=turn.debtor_id))
            turn.say("nps_thanks")
        else:
            turn.say("goodbye")
        turn.set(nps_score=None, nps_reason=None, nps_improvement=None, journey_done=False)
        return turn.events


def _store_nps(record, fields: dict) -> None:
    with session_scope() as session:
        record(session, **fields)


