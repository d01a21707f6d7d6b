"""Typed button titles: which offered button a typed message names, and that Rasa then parses its payload."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa import typed_buttons

PAUSE = {"title": "Mettere in pausa i pagamenti", "payload": "/request_pause"}
PERSON = {"title": "Parlare con una persona", "payload": "/request_human"}
YES = {"title": "Sì, confermo", "payload": "/affirm"}


def tracker(*events: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("tg:1", list(events))


@pytest.mark.parametrize("typed", ["Sì, confermo", "si confermo", "  SÌ, CONFERMO!", "sì,   confermo."])
def test_a_typed_title_names_its_button_whatever_the_case_accents_and_punctuation(typed: str) -> None:
    assert typed_buttons.payload_for(typed, [PAUSE, YES]) == "/affirm"


@pytest.mark.parametrize("typed", ["sì confermo ma domani", "confermo", "", "   ", "/affirm", "/request_human"])
def test_anything_but_a_whole_title_is_left_to_the_classifier(typed: str) -> None:
    assert typed_buttons.payload_for(typed, [PAUSE, YES, PERSON]) is None


def test_a_title_offered_with_two_payloads_is_ambiguous_and_a_payload_must_be_a_command() -> None:
    assert typed_buttons.payload_for("Sì", [{"title": "Sì", "payload": "/affirm"},
                                            {"title": "si", "payload": "/choose{\"plan\": 1}"}]) is None
    assert typed_buttons.payload_for("Sì", [{"title": "Sì", "payload": "https://example.org/pay"}]) is None


def test_only_the_buttons_of_the_last_turn_count() -> None:
    earlier = BotUttered("Cosa preferisce?", {"buttons": [PAUSE]})
    later = BotUttered("Conferma?", {"buttons": [YES]})
    offered = typed_buttons.offered(tracker(earlier, UserUttered("boh"), ActionExecuted("action_listen"), later,
                                            BotUttered("Oppure:", {"buttons": [PERSON]})))
    assert offered == [PERSON, YES]
    assert typed_buttons.offered(tracker(later, UserUttered("ciao"))) == []


def test_rasa_parses_the_offered_payload_in_place_of_the_typed_title(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def original(self: Any, message: UserMessage, tracker: Any = None, only: bool = True) -> dict:
        seen.append(message.text)
        return {"text": message.text}

    monkeypatch.setattr(typed_buttons, "_ORIGINAL", original)
    offer = tracker(BotUttered("Cosa preferisce?", {"buttons": [PAUSE, PERSON]}))
    typed = UserMessage("parlare con una persona", sender_id="tg:1")
    parsed = asyncio.run(typed_buttons._parse_message(None, typed, offer))  # type: ignore[arg-type]
    free = UserMessage("vorrei parlare con una persona domani", sender_id="tg:1")
    asyncio.run(typed_buttons._parse_message(None, free, offer))  # type: ignore[arg-type]
    asyncio.run(typed_buttons._parse_message(None, UserMessage("parlare con una persona"), None))  # type: ignore[arg-type]
    assert seen == ["/request_human", "vorrei parlare con una persona domani", "parlare con una persona"]
    assert parsed["text"] == typed.text == "parlare con una persona", "the history keeps the words typed"
    assert parsed[typed_buttons.TYPED_BUTTON] == "/request_human"
