"""Real servers, the fake Telegram Bot API on loopback: the agent's typing signal becomes one
``sendChatAction`` ("typing") for the debtor's chat, throttled, and nothing enters the transcript."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.e2e.console_support import (
    Db, ThreadedTelegram, add_agent, always_open_creditor, console_client, console_post, eventually,
    send_telegram, telegram_env,
)

CHAT = 5550077
TG_ID = f"tg:{CHAT}"


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[ThreadedTelegram]:
    fake = ThreadedTelegram()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def live_env(fake_telegram, tmp_path_factory) -> dict[str, str]:
    return {**telegram_env(fake_telegram.url),
            "CREDITOR_FILE": always_open_creditor(tmp_path_factory.mktemp("creditor"))}


def test_typing_reaches_telegram_as_one_chat_action(live_servers, fake_telegram):
    db = Db(live_servers.db_url)
    add_agent(live_servers.env, "giulia", "Giulia")
    agent = console_client(live_servers.rasa_url, "giulia")
    assert send_telegram(live_servers.rasa_url, CHAT, "voglio parlare con un operatore").status_code == 200
    handoff = eventually(lambda: db.handoff(TG_ID), what="the Telegram handoff")
    assert console_post(agent, f"/h/{handoff.id}/take").json()["ok"]
    eventually(lambda: any("Giulia" in t for t in fake_telegram.texts(CHAT)), what="the joined notice")
    rows_before = db.transcript(TG_ID)

    def actions() -> list[dict]:
        return [p for p in fake_telegram.fake.sent("sendChatAction")]

    assert actions() == []
    first = console_post(agent, f"/h/{handoff.id}/typing")
    assert first.status_code == 200 and first.json()["result"] == "shown", first.text
    eventually(actions, what="the chat action")
    second = console_post(agent, f"/h/{handoff.id}/typing")  # a key pressed right after: dropped
    assert second.json()["result"] == "throttled"
    sent = actions()
    assert len(sent) == 1
    assert int(sent[0]["chat_id"]) == CHAT and sent[0]["action"] == "typing"
    assert db.transcript(TG_ID) == rows_before  # a hint, not a message
