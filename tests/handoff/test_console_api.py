"""The console over real HTTP: a Sanic server on loopback with the blueprint as Rasa mounts it."""
from __future__ import annotations

import json
import queue as stdlib_queue
import threading
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select

from bot.conversations import record_message
from bot.handoff import events, relay
from bot.ledger.db import session_scope
from bot.ledger.models import AuditLog, Conversation, Handoff, TranscriptMessage
from tests.handoff.conftest import add_agent, csrf_of, login, queue

JSON = {"Accept": "application/json"}


def post(client: httpx.Client, path: str, data: dict | None = None, page: str = "/queue", **kw) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **(data or {})}, **kw)


def handoff(hid: int) -> Handoff:
    with session_scope() as session:
        return session.get(Handoff, hid)


def transcript(cid: str) -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(m.sender, m.text) for m in session.execute(select(TranscriptMessage).where(
            TranscriptMessage.conversation_id == cid).order_by(TranscriptMessage.id)).scalars()]


def read_sse(client: httpx.Client, path: str, found: stdlib_queue.Queue, stop: threading.Event) -> None:
    try:
        with client.stream("GET", path, timeout=30) as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    found.put(json.loads(line[6:]))
                if stop.is_set():
                    return
    except httpx.HTTPError:
        return  # the server stopped at the end of the test


def test_console_refuses_to_run_without_a_secret(console, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_SECRET", "")
    get_settings.cache_clear()
    assert httpx.get(f"{console.url}/login").status_code == 503


def test_login_requires_csrf_and_the_right_password(console):
    add_agent()
    client = httpx.Client(base_url=console.url, follow_redirects=False)
    assert client.get("/queue").headers["location"].endswith("/login")
    page = client.get("/login")
    no_csrf = client.post("/login", data={"username": "giulia", "password": "correct-horse-battery"})
    assert no_csrf.headers["location"].endswith("err=csrf")
    wrong = client.post("/login", data={"csrf": csrf_of(page.text), "username": "giulia", "password": "nope-nope"})
    assert wrong.headers["location"].endswith("err=login")
    assert client.get("/queue").status_code == 302
    logged = login(console.url)
    assert logged.get("/queue").status_code == 200


def test_posts_without_csrf_change_nothing(console):
    add_agent()
    hid = queue("tg:1", channel="telegram")
    client = login(console.url)
    answer = client.post(f"/h/{hid}/take", data={}, headers=JSON)
    assert answer.status_code == 403
    assert handoff(hid).status == "queued"


def test_queue_page_lists_and_stream_delivers_new_entries_without_reload(console):
    add_agent()
    queue("tg:first", channel="telegram")
    client = login(console.url)
    page = client.get("/queue").text
    assert "Telegram …irst" in page and "tg:first" not in page  # a readable label, not the raw id
    found: stdlib_queue.Queue = stdlib_queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(target=read_sse, args=(client, "/queue/stream", found, stop), daemon=True)
    reader.start()
    assert found.get(timeout=10)["count"] == 1
    # Queued by another process (the action server): no in-process event, the stream's poll sees it.
    queue("web:second", channel="webchat", vulnerable=True)
    update = found.get(timeout=10)
    stop.set()
    assert update["count"] == 2 and "Chat web …cond" in update["html"]
    assert update["html"].index("Chat web …cond") < update["html"].index("Telegram …irst")  # vulnerable first


def test_take_then_second_agent_is_refused(console):
    add_agent()
    add_agent("bruno", "Bruno")
    hid = queue("tg:2", channel="telegram")
    giulia, bruno = login(console.url), login(console.url, "bruno")
    taken = post(giulia, f"/h/{hid}/take")
    assert taken.status_code == 302 and taken.headers["location"].endswith(f"/h/{hid}?msg=taken_ok")
    refused = post(bruno, f"/h/{hid}/take", headers=JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "taken"
    assert handoff(hid).assigned_to == "giulia"
    assert post(bruno, f"/h/{hid}/reply", {"text": "hi"}, headers=JSON).status_code == 409


def test_reply_is_delivered_on_the_debtor_channel_and_recorded(console, pushes):
    add_agent()
    hid = queue("tg:3", channel="telegram", language="en")
    client = login(console.url)
    post(client, f"/h/{hid}/take")
    answer = post(client, f"/h/{hid}/reply", {"text": "Hello, I am Giulia"}, headers=JSON)
    assert answer.status_code == 200 and answer.json()["ok"]
    assert [(p.conversation_id, p.text, p.metadata) for p in pushes] == [
        ("tg:3", "<agent_joined:en:agent_name=Giulia>", {"agent_name": "Giulia"}),
        ("tg:3", "<agent_message:en:agent_name=Giulia,text=Hello, I am Giulia>", {"agent_name": "Giulia"})]
    assert ("agent", "Hello, I am Giulia") in transcript("tg:3")
    assert ("bot", "<agent_joined:en:agent_name=Giulia>") in transcript("tg:3")  # the widget reads it here
    with session_scope() as session:
        entry = session.execute(select(AuditLog).where(AuditLog.action == "handoff.message")).scalar_one()
        assert entry.actor == "agent:giulia" and "Hello" not in (entry.details or "")


def test_failed_delivery_is_reported_and_not_recorded(console, monkeypatch):
    async def down(conversation_id, text, buttons=None, metadata=None, record=None):
        raise ConnectionError("telegram unreachable")

    monkeypatch.setattr(relay, "push", down)
    add_agent()
    hid = queue("tg:4", channel="telegram")
    client = login(console.url)
    post(client, f"/h/{hid}/take")
    answer = post(client, f"/h/{hid}/reply", {"text": "Buongiorno"}, headers=JSON)
    assert answer.status_code == 502 and answer.json()["code"] == "delivery"
    assert all(sender != "agent" for sender, _ in transcript("tg:4"))


@pytest.mark.parametrize("to, action", [("bot", "action_handback"), ("nps", "action_handback_nps")])
def test_hand_back_unpauses_and_makes_the_bot_speak(console, to, action):
    add_agent()
    hid = queue("web:5", channel="webchat")
    client = login(console.url)
    post(client, f"/h/{hid}/take")
    answer = post(client, f"/h/{hid}/handback", {"to": to}, page=f"/h/{hid}")
    assert answer.headers["location"].endswith("/queue?msg=returned")
    assert console.agent.executed == [("web:5", action, ("output-channel", "web:5"))]
    assert console.agent.lock_store.locked == ["web:5"]
    assert handoff(hid).status == "returned"
    with session_scope() as session:
        assert session.get(Conversation, "web:5").paused is False


def test_hand_back_tells_the_agent_when_the_bot_could_not_resume(console):
    console.agent.fail = True
    add_agent()
    hid = queue("web:6", channel="webchat")
    client = login(console.url)
    post(client, f"/h/{hid}/take")
    answer = post(client, f"/h/{hid}/handback", {"to": "bot"}, headers=JSON)
    assert answer.json()["code"] == "resume"
    assert handoff(hid).status == "returned"


def test_close_with_outcome_and_internal_note(console, pushes):
    add_agent()
    hid = queue("sms:+393331112222", channel="sms")
    client = login(console.url)
    post(client, f"/h/{hid}/take")
    assert post(client, f"/h/{hid}/note", {"text": "richiamare lunedì"}, headers=JSON).json()["ok"]
    assert post(client, f"/h/{hid}/close", {"outcome": "nonsense", "confirm": "yes"}, headers=JSON).status_code == 400
    unconfirmed = post(client, f"/h/{hid}/close", {"outcome": "callback"}, headers=JSON)
    assert unconfirmed.status_code == 400 and unconfirmed.json()["code"] == "confirm_close"
    assert post(client, f"/h/{hid}/close", {"outcome": "", "confirm": "yes"}, headers=JSON).status_code == 400
    assert handoff(hid).status == "assigned"
    assert post(client, f"/h/{hid}/close", {"outcome": "callback", "confirm": "yes"}, headers=JSON).json()["ok"]
    assert (handoff(hid).status, handoff(hid).outcome) == ("closed", "callback")
    assert ("system", "[nota] giulia: richiamare lunedì") in transcript("sms:+393331112222")
    # The debtor is told who joined and that the person closed; notes never reach them.
    assert [p.text for p in pushes] == ["<agent_joined:it:agent_name=Giulia>", "<agent_closed:it:agent_name=Giulia>"]


def test_conversation_page_and_stream_show_debtor_messages_live(console):
    add_agent()
    hid = queue("tg:9", channel="telegram")
    client = login(console.url)
    page = client.get(f"/h/{hid}")
    assert page.status_code == 200 and "Telegram …9" in page.text
    found: stdlib_queue.Queue = stdlib_queue.Queue()
    stop = threading.Event()
    threading.Thread(target=read_sse, args=(client, f"/h/{hid}/stream?after=0", found, stop), daemon=True).start()
    found.get(timeout=10)
    with session_scope() as session:
        record_message(session, "tg:9", "debtor", "/restart")
    events.notify_conversation("tg:9")
    update = found.get(timeout=10)
    stop.set()
    assert "/restart" in update["html"] and update["status"] == "queued"
    assert client.get(f"/h/{hid}/messages.json?after=0").json()["messages"][-1]["text"] == "/restart"
    assert client.get("/h/999").status_code == 404


def test_language_switch_and_logout(console):
    add_agent()
    client = login(console.url)
    assert "Coda" in client.get("/queue").text
    post(client, "/lang", {"lang": "en", "back": "/webhooks/console/queue"})
    assert "Queue" in client.get("/queue").text
    cookie = client.cookies.get("console_session")
    post(client, "/logout")
    assert client.get("/queue").status_code == 302
    stale = httpx.Client(base_url=console.url, follow_redirects=False, cookies={"console_session": cookie})
    assert stale.get("/queue").status_code == 302  # a logged-out session cannot be replayed


def test_static_files_and_dashboard(console, monkeypatch):
    import sys
    import types

    add_agent(role="supervisor")
    client = login(console.url)
    assert "EventSource" in client.get("/static/console.js").text
    assert client.get("/static/../../settings.py").status_code == 404
    kpi = types.ModuleType("bot.kpi.dashboard")
    kpi.render_dashboard_body = lambda session, since=None, until=None, lang="it": f"<section>KPI {lang}</section>"
    monkeypatch.setitem(sys.modules, "bot.kpi.dashboard", kpi)
    page = client.get("/dashboard").text
    assert "<section>KPI it</section>" in page and 'id="nav-queue"' in page  # inside the console frame


def test_sla_task_runs_in_the_server(console):
    async def probe():
        task = console.app.ctx.handoff_sla_task
        return task.done()

    assert console.call(probe()) is False


def test_disabled_agent_loses_access(console, monkeypatch):
    from bot.__main__ import main

    add_agent()
    client = login(console.url)
    assert main(["agents", "disable", "giulia"]) == 0
    assert client.get("/queue").status_code == 302


def test_console_never_feeds_the_dialogue(console):
    """Everything the agent writes goes to relay.push, never to the model as a user message."""
    add_agent()
    hid = queue("tg:10", channel="telegram")
    client = login(console.url)
    post(client, f"/h/{hid}/take")
    post(client, f"/h/{hid}/reply", {"text": "/restart"}, headers=JSON)
    assert console.agent.executed == []
    with session_scope() as session:
        assert session.get(Conversation, "tg:10").paused is True
    assert isinstance(datetime.utcnow(), datetime)
