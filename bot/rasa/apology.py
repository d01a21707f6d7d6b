"""A polite reply instead of silence when the action server cannot run an action.

Rasa 3.6 logs a failed custom-action call ("Bot will continue, but the actions events are
lost") and carries on predicting: the debtor usually gets no answer at all, or the same
failing action is tried until the prediction limit. Here ``RemoteAction.run`` is wrapped:
any failure other than a form's validation rejection (which is ordinary dialogue) becomes
one apology in the conversation's language and a ``FollowupAction(action_listen)``, so the
turn ends there and the next message starts afresh.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event, FollowupAction

log = logging.getLogger(__name__)

APOLOGY = {
    "it": ("Mi scusi, ho un problema tecnico momentaneo e non riesco a completare la richiesta. "
           "Riprovi tra qualche minuto, oppure scriva «operatore» per parlare con una persona."),
    "en": ("Sorry, I have a temporary technical problem and cannot complete your request. "
           "Please try again in a few minutes, or type “agent” to talk to a person."),
}
_ORIGINAL_RUN = RemoteAction.run


def apology_for(language: Any) -> str:
    """The apology in the conversation's language (Italian unless it is English)."""
    return APOLOGY["en"] if str(language or "").lower().startswith("en") else APOLOGY["it"]


def apology_events(tracker: Any) -> list[Event]:
    """The events that end a turn whose action failed: the apology, then listen."""
    text = apology_for(tracker.get_slot("language"))
    return [BotUttered(text, metadata={"apology": True}), FollowupAction("action_listen")]


async def _run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Event]:
    try:
        return await _ORIGINAL_RUN(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except Exception as error:  # noqa: BLE001 - every failure of the call gets the apology
        # The action name and the error class only: no tracker content in the log.
        log.error("custom action %s failed (%s); the debtor gets an apology", self.name(), type(error).__name__)
        return apology_events(tracker)


def install() -> None:
    """Idempotent; called when Rasa creates this project's tracker store."""
    RemoteAction.run = _run


def uninstall() -> None:
    """Restore Rasa's own behaviour (tests)."""
    RemoteAction.run = _ORIGINAL_RUN
