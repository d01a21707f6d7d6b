"""Escalation to a person and the way back (docs/architecture.md §7); the queue lives in bot.handoff."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.asks import AskNpsScore
from actions.turn import Turn
from bot.creditor import get_creditor
from bot.dialogue.handoff_summary import build_summary
from bot.ledger.db import session_scope

REASONS = {"request_human": "request_human", "complain": "complain"}


def _request(fields: Dict[str, Any]) -> tuple[bool, int]:
    from bot.handoff.service import expected_wait_minutes, is_open_now, request_handoff
    from datetime import datetime

    now = datetime.utcnow()
    with session_scope() as session:
        request_handoff(session, **fields)
        return is_open_now(now), expected_wait_minutes(session, now)


def _hours_text(lang: str) -> str:
    days = {"it": {"mon": "lun", "tue": "mar", "wed": "mer", "thu": "gio", "fri": "ven", "sat": "sab", "sun": "dom"},
            "en": {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}}[lang]
    windows = get_creditor().support_hours
    parts = [f"{days[d]} {w.opens:%H:%M}-{w.closes:%H:%M}" for d, w in windows.items()]
    return ", ".join(parts)


async def start_handoff(turn: Turn, reason: str) -> List[Dict[Text, Any]]:
    summary = await Turn.db(build_summary, turn.tracker.current_state(), turn.debtor_id if turn.verified else None)
    vulnerable = bool(turn.tracker.get_slot("vulnerable"))
    open_now, wait = await Turn.db(_request, dict(
        conversation_id=turn.conversation_id, channel=turn.channel, reason=reason, language=turn.lang,
        debtor_id=turn.debtor_id if turn.verified else None, summary=summary, vulnerable=vulnerable))
    if open_now:
        turn.say("handoff_queued", wait_minutes=wait, hours=_hours_text(turn.lang))
    else:
        turn.say("handoff_after_hours", hours=_hours_text(turn.lang), buttons=[
            turn.button("btn_callback", '/inform{"choice":"callback"}'),
            turn.button("btn_continue_bot", '/inform{"choice":"continue"}')])
    turn.set(journey="handoff", outcome=reason, journey_done=False)
    return turn.events


class Handoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        if turn.intent == "complain":
            turn.say("complaint_ack")
        return await start_handoff(turn, REASONS.get(turn.intent, "request_human"))


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
