"""Real servers, trained model: REST and (fake) Telegram conversations escalate, an agent answers
from the console, the reply reaches the fake Telegram API, the pause holds, then hands back.
The agent's replies go through the reply outbox: a Telegram outage delays them, never fails them."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.e2e.console_support import (
    Db, ThreadedTelegram, add_agent, always_open_creditor, console_client, console_post, eventually,
    send_telegram, telegram_env,
)

CHAT = 5550001
TG_ID = f"tg:{CHAT}"
REST_ID = "e2e-console-rest"
OUTAGE_CHAT, DOWN_CHAT = 5550002, 5550003
MAX_ATTEMPTS = 3  # the outbox gives up after this many tries (a short outage test)
UNAVAILABLE = {"ok": False, "error_code": 503, "description": "Service Unavailable"}


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[ThreadedTelegram]:
    fake = ThreadedTelegram()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def live_env(fake_telegram, tmp_path_factory) -> dict[str, str]:
    return {**telegram_env(fake_telegram.url), "DELIVERY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "CREDITOR_FILE": always_open_creditor(tmp_path_factory.mktemp("creditor"))}


@pytest.fixture(scope="module")
def db(live_servers) -> Db:
    return Db(live_servers.db_url)


@pytest.fixture(scope="module")
def agent(live_servers):
    add_agent(live_servers.env, "giulia", "Giulia")
    return console_client(live_servers.rasa_url, "giulia")


def test_rest_conversation_escalates_and_the_pause_holds(live_servers, db):
    replies = live_servers.rest(REST_ID, "voglio parlare con un operatore")
    assert replies, "the escalation must tell the debtor what happens next"
    handoff = eventually(lambda: db.handoff(REST_ID), what="the REST handoff")
    assert handoff.status == "queued" and db.paused(REST_ID)
    for trick in ("/restart", '/inform{"choice":"callback"}', "/greet", "quanto devo?"):
        assert live_servers.rest(REST_ID, trick) == [], trick
    assert db.paused(REST_ID) and db.handoff(REST_ID).status == "queued"
    assert ("debtor", "/restart") in db.transcript(REST_ID)  # still recorded for the agent


def taken_on_telegram(live_servers, db, agent, fake_telegram, chat: int):
    """A Telegram debtor asks for a person and Giulia takes the conversation; its handoff."""
    conversation_id = f"tg:{chat}"
    assert send_telegram(live_servers.rasa_url, chat, "ciao").status_code == 200
    eventually(lambda: fake_telegram.texts(chat), what="the welcome on Telegram")
    assert send_telegram(live_servers.rasa_url, chat, "voglio parlare con un operatore").status_code == 200
    handoff = eventually(lambda: db.handoff(conversation_id), what="the Telegram handoff")
    eventually(lambda: db.paused(conversation_id), what="the pause")
    queue = agent.get("/queue.json").json()["items"]
    assert conversation_id in [i["conversation_id"] for i in queue]

    assert console_post(agent, f"/h/{handoff.id}/take").json()["ok"]
    # The debtor is told who joined, on their own channel.
    eventually(lambda: any("Giulia, del nostro team, ha preso in carico" in t for t in fake_telegram.texts(chat)),
               what="the joined notice on Telegram")
    return handoff


def test_telegram_conversation_escalates_agent_replies_and_hands_back(live_servers, db, agent, fake_telegram):
    handoff = taken_on_telegram(live_servers, db, agent, fake_telegram, CHAT)
    sent_before = len(fake_telegram.texts(CHAT))
    answer = console_post(agent, f"/h/{handoff.id}/reply", {"text": "Buongiorno, sono Giulia del servizio crediti."})
    assert answer.json()["ok"], answer.text
    eventually(lambda: any("sono Giulia del servizio crediti" in t for t in fake_telegram.texts(CHAT)[sent_before:]),
               what="the agent's reply on Telegram")
    assert ("agent", "Buongiorno, sono Giulia del servizio crediti.") in db.transcript(TG_ID)

    # The debtor tries to drive the bot: recorded, shown to the agent, nothing else happens.
    sent_before = len(fake_telegram.texts(CHAT))
    assert send_telegram(live_servers.rasa_url, CHAT, "/restart").status_code == 200
    eventually(lambda: ("debtor", "/restart") in db.transcript(TG_ID), what="the debtor message recorded")
    messages = agent.get(f"/h/{handoff.id}/messages.json?after=0").json()["messages"]
    assert messages[-1]["text"] == "/restart"
    assert len(fake_telegram.texts(CHAT)) == sent_before and db.paused(TG_ID)

    assert console_post(agent, f"/h/{handoff.id}/handback", {"to": "nps"}).json()["code"] == "returned"
    # Telegram gets the hand-back notice and the NPS question (0-10) as two messages, one after the other.
    eventually(lambda: any("10" in t for t in fake_telegram.texts(CHAT)[sent_before:]), what="the NPS question")
    assert not db.paused(TG_ID) and db.handoff(TG_ID).status == "returned"
    assert "ripassato" in fake_telegram.texts(CHAT)[sent_before]


def test_rest_conversation_is_answered_then_handed_back_to_the_bot(live_servers, db, agent):
    handoff = eventually(lambda: db.handoff(REST_ID), what="the REST handoff")
    assert console_post(agent, f"/h/{handoff.id}/take").json()["ok"]
    assert console_post(agent, f"/h/{handoff.id}/reply", {"text": "Eccomi, come posso aiutarla?"}).json()["ok"]
    assert ("agent", "Eccomi, come posso aiutarla?") in db.transcript(REST_ID)
    before = len(db.transcript(REST_ID))
    assert console_post(agent, f"/h/{handoff.id}/handback", {"to": "bot"}).json()["code"] == "returned"
    eventually(lambda: any(s == "bot" for s, _ in db.transcript(REST_ID)[before:]), what="the hand-back reply")
    assert not db.paused(REST_ID)
    assert live_servers.rest(REST_ID, "grazie"), "the bot answers again once handed back"


def test_console_in_the_rasa_server_sends_security_headers_and_checks_cursors(live_servers, db, agent):
    from bot.handoff.web import SECURITY_HEADERS

    handoff = eventually(lambda: db.handoff(REST_ID), what="the REST handoff")
    for path in ("/queue", "/queue.json", f"/h/{handoff.id}", f"/h/{handoff.id}/messages.json?after=abc"):
        answer = agent.get(path)
        assert all(answer.headers.get(k) == v for k, v in SECURITY_HEADERS.items()), path
    bad = agent.get(f"/h/{handoff.id}/messages.json?after=abc")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_after"
    page = agent.get("/queue", params={"err": "<script>alert(1)</script>"})
    assert page.status_code == 200 and "alert(1)" not in page.text


def outbox_row(db: Db, transcript_id: int) -> tuple[str, int] | None:
    """(status, attempts) of the outbox row carrying this transcript message."""
    from sqlalchemy import select

    from bot.channels.models import OutboundDelivery
    from bot.ledger.db import session_factory

    with session_factory(db.engine)() as session:
        row = session.execute(select(OutboundDelivery).where(OutboundDelivery.transcript_id == transcript_id)
                              ).scalar_one_or_none()
        return None if row is None else (row.status, row.attempts)


def failed_sends(fake_telegram: ThreadedTelegram, chat: int) -> int:
    return sum(int(p["chat_id"]) == chat for p in fake_telegram.fake.sent("sendMessage:failed"))


def test_agent_reply_outlasts_a_telegram_outage_and_arrives_once(live_servers, db, agent, fake_telegram):
    handoff = taken_on_telegram(live_servers, db, agent, fake_telegram, OUTAGE_CHAT)
    sent_before = len(fake_telegram.texts(OUTAGE_CHAT))
    fake_telegram.fake.fail_next("sendMessage", 503, UNAVAILABLE, times=MAX_ATTEMPTS - 1)
    text = "Le rispondo appena il servizio torna disponibile."
    answer = console_post(agent, f"/h/{handoff.id}/reply", {"text": text})
    # Accepted at once: the outage is the outbox's problem, not the agent's.
    assert answer.status_code == 200 and answer.json()["ok"] and answer.json()["message_id"], answer.text
    eventually(lambda: any(text in t for t in fake_telegram.texts(OUTAGE_CHAT)[sent_before:]),
               what="the agent's reply once Telegram is back")
    assert failed_sends(fake_telegram, OUTAGE_CHAT) == MAX_ATTEMPTS - 1
    assert sum(text in t for t in fake_telegram.texts(OUTAGE_CHAT)) == 1
    assert db.transcript(f"tg:{OUTAGE_CHAT}").count(("agent", text)) == 1
    messages = agent.get(f"/h/{handoff.id}/messages.json?after=0").json()["messages"]
    assert [m["id"] for m in messages if m["text"] == text] == [answer.json()["message_id"]]
    assert not any("delivery failed" in m["text"] for m in messages)
    # Sent by the outbox pump on its last try, not by the agent's request.
    eventually(lambda: outbox_row(db, answer.json()["message_id"]) == ("sent", MAX_ATTEMPTS),
               what="the outbox row sent on its last try")


def test_agent_reply_given_up_after_the_last_attempt_is_shown_in_the_transcript(
        live_servers, db, agent, fake_telegram):
    handoff = taken_on_telegram(live_servers, db, agent, fake_telegram, DOWN_CHAT)
    sent_before = len(fake_telegram.texts(DOWN_CHAT))
    fake_telegram.fake.fail_next("sendMessage", 503, UNAVAILABLE, times=MAX_ATTEMPTS)
    text = "Questo messaggio non arriverà."
    answer = console_post(agent, f"/h/{handoff.id}/reply", {"text": text})
    assert answer.status_code == 200 and answer.json()["ok"], answer.text
    note = eventually(lambda: [m for s, m in db.transcript(f"tg:{DOWN_CHAT}") if s == "system"
                               and m.startswith("delivery failed (telegram)")], what="the delivery failure note")
    assert len(note) == 1
    messages = agent.get(f"/h/{handoff.id}/messages.json?after=0").json()["messages"]
    assert [m["text"] for m in messages][-2:] == [text, note[0]]  # the agent sees it under the message
    assert failed_sends(fake_telegram, DOWN_CHAT) == MAX_ATTEMPTS
    assert outbox_row(db, answer.json()["message_id"]) == ("dead", MAX_ATTEMPTS)
    assert fake_telegram.texts(DOWN_CHAT)[sent_before:] == []
