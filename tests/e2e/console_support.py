"""Shared by the console end-to-end tests: a threaded fake Telegram, agents, DB reads, creditor file."""
from __future__ import annotations

import asyncio
import itertools
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

import httpx
from sqlalchemy import select

from bot.ledger.db import make_engine, session_factory
from bot.ledger.models import Conversation, Handoff, TranscriptMessage
from tests.channels.fakes import FakeTelegram
from tests.e2e.live import ROOT, VENV_BIN

TG_TOKEN = "777000:E2E-console-token"
TG_SECRET = "e2e-console-tg-secret"
PASSWORD = "e2e-agent-password"
_ids = itertools.count(1000)

ALWAYS_OPEN_CREDITOR = """
name: "Aurora Servizi S.p.A."
iban: "IT60X0542811101000000123456"
expected_wait_minutes: 5
timezone: "UTC"
support_hours: {mon: "00:00-23:59", tue: "00:00-23:59", wed: "00:00-23:59", thu: "00:00-23:59",
                fri: "00:00-23:59", sat: "00:00-23:59", sun: "00:00-23:59"}
"""


def always_open_creditor(folder: Path) -> str:
    """Agents on duty at any hour, so the escalation always pauses (the test must not depend on the clock)."""
    path = folder / "creditor.yml"
    path.write_text(ALWAYS_OPEN_CREDITOR, encoding="utf-8")
    return str(path)


class ThreadedTelegram:
    """The fake Telegram Bot API on its own loop thread, for tests whose servers are processes."""

    def __init__(self) -> None:
        self.fake = FakeTelegram(TG_TOKEN)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self.fake.serve(), self.loop).result(10)

    def texts(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.fake.sent("sendMessage") if int(p["chat_id"]) == chat_id]

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def telegram_env(fake_url: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TG_SECRET, "TELEGRAM_API_BASE_URL": fake_url}


def send_telegram(rasa_url: str, chat_id: int, text: str) -> httpx.Response:
    update = {"update_id": next(_ids), "message": {
        "message_id": next(_ids), "date": int(time.time()), "text": text, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Mario", "language_code": "it"}}}
    return httpx.post(f"{rasa_url}/webhooks/telegram/webhook", json=update,
                      headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, timeout=30)


def add_agent(env: dict[str, str], username: str, name: str, lang: str = "it", role: str = "agent") -> None:
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "agents", "add", username, "--name", name, "--lang", lang,
                    "--role", role],
                   input=PASSWORD + "\n", text=True, cwd=ROOT, env=env, check=True, capture_output=True)


class Db:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def _read(self, fn: Callable[[Any], Any]) -> Any:
        with session_factory(self.engine)() as session:
            return fn(session)

    def handoff(self, conversation_id: str) -> Handoff | None:
        return self._read(lambda s: s.execute(select(Handoff).where(Handoff.conversation_id == conversation_id)
                                              .order_by(Handoff.id.desc())).scalars().first())

    def paused(self, conversation_id: str) -> bool:
        return self._read(lambda s: bool(getattr(s.get(Conversation, conversation_id), "paused", False)))

    def transcript(self, conversation_id: str) -> list[tuple[str, str]]:
        return self._read(lambda s: [(m.sender, m.text) for m in s.execute(
            select(TranscriptMessage).where(TranscriptMessage.conversation_id == conversation_id)
            .order_by(TranscriptMessage.id)).scalars()])


def eventually(predicate: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def console_client(rasa_url: str, username: str) -> httpx.Client:
    import re

    client = httpx.Client(base_url=f"{rasa_url}/webhooks/console", timeout=30, follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"csrf": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 302 and answer.headers["location"].endswith("/queue"), answer.text
    return client


def console_post(client: httpx.Client, path: str, data: dict | None = None) -> httpx.Response:
    import re

    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/queue").text).group(1)
    return client.post(path, data={"csrf": token, **(data or {})}, headers={"Accept": "application/json"})
