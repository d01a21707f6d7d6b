"""`python -m bot agents add|list|disable`."""
from __future__ import annotations

import io
import sys

from sqlalchemy import select

from bot.__main__ import main
from bot.handoff.auth import verify_password
from bot.ledger.db import session_scope
from bot.ledger.models import Agent


def run(monkeypatch, argv: list[str], stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def test_add_reads_the_password_from_stdin_and_stores_only_a_hash(handoff_env, monkeypatch, capsys):
    assert run(monkeypatch, ["agents", "add", "Giulia", "--name", "Giulia Bianchi", "--lang", "en"],
               "a-long-password\n") == 0
    with session_scope() as session:
        agent = session.execute(select(Agent)).scalar_one()
        assert (agent.username, agent.display_name, agent.language) == ("giulia", "Giulia Bianchi", "en")
        assert "a-long-password" not in agent.password_hash
        assert verify_password("a-long-password", agent.password_hash)
    assert run(monkeypatch, ["agents", "list"]) == 0
    assert "giulia\tGiulia Bianchi\ten\tagent\tactive" in capsys.readouterr().out


def test_add_again_resets_the_password(handoff_env, monkeypatch):
    run(monkeypatch, ["agents", "add", "anna"], "first-password-1\n")
    run(monkeypatch, ["agents", "add", "anna"], "second-password-2\n")
    with session_scope() as session:
        agents = session.execute(select(Agent)).scalars().all()
        assert len(agents) == 1 and verify_password("second-password-2", agents[0].password_hash)


def test_bad_input_is_refused_and_nothing_is_written(handoff_env, monkeypatch, capsys):
    assert run(monkeypatch, ["agents", "add", "anna"], "short\n") == 2
    assert run(monkeypatch, ["agents", "add", "bad name!"], "a-long-password\n") == 2
    assert "error:" in capsys.readouterr().err
    with session_scope() as session:
        assert session.execute(select(Agent)).first() is None


def test_disable(handoff_env, monkeypatch):
    run(monkeypatch, ["agents", "add", "anna"], "a-long-password\n")
    assert run(monkeypatch, ["agents", "disable", "anna"]) == 0
    with session_scope() as session:
        assert session.execute(select(Agent.active)).scalar_one() is False


def test_role_on_add_and_the_demo_agent_is_an_admin(handoff_env, monkeypatch):
    from bot.urls_cli import _ensure_demo_agent

    assert _ensure_demo_agent()
    run(monkeypatch, ["agents", "add", "sara", "--role", "supervisor"], "a-long-password\n")
    run(monkeypatch, ["agents", "add", "sara"], "another-password\n")  # a password reset keeps the role
    with session_scope() as session:
        roles = dict(session.execute(select(Agent.username, Agent.role)).all())
    assert roles == {"demo": "admin", "sara": "supervisor"}
