"""Fixtures for the handoff tests: app database, console secret, recorded deliveries."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

import httpx
import pytest

from bot.handoff import relay, service, texts

PASSWORD = "correct-horse-battery"


def fake_render(key: str, lang: str, **ctx: Any) -> str:
    args = ",".join(f"{k}={v}" for k, v in sorted(ctx.items()))
    return f"<{key}:{lang}:{args}>"


@dataclass
class Push:
    conversation_id: str
    text: str
    buttons: list[dict] | None
    metadata: dict | None = None


@pytest.fixture()
def handoff_env(app_db, monkeypatch: pytest.MonkeyPatch):
    """App database + console secret + deterministic texts; agents are always on duty."""
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_SECRET", "test-console-secret")
    monkeypatch.setenv("HANDOFF_SLA_MINUTES", "30")
    monkeypatch.setenv("HANDOFF_NOTE_INTERVAL_MINUTES", "10")
    get_settings.cache_clear()
    monkeypatch.setattr(texts, "render", fake_render)
    monkeypatch.setattr(service, "is_open_now", lambda now: True)
    yield app_db
    get_settings.cache_clear()


@pytest.fixture()
def pushes(monkeypatch: pytest.MonkeyPatch) -> list[Push]:
    sent: list[Push] = []

    async def push(conversation_id: str, text: str, buttons: list[dict] | None = None,
                   metadata: dict | None = None, record: Any = None) -> int | None:
        # Stands in for the channel: records as the queued push does, delivers to ``sent``.
        sent.append(Push(conversation_id, text, buttons, metadata))
        if record is None:
            return None
        from bot.ledger.db import session_scope

        with session_scope() as session:
            return record(session)

    monkeypatch.setattr(relay, "push", push)
    monkeypatch.setattr(relay, "output_channel", lambda cid: ("output-channel", cid))
    return sent


def queue(conversation_id: str, *, channel: str = "rest", reason: str = "request_human", language: str = "it",
          debtor_id: int | None = None, vulnerable: bool = False, now: datetime | None = None,
          summary: dict | None = None) -> int:
    from bot.ledger.db import session_scope

    with session_scope() as session:
        handoff = service.request_handoff(
            session, conversation_id=conversation_id, channel=channel, reason=reason, language=language,
            debtor_id=debtor_id, summary=summary or {"verified": debtor_id is not None, "intent": reason},
            vulnerable=vulnerable, now=now or datetime.utcnow())
        session.flush()
        return int(handoff.id)


def add_agent(username: str = "giulia", name: str = "Giulia", lang: str = "it", role: str = "agent") -> None:
    from bot.handoff.cli import add_agent as create

    create(username, PASSWORD, name, lang, role)


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(base_url: str, username: str = "giulia", password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=10, follow_redirects=False)
    page = client.get("/login")
    answer = client.post("/login", data={"csrf": csrf_of(page.text), "username": username, "password": password})
    assert answer.status_code in (302, 303), answer.text
    assert answer.headers["location"].endswith("/queue"), answer.headers["location"]
    return client


@pytest.fixture()
def console(handoff_env, pushes, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from bot.handoff import streams
    from tests.handoff.server import ConsoleServer

    monkeypatch.setattr(streams, "POLL_SECONDS", 0.3)  # the cross-process re-check, quicker in tests
    server = ConsoleServer().start()
    try:
        yield server
    finally:
        server.stop()
