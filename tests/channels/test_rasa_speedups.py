"""The cached action-result validator accepts and rejects exactly what Rasa's own does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from sqlalchemy import text

from bot.channels import rasa_speedups

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "it"}], "responses": [{"text": "Buongiorno"}]},
    {"events": [{"event": "active_loop", "name": "plan_form"}, {"event": "followup", "name": "action_x"}]},
]
BAD = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
]


@pytest.fixture
def remote_action():
    rasa_speedups.install()
    yield RemoteAction.__new__(RemoteAction)  # the validator does not touch instance state
    rasa_speedups.uninstall()


@pytest.mark.parametrize("result", GOOD)
def test_valid_results_pass(remote_action, result):
    validate(result, RemoteAction.action_response_format_spec())  # Rasa's own check agrees
    assert remote_action._validate_action_result(result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_results_fail_like_rasa(remote_action, result):
    with pytest.raises(ValidationError):
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action._validate_action_result(result)


def test_loading_the_tracker_store_installs_the_patch(tmp_path):
    rasa_speedups.uninstall()
    assert RemoteAction._validate_action_result is not rasa_speedups._validate_action_result
    from bot.channels import tracker_store

    store = tracker_store.UrlSQLTrackerStore(url=f"sqlite:///{tmp_path / 'trackers.db'}")
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    with store.engine.connect() as conn:  # and the tracker database gets the WAL pragmas
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
