"""Helpers for the desk tests: a verified-able debtor, an agent holding a conversation, roles."""
from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from bot.conversations import record_message
from bot.handoff import service, web
from bot.ledger.db import session_scope
from tests.factories import CF_MARIO, add_debtor, add_invoice
from tests.handoff.conftest import add_agent, csrf_of, login, queue

INVOICE = "FT-2026/00417"


def ledger() -> int:
    """Mario Rossi with one open invoice of 1240.50; his id."""
    with session_scope() as session:
        debtor = add_debtor(session)
        add_invoice(session, debtor, number=INVOICE)
        return int(debtor.id)


def held_conversation(cid: str = "tg-1", agent: str = "giulia", said: str | None = None,
                      lang: str = "it") -> int:
    """An unverified conversation queued and taken by ``agent``; the handoff id."""
    hid = queue(cid, channel="telegram", language=lang)
    with session_scope() as session:
        if said:
            record_message(session, cid, "debtor", said)
        assert service.take(session, hid, agent)
    return hid


def post(client: httpx.Client, path: str, data: dict | None = None, page: str = "/queue",
         **kw: Any) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **(data or {})}, **kw)


def with_roles(monkeypatch: pytest.MonkeyPatch, roles: dict[str, str]) -> None:
    """Give accounts a role the way the agent record will carry it (``agent_info.role``)."""
    original = web._load_agent

    def load(username: str) -> Any:
        info = original(username)
        if info is None:
            return None
        return dataclasses.replace(info, role=roles.get(username, info.role))

    monkeypatch.setattr(web, "_load_agent", load)


def agent_client(url: str, username: str = "giulia", name: str = "Giulia", lang: str = "it") -> httpx.Client:
    add_agent(username, name, lang)
    return login(url, username)


__all__ = ["CF_MARIO", "INVOICE", "agent_client", "held_conversation", "ledger", "post", "with_roles"]
