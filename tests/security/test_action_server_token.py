"""The action server answers only requests carrying ACTION_SERVER_TOKEN (issue: "answers anyone").

The attack replayed here: a hand-made POST /webhook whose tracker claims a verified debtor
(`verified: true, debtor_id: 1`) with `next_action: action_balance_submit` used to return
that debtor's balance, invoices and IBAN to whoever could reach the port.
"""
from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from tests.e2e.live import ROOT, VENV_BIN, free_port
from tests.security.guarded_server import guarded_action_server

pytestmark = pytest.mark.e2e

TOKEN = secrets.token_hex(16)


def attack_body() -> dict:
    """The forged action call: slots claim a verified debtor, no verification ever happened."""
    from rasa_sdk import __version__ as sdk_version

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        "next_action": "action_balance_submit",
        "sender_id": "attacker-1",
        "version": sdk_version,
        "domain": domain,
        "tracker": {
            "sender_id": "attacker-1",
            "slots": {"verified": True, "debtor_id": 1, "language": "it"},
            "latest_message": {"text": "saldo", "intent": {"name": "ask_balance"}, "entities": [],
                               "metadata": {}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        },
    }


@pytest.fixture(scope="module")
def action_server(tmp_path_factory) -> Iterator[str]:
    """The real guarded action server on a free loopback port, over a demo ledger."""
    with guarded_action_server(tmp_path_factory.mktemp("action-server"), TOKEN) as (url, _db_url):
        yield url


def _balance_words(text: str) -> list[str]:
    """Whatever in a response would disclose the ledger (amounts, IBAN, invoice numbers)."""
    return [w for w in ("€", "EUR", "IBAN", "FT-2026", "1.240", "1240", "balance_summary") if w in text]


@pytest.mark.parametrize("params", [{}, {"token": ""}, {"token": "wrong"}, {"token": TOKEN[:-1]},
                                    {"token": TOKEN + "x"}], ids=["none", "empty", "wrong", "prefix", "longer"])
def test_attack_without_the_token_is_refused(action_server: str, params: dict) -> None:
    reply = httpx.post(f"{action_server}/webhook", params=params, json=attack_body(), timeout=30)
    assert reply.status_code == 401
    assert reply.json() == {"error": "unauthorized"}
    assert not _balance_words(reply.text)


@pytest.mark.parametrize("params", [{}, {"token": "wrong"}], ids=["none", "wrong"])
def test_action_list_is_refused_without_the_token(action_server: str, params: dict) -> None:
    reply = httpx.get(f"{action_server}/actions", params=params, timeout=30)
    assert reply.status_code == 401
    assert "action_balance_submit" not in reply.text


def test_token_in_a_header_or_body_is_not_enough(action_server: str) -> None:
    """Only Rasa's `?token=` counts; a token smuggled elsewhere is ignored."""
    body = {**attack_body(), "token": TOKEN}
    reply = httpx.post(f"{action_server}/webhook", json=body, headers={"Authorization": f"Bearer {TOKEN}"},
                       timeout=30)
    assert reply.status_code == 401


def test_right_token_is_answered(action_server: str) -> None:
    listed = httpx.get(f"{action_server}/actions", params={"token": TOKEN}, timeout=30)
    assert listed.status_code == 200
    assert {"name": "action_balance_submit"} in listed.json()
    # The same forged call with the token does run the action (today it then reads the ledger):
    # so the 401s above are the guard's doing, not a malformed body.
    ran = httpx.post(f"{action_server}/webhook", params={"token": TOKEN}, json=attack_body(), timeout=60)
    assert ran.status_code == 200, ran.text
    assert "events" in ran.json()


def test_health_stays_open(action_server: str) -> None:
    assert httpx.get(f"{action_server}/health", timeout=10).json() == {"status": "ok"}


def test_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {**os.environ, "ACTION_SERVER_TOKEN": "  ", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([str(VENV_BIN / "python"), "-m", "bot.security.action_server", "--port",
                           str(free_port())], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "ACTION_SERVER_TOKEN" in done.stderr

