"""The forged action call against the whole running stack: Rasa reaches the actions with the
token from endpoints.yml, the attacker who talks to the action server directly does not."""
from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import live_env, live_servers  # noqa: F401  (module-scoped real servers)
from tests.security.test_action_server_token import _balance_words, attack_body

pytestmark = pytest.mark.e2e


def test_forged_call_to_the_running_action_server_is_refused(live_servers) -> None:  # noqa: F811
    reply = httpx.post(f"{live_servers.action_url}/webhook", json=attack_body(), timeout=30)
    assert reply.status_code == 401
    assert not _balance_words(reply.text)
    # The Rasa HTTP API token is a different secret: it does not open the action server.
    reply = httpx.post(f"{live_servers.action_url}/webhook", params={"token": live_servers.token},
                       json=attack_body(), timeout=30)
    assert reply.status_code == 401


def test_rasa_still_runs_the_actions(live_servers) -> None:  # noqa: F811
    refusals_before = live_servers.log_tail("actions", 10_000).count("refused")
    replies = live_servers.rest("token-check-1", "Buongiorno")
    text = "\n".join(r.get("text") or "" for r in replies)
    # The greeting is rendered by an action (action_greet), so it came through the action server.
    assert "assistente virtuale" in text.lower()
    assert live_servers.log_tail("actions", 10_000).count("refused") == refusals_before
