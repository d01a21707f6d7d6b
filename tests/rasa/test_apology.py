"""A failed action-server call ends the turn with an apology, never silence."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, FollowupAction, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.rasa import apology
from tests.e2e.live import free_port

DOMAIN = Domain.from_yaml("version: '3.1'\nslots:\n  language:\n    type: any\n    mappings: []\n")


@pytest.fixture()
def installed():
    apology.install()
    yield
    apology.uninstall()


@pytest.mark.parametrize("language, word", [("en", "Sorry"), ("it", "Mi scusi"), (None, "Mi scusi")])
def test_an_unreachable_action_server_gives_an_apology_in_the_language(installed, language, word):
    action = RemoteAction("action_plan_submit", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    events = [SlotSet("language", language)] if language else []
    tracker = DialogueStateTracker.from_events("s", events, DOMAIN.slots)
    result = asyncio.run(action.run(None, None, tracker, DOMAIN))
    assert isinstance(result[0], BotUttered) and result[0].text.startswith(word)
    assert result[1] == FollowupAction("action_listen")  # the turn ends: no loop of retries


def test_a_form_validation_rejection_is_left_to_rasa(installed, monkeypatch):
    async def reject(self, *args):
        raise ActionExecutionRejection("validate_plan_form")

    monkeypatch.setattr(apology, "_ORIGINAL_RUN", reject)
    action = RemoteAction("validate_plan_form", EndpointConfig("http://127.0.0.1:1/webhook"))
    with pytest.raises(ActionExecutionRejection):
        asyncio.run(action.run(None, None, DialogueStateTracker("s", DOMAIN.slots), DOMAIN))
