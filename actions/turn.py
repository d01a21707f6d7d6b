"""What every action needs for one turn: language, identity, rendering, DB off the loop."""
from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any, Callable, Dict, List, Sequence, Text, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.creditor import get_creditor
from bot.dialogue.language import detect_language
from bot.dialogue.turn_events import is_returning
from bot.messages import render
from bot.parsing.text import clean_text
from bot.security import identity as conversation_identity

T = TypeVar("T")
AGENT_WORD = {"it": "operatore", "en": "agent"}


class Turn:
    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.events: list[dict[str, Any]] = []
        message = tracker.latest_message or {}
        # Invisible characters (NUL, zero-width) never reach an extractor or a validator. A button
        # title typed is read as the press it stands for (bot/rasa/typed_buttons.py): its payload.
        self.text: str = clean_text(message.get("typed_button") or message.get("text") or "")
        self.intent: str = (message.get("intent") or {}).get("name") or ""
        self.entities: list[dict] = message.get("entities") or []
        self.metadata: dict = message.get("metadata") or {}
        previous = tracker.get_slot("language")
        self.lang = detect_language(self.text, previous, self.metadata.get("language_hint"))
        if self.lang != previous:
            self.events.append(SlotSet("language", self.lang))

    # identity of the conversation
    @property
    def conversation_id(self) -> str:
        return self.tracker.sender_id

    @property
    def channel(self) -> str:
        return self.metadata.get("channel") or self.tracker.get_latest_input_channel() or "rest"

    @property
    def identity(self) -> conversation_identity.Identity | None:
        """The verification recorded server-side for this conversation and session.

        The action server loads it before the action runs (bot.security.executor); the
        ``verified`` / ``debtor_id`` slots are never consulted.
        """
        loaded = conversation_identity.current(self.conversation_id)
        if loaded is None:
            # Only reached when an action is run outside the action server (tests).
            found = conversation_identity.load(self.conversation_id, self.tracker.events, self.now)
            conversation_identity.remember(self.conversation_id, found)
            return found
        return loaded.identity

    @property
    def verified(self) -> bool:
        return self.identity is not None

    @property
    def debtor_id(self) -> int | None:
        found = self.identity
        return found.debtor_id if found else None

    @property
    def verified_invoice(self) -> str | None:
        """The invoice the recorded verification used."""
        found = self.identity
        return found.invoice_number if found else None

    @property
    def today(self) -> date:
        return date.today()

    @property
    def now(self) -> datetime:
        return datetime.utcnow()

    @property
    def agent_word(self) -> str:
        return AGENT_WORD[self.lang]

    # speaking
    def welcome_once(self) -> None:
        """The first bot message of a conversation says who is talking (EU AI Act art. 50)."""
        # The slot set a moment ago is not in this tracker yet: remember it on the turn too.
        if self.tracker.get_slot("welcomed") or getattr(self, "_welcomed", False):
            return
        self._welcomed = True
        self.dispatcher.utter_message(
            text=render("welcome", self.lang, creditor=get_creditor().name, agent_word=self.agent_word,
                        returning=is_returning(self.tracker.events)),
            buttons=[self.button("btn_agent", "/request_human")],
        )
        self.events.append(SlotSet("welcomed", True))

    def say(self, key: str, buttons: Sequence[dict] | None = None, **ctx: Any) -> None:
        self.welcome_once()
        self.dispatcher.utter_message(text=render(key, self.lang, **ctx), buttons=list(buttons or []))

    def button(self, label_key: str, payload: str, **ctx: Any) -> dict:
        return {"title": render(label_key, self.lang, **ctx), "payload": payload}

    def set(self, **slots: Any) -> None:
        self.events.extend(SlotSet(k, v) for k, v in slots.items())

    @staticmethod
    async def db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Database work runs in a worker thread: the action server's loop never blocks."""
        return await asyncio.to_thread(fn, *args, **kwargs)


def base_action(cls: type) -> type:
    """Mark a shared base class so the action server does not register it as an action.

    rasa-sdk registers every subclass of ``Action`` that is not abstract; bases here have
    no name of their own, so they are flagged abstract (their subclasses are not).
    """
    # setattr: typeshed does not declare __abstractmethods__ on ``type``, Python has it on every class.
    setattr(cls, "__abstractmethods__", frozenset({"name"}))  # noqa: B010
    return cls


@base_action
class TurnAction(Action):
    """An action that says something: subclasses set ``key`` or override ``speak``."""

    action_name = ""
    key = ""

    def name(self) -> Text:
        return self.action_name

    async def speak(self, turn: Turn) -> None:
        turn.say(self.key)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        await self.speak(turn)
        return turn.events
