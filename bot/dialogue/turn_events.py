"""What the tracker's event list says about the current turn and earlier sessions.

Plain functions over Rasa's event dicts (no Rasa import), so they are unit-tested alone.
"""
from __future__ import annotations

from typing import Mapping, Sequence

Event = Mapping[str, object]


def is_returning(events: Sequence[Event]) -> bool:
    """Whether the debtor wrote in an earlier session of this conversation."""
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    if not starts:
        return False
    return any(e.get("event") == "user" for e in events[:starts[-1]])


def user_turns(events: Sequence[Event]) -> int:
    """How many messages the debtor has sent: a number for the current turn."""
    return sum(1 for e in events if e.get("event") == "user")


def last_action_before_message(events: Sequence[Event]) -> str | None:
    """The bot's last action (not ``action_listen``) before the debtor's latest message."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return None
    for event in reversed(events[:users[-1]]):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            return str(event.get("name"))
        if event.get("event") == "user":
            return None
    return None


def _current_session(events: Sequence[Event]) -> Sequence[Event]:
    """The events from the latest ``session_started`` on (all of them in a tracker without one)."""
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1]:] if starts else events


def nps_asked_in_session(events: Sequence[Event]) -> bool:
    """Whether the NPS question already ran in the current session (it is asked once)."""
    return any(e.get("event") == "action" and e.get("name") == "nps_form" for e in _current_session(events))


def last_bot_text(events: Sequence[Event]) -> str | None:
    """The text of the assistant's last message before the debtor's latest one."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    for event in reversed(events[:users[-1]] if users else events):
        if event.get("event") == "bot":
            return str(event.get("text") or "")
    return None


def session_user_texts(events: Sequence[Event]) -> list[str]:
    """What the debtor wrote in the current session, oldest first (the latest message included)."""
    return [str(e.get("text") or "") for e in _current_session(events) if e.get("event") == "user"]
