"""Replies outside the journeys: greetings, small talk, digressions, opt-out, pauses."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.turn import Turn, TurnAction
from bot.creditor import get_creditor
from bot.messages import render
from bot.dialogue import records
from bot.dialogue.views import balance_view, debtor_payment_context, payment_context
from bot.dialogue.choices import is_non_answer, typed_offer
from bot.dialogue.confusion import next_reply
from bot.dialogue import extract
from bot.dialogue.turn_events import last_action_before_message, last_bot_text, nps_asked_in_session, user_turns
from bot.parsing.invoice_numbers import find_invoice_candidates
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
# Actions whose reply ends with "anything else?" / "how can I help?" outside a journey.
ASKED_ANYTHING_ELSE = frozenset({"action_affirm", "action_inform", "action_verify_credentials"})


def asked_anything_else(turn: Turn) -> bool:
    """Whether the assistant's last words were "anything else?" / "how can I help?" (any action
    can end with them: the fallback that verified credentials it found in the text, too)."""
    if last_action_before_message(turn.tracker.events) in ASKED_ANYTHING_ELSE:
        return True
    return last_bot_text(turn.tracker.events) in {render(key, turn.lang) for key in ("anything_else",
                                                                                      "verified_how_can_help")}


class Greet(SimpleAction):
    action_name = "action_greet"

    async def speak(self, turn: Turn) -> None:
        if not turn.tracker.active_loop_name and carries_credentials(turn):
            # "Buongiorno, FT-… RSS…": the welcome answers the greeting, the codes are verified now.
            from actions.verifying_form import VerifyCredentials

            turn.set(**await VerifyCredentials().verify(turn))
        elif turn.tracker.get_slot("welcomed"):
            turn.say("greet_again")
        else:
            turn.welcome_once()


class Goodbye(SimpleAction):
    action_name, key = "action_goodbye", "goodbye"


class Thank(SimpleAction):
    action_name, key = "action_thank", "you_are_welcome"


class Affirm(SimpleAction):
    """"Yes"/"no" outside any journey: ask what else; a "no" to that question ends the chat
    (with the NPS question once the debtor was verified: every conversation about a debt ends with it)."""

    action_name = "action_affirm"

    async def speak(self, turn: Turn) -> None:
        if turn.intent == "deny" and asked_anything_else(turn):
            # "no, that's all" after "anything else?": asking again would loop.
            if turn.verified and not nps_asked_in_session(turn.tracker.events):
                turn.events.append(FollowupAction("nps_form"))
            else:
                turn.say("goodbye")
        else:
            turn.say("anything_else")


class BotChallenge(SimpleAction):
    action_name = "action_bot_challenge"

    async def speak(self, turn: Turn) -> None:
        turn.say("bot_challenge", creditor=get_creditor().name, agent_word=turn.agent_word,
                 buttons=[turn.button("btn_agent", "/request_human")])


class OutOfScope(SimpleAction):
    action_name = "action_out_of_scope"

    async def speak(self, turn: Turn) -> None:
        # "boh", "non lo so" at a form question answer nothing: a misunderstanding, not small talk.
        if turn.tracker.active_loop_name and is_non_answer(turn.text):
            await NotUnderstood().speak(turn)
        else:
            turn.say("out_of_scope")


class NotUnderstood(SimpleAction):
    """A message inside a form that fills nothing: rephrase once, then offer a person and a way out."""

    action_name = "action_not_understood"

    async def speak(self, turn: Turn) -> None:
        requested = turn.tracker.get_slot("requested_slot")
        reply = next_reply(turn.tracker.get_slot("misunderstood"), requested)
        turn.set(misunderstood=reply.slot_value(requested, user_turns(turn.tracker.events)))
        if reply.kind == "offer":
            turn.say("confusion_offer", slot=requested, buttons=[
                turn.button("btn_agent", "/request_human"), turn.button("btn_stop", "/goodbye")])
        elif reply.kind == "pick":
            turn.say("not_understood_pick")
        elif requested in ("invoice_number", "tax_code") and turn.intent in JOURNEY_INTENTS:
            turn.say("need_verification")
            turn.say("ask_invoice_number" if requested == "invoice_number" else "ask_tax_code")
        elif requested in NOT_UNDERSTOOD:
            turn.say(NOT_UNDERSTOOD[requested])
        else:
            turn.say("fallback", agent_word=turn.agent_word)


class PaymentMethods(SimpleAction):
    action_name = "action_payment_methods"

    async def speak(self, turn: Turn) -> None:
        if not turn.tracker.active_loop_name and not turn.tracker.get_slot("journey_done"):
            # Answering how to pay is a service rendered: "no, that's all" now leads to the NPS question.
            turn.set(journey="payment_methods", outcome="informed", journey_done=True)
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
            # The person/pause/plan offer is the plan form's first question (asked next).
            turn.set(vulnerable=True, hardship_offer=True, difficulty_choice=None)
            if turn.verified:
                await Turn.db(records.record_vulnerability, debtor_id=turn.debtor_id,
                              conversation_id=turn.conversation_id)


class Inform(SimpleAction):
    """An answer outside any form: button choices (pause, callback, continue) or stray data."""

    action_name = "action_inform"

    async def speak(self, turn: Turn) -> None:
        choice = next((str(e.get("value")) for e in turn.entities if e.get("entity") == "choice"), "")
        choice = choice or typed_offer(turn.text, ("pause", "callback", "continue")) or ""
        if choice == "pause" and turn.verified:
            days = await Turn.db(records.record_payment_pause, debtor_id=turn.debtor_id,
                                 conversation_id=turn.conversation_id, today=turn.today,
                                 vulnerable=bool(turn.tracker.get_slot("vulnerable")))
            turn.say("payment_pause_recorded", days=days)
            turn.set(journey="difficulty", outcome="payment_pause", journey_done=True)
        elif choice == "pause":
            # Verification first; the plan form then records the pause it was asked for.
            turn.set(hardship_offer=False, difficulty_choice="pause")
            turn.events.append(FollowupAction("plan_form"))
        elif not choice and carries_credentials(turn):
            # The rules send ``inform`` with a tax code or invoice entity to the verification;
            # this is the same message when the entity extractor missed both.
            from actions.verifying_form import VerifyCredentials

            turn.set(**await VerifyCredentials().verify(turn))
        else:
            await answer_offer(turn, choice)


def carries_credentials(turn: Turn) -> bool:
    """Whether the typed text holds a well-formed tax code or something shaped like an invoice number."""
    text = "" if turn.text.startswith("/") else turn.text
    return bool(text) and bool(extract.pick_tax_code(text, turn.entities) or find_invoice_candidates(text))


async def answer_offer(turn: Turn, choice: str) -> None:
    """The after-hours offer answered: book the callback, or carry on in the chat."""
    if choice == "callback":
        await Turn.db(records.record_callback_request, debtor_id=turn.debtor_id if turn.verified else None,
                      conversation_id=turn.conversation_id, today=turn.today)
        turn.say("callback_booked")
        turn.set(outcome="callback_requested")
    elif last_bot_text(turn.tracker.events) == render("anything_else", turn.lang):
        # Stray data (an amount, a date) right after "anything else?": asking it again would
        # repeat the same line; say it was not understood and offer a person instead.
        turn.say("fallback", agent_word=turn.agent_word, buttons=[turn.button("btn_agent", "/request_human")])
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
        if not tracker.active_loop_name and carries_credentials(turn):
            # Not understood, but it holds the credentials ("ho pagato la settimana scorsa
            # FT-… RSS…"): verify them and start the journey the words ask for, if any.
            from actions.verifying_form import VerifyCredentials

            turn.set(**await VerifyCredentials().verify(turn))
            return turn.events
        if previous_user_intent(tracker) == "nlu_fallback":
            return await start_handoff(turn, "fallback")
        turn.say("fallback", agent_word=turn.agent_word, buttons=[turn.button("btn_agent", "/request_human")])
        return turn.events


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one (None if there is none), to spot two fallbacks in a row."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")
