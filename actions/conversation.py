"""Replies outside the journeys: greetings, small talk, digressions, opt-out, pauses."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.turn import Turn, TurnAction
from bot.creditor import get_creditor
from bot.dialogue import records
from bot.dialogue.views import balance_view, debtor_payment_context, payment_context
from bot.dialogue.vulnerability import has_vulnerability_cue

JOURNEY_INTENTS = {"ask_balance", "request_plan", "payment_difficulty", "promise_to_pay", "already_paid",
                   "dispute", "request_invoice_copy"}
CHANNEL_LABELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "sms": "SMS", "webchat": "chat", "rest": "chat"}
NOT_UNDERSTOOD = {
    "monthly_amount": "value_not_understood_amount", "promise_amount": "value_not_understood_amount",
    "paid_amount": "value_not_understood_amount", "promise_date": "value_not_understood_date",
    "paid_date": "value_not_understood_date", "nps_score": "nps_invalid_score",
    "tax_code": "value_not_understood_tax_code", "invoice_number": "value_not_understood_invoice",
}


SimpleAction = TurnAction


class Greet(SimpleAction):
    action_name = "action_greet"

    async def speak(self, turn: Turn) -> None:
        if turn.tracker.get_slot("welcomed"):
            turn.say("greet_again")
        else:
            turn.welcome_once()


class Goodbye(SimpleAction):
    action_name, key = "action_goodbye", "goodbye"


class Thank(SimpleAction):
    action_name, key = "action_thank", "you_are_welcome"


class Affirm(SimpleAction):
    action_name, key = "action_affirm", "anything_else"


class BotChallenge(SimpleAction):
    action_name = "action_bot_challenge"

    async def speak(self, turn: Turn) -> None:
        turn.say("bot_challenge", creditor=get_creditor().name, agent_word=turn.agent_word,
                 buttons=[turn.button("btn_agent", "/request_human")])


class OutOfScope(SimpleAction):
    action_name, key = "action_out_of_scope", "out_of_scope"


class NotUnderstood(SimpleAction):
    """A message inside a form that fills nothing: say what is expected; the form re-asks."""

    action_name = "action_not_understood"

    async def speak(self, turn: Turn) -> None:
        requested = turn.tracker.get_slot("requested_slot")
        if requested in ("invoice_number", "tax_code") and turn.intent in JOURNEY_INTENTS:
            turn.say("need_verification")
        elif requested == "plan_choice":
            turn.say("value_not_understood_choice", count=len(turn.tracker.get_slot("plan_options") or []))
        elif requested == "plan_confirmed":
            turn.say("value_not_understood_choice", count=2)
        elif requested in NOT_UNDERSTOOD:
            turn.say(NOT_UNDERSTOOD[requested])
        else:
            turn.say("fallback", agent_word=turn.agent_word)


class PaymentMethods(SimpleAction):
    action_name = "action_payment_methods"

    async def speak(self, turn: Turn) -> None:
        if not turn.verified:
            # General bank details are public; amounts and references need verification.
            turn.say("payment_methods", **payment_context(None))
            return
        view = await Turn.db(balance_view, turn.debtor_id, turn.today, turn.conversation_id, "payment_methods")
        turn.say("payment_methods",
                 **debtor_payment_context(view, turn.tracker.get_slot("verified_invoice"), view.payable))


class AcknowledgeDifficulty(SimpleAction):
    action_name = "action_acknowledge_difficulty"

    async def speak(self, turn: Turn) -> None:
        turn.say("difficulty_ack")
        if has_vulnerability_cue(turn.text):
            turn.say("vulnerability_ack", buttons=[
                turn.button("btn_agent", "/request_human"), turn.button("btn_pause", '/inform{"choice":"pause"}')])
            turn.set(vulnerable=True)
            if turn.verified:
                await Turn.db(records.record_vulnerability, debtor_id=turn.debtor_id,
                              conversation_id=turn.conversation_id)


class Inform(SimpleAction):
    """An answer outside any form: button choices (pause, callback, continue) or stray data."""

    action_name = "action_inform"

    async def speak(self, turn: Turn) -> None:
        choice = next((str(e.get("value")) for e in turn.entities if e.get("entity") == "choice"), "")
        if choice == "pause" and turn.verified:
            days = await Turn.db(records.record_payment_pause, debtor_id=turn.debtor_id,
                                 conversation_id=turn.conversation_id, today=turn.today,
                                 vulnerable=bool(turn.tracker.get_slot("vulnerable")))
            turn.say("payment_pause_recorded", days=days)
            turn.set(journey="difficulty", outcome="payment_pause", journey_done=True)
        elif choice == "pause":
            turn.say("need_verification")
            turn.say("ask_invoice_number")
        elif choice == "callback":
            await Turn.db(records.record_callback_request, debtor_id=turn.debtor_id if turn.verified else None,
                          conversation_id=turn.conversation_id, today=turn.today)
            turn.say("callback_booked")
        else:
            turn.say("anything_else")


class OptOut(SimpleAction):
    action_name = "action_opt_out"

    async def speak(self, turn: Turn) -> None:
        await Turn.db(records.record_opt_out, conversation_id=turn.conversation_id, channel=turn.channel,
                      debtor_id=turn.debtor_id)
        turn.say("opt_out_confirmed", channel_label=CHANNEL_LABELS.get(turn.channel, turn.channel))


class Fallback(SimpleAction):
    """One misunderstanding gets a rephrase request; two in a row bring a person in."""

    action_name = "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from actions.handoff import start_handoff

        turn = Turn(dispatcher, tracker)
        if previous_user_intent(tracker) == "nlu_fallback":
            return await start_handoff(turn, "fallback")
        turn.say("fallback", agent_word=turn.agent_word, buttons=[turn.button("btn_agent", "/request_human")])
        return turn.events


def previous_user_intent(tracker: Tracker) -> str | None:
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")
