"""Escalation to a person and the way back (docs/architecture.md §7); the queue lives in bot.handoff."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.asks import AskNpsScore
from actions.turn import Turn
from bot.creditor import get_creditor
from bot.dialogue.choices import typed_offer
from bot.dialogue.handoff_summary import build_summary
from bot.dialogue.hours import hours_text
from bot.handoff.service import queue_for_person

REASONS = {"request_human": "request_human", "complain": "complain"}


def _hours_text(lang: str) -> str:
    creditor = get_creditor()
    return hours_text(creditor.support_hours, lang, creditor.timezone)


async def start_handoff(turn: Turn, reason: str) -> List[Dict[Text, Any]]:
    """Queue the conversation for a person (the summary carries the debtor only once verified) and
    tell the debtor the expected wait, or, after hours, the support hours with a callback/continue
    offer; returns the turn's events."""
    summary = await Turn.db(build_summary, turn.tracker.current_state(), turn.debtor_id if turn.verified else None)
    vulnerable = bool(turn.tracker.get_slot("vulnerable"))
    open_now, wait = await Turn.db(
        queue_for_person, conversation_id=turn.conversation_id, channel=turn.channel, reason=reason,
        language=turn.lang, debtor_id=turn.debtor_id if turn.verified else None, summary=summary,
        vulnerable=vulnerable)
    if open_now:
        turn.say("handoff_queued", wait_minutes=wait, hours=_hours_text(turn.lang))
        turn.set(journey="handoff", outcome=reason, journey_done=False)
    else:
        turn.say("handoff_after_hours", hours=_hours_text(turn.lang), buttons=[
            turn.button("btn_callback", '/inform{"choice":"callback"}'),
            turn.button("btn_continue_bot", '/inform{"choice":"continue"}')])
        # Nobody takes the chat before the next shift: from here the assistant carries the
        # conversation, so a "no thanks" closes it with the NPS step instead of looping.
        turn.set(journey="handoff", outcome=reason, journey_done=True)
    return turn.events


class Handoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        if after_hours_offer_open(tracker):
            # "call me back" reads like a request for a person, but it answers the offer just made.
            choice = typed_offer(turn.text, ("callback", "continue"))
            if choice:
                from actions.conversation import answer_offer

                await answer_offer(turn, choice)
                return turn.events
        if turn.intent == "complain":
            turn.say("complaint_ack")
        return await start_handoff(turn, REASONS.get(turn.intent, "request_human"))


def after_hours_offer_open(tracker: Tracker) -> bool:
    """Whether the callback/continue offer made after hours is still the open question."""
    return tracker.get_slot("journey") == "handoff" and bool(tracker.get_slot("journey_done")) \
        and tracker.get_slot("outcome") in REASONS.values()


class Handback(Action):
    """Run by the console when an agent gives the conversation back to the assistant."""

    def name(self) -> Text:
        return "action_handback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        turn.say("handoff_returned")
        turn.say("anything_else")
        turn.set(journey_done=True)
        return turn.events


class HandbackNps(Action):
    """Hand back straight into the NPS step: ask the score and open the NPS form."""

    def name(self) -> Text:
        return "action_handback_nps"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        turn.say("handoff_returned")
        await AskNpsScore().speak(turn)
        journey = tracker.get_slot("journey") or "handoff"
        return turn.events + [SlotSet("journey", journey), SlotSet("outcome", "handled_by_agent"),
                              ActiveLoop("nps_form"), SlotSet("requested_slot", "nps_score")]
