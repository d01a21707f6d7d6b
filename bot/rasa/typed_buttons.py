"""A button's title typed instead of pressed is read as that button: same payload, same next actions.

Debtors on SMS, in apps that hide buttons, or who simply prefer typing write "Sì, confermo" where
the widget would send the button's payload. Left to the classifier, a title it does not know well
("Mettere in pausa", "Parlare con una persona") can become "not understood" or another intent,
so the same choice would lead somewhere else depending on how it was made. Before NLU, a message
that is exactly the title of one button the assistant offered in its last turn (ignoring case,
accents, spaces, punctuation and symbols) is handled as that button's payload.

The payload comes from the tracker, i.e. from what the assistant itself offered, never from the
client: typing a title can only choose an option that was on offer. The user event keeps the words
typed (with the payload's intent and entities, and the payload under ``typed_button``, which the
actions read as the turn's text: ``actions/turn.py``), and so does the transcript.
"""
from __future__ import annotations

import copy
import unicodedata
from typing import Any, Iterable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue import choices

_ORIGINAL = MessageProcessor.parse_message
# The key of the parsed message (and so of the tracker's latest message) holding the payload.
TYPED_BUTTON = "typed_button"


def fold(text: str) -> str:
    """How a typed title is compared: the dialogue's fold (lower case, no accents, single spaces) with
    punctuation and symbols as spaces."""
    plain = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in choices.fold(text))
    return " ".join(plain.split())


def offered(tracker: DialogueStateTracker) -> list[dict[str, Any]]:
    """The buttons of the assistant's messages since the debtor's last message."""
    buttons: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            buttons.extend(b for b in (event.data or {}).get("buttons") or [] if isinstance(b, dict))
    return buttons


def payload_for(text: str, buttons: Iterable[dict[str, Any]]) -> Optional[str]:
    """The payload of the one offered button whose title ``text`` is; None if none or several match."""
    key = fold(text)
    if not key or text.lstrip().startswith("/"):
        return None
    hits = {str(b.get("payload") or "") for b in buttons
            if fold(str(b.get("title") or "")) == key and str(b.get("payload") or "").startswith("/")}
    return hits.pop() if len(hits) == 1 else None


async def _parse_message(self: MessageProcessor, message: UserMessage,
                         tracker: Optional[DialogueStateTracker] = None,
                         only_output_properties: bool = True) -> dict[str, Any]:
    payload = payload_for(message.text or "", offered(tracker)) if tracker is not None else None
    if payload is None:
        return await _ORIGINAL(self, message, tracker, only_output_properties)
    # The payload's intent and entities, under the words the debtor typed: the conversation's
    # history (and every check that reads it back) keeps what was written.
    parse_data = await _ORIGINAL(self, message_with_text(message, payload), tracker, only_output_properties)
    parse_data["text"] = message.text
    parse_data[TYPED_BUTTON] = payload  # the actions read the turn as the press it stands for
    return parse_data


def message_with_text(message: UserMessage, text: str) -> UserMessage:
    """A copy of ``message`` carrying ``text`` (the original is what Rasa logs as the user's words)."""
    clone = copy.copy(message)
    clone.text = text
    return clone


def install() -> None:
    """Read typed button titles as their buttons in every conversation of this process; idempotent."""
    MessageProcessor.parse_message = _parse_message


def uninstall() -> None:
    """Restore Rasa's own parsing (tests)."""
    MessageProcessor.parse_message = _ORIGINAL
