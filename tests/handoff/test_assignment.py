"""Assignment: limit per agent, release, transfer, silent re-queue, lists, search, timers, result types."""
from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from bot.conversations import record_message, upsert_conversation
from bot.handoff import assignment, events, queue_views, service
from bot.handoff.queue_views import Filters
from bot.handoff.service import HandoffConflict, HandoffError
from bot.ledger.db import session_scope
from bot.ledger.models import AuditLog, Handoff
from tests.factories import add_debtor, add_invoice
from tests.handoff.conftest import add_agent, csrf_of, login, queue

JSON = {"Accept": "application/json"}
T0 = datetime(2026, 11, 2, 9, 0)


def post(client: httpx.Client, path: str, data: dict | None = None, **kw) -> httpx.Response:
    token = csrf_of(client.get("/queue").text)
    return client.post(path, data={"csrf": token, **(data or {})}, headers=JSON, **kw)


def state(hid: int) -> tuple[str, str | None]:
    with session_scope() as session:
        h = session.get(Handoff, hid)
        return h.status, h.assigned_to


def test_the_open_limit_refuses_one_more_take_and_a_transfer(console, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_MAX_OPEN_PER_AGENT", "1")
    get_settings.cache_clear()
    add_agent()
    add_agent("bruno", "Bruno")
    first, second, third = queue("tg:1", channel="telegram"), queue("tg:2", channel="telegram"), queue("tg:3")
    giulia, bruno = login(console.url), login(console.url, "bruno")
    assert post(giulia, f"/h/{first}/take").json()["ok"]
    refused = post(giulia, f"/h/{second}/take")
    assert refused.status_code == 409 and refused.json()["code"] == "limit"
    assert state(second) == ("queued", None)
    assert post(bruno, f"/h/{third}/take").json()["ok"]
    full = post(bruno, f"/h/{third}/transfer", {"to": "giulia"})
    assert full.status_code == 409 and full.json()["code"] == "limit" and state(third) == ("assigned", "bruno")


def test_release_puts_it_back_waiting_from_now_and_keeps_the_bot_paused(handoff_env):
    hid = queue("tg:5", channel="telegram", now=T0)
    with session_scope() as session:
        service.take(session, hid, "giulia", now=T0)
        with pytest.raises(HandoffConflict):
            assignment.release(session, hid, "bruno")  # not theirs
        assignment.release(session, hid, "giulia", now=T0 + timedelta(minutes=20))
        handoff = session.get(Handoff, hid)
        assert (handoff.status, handoff.assigned_to, handoff.created_at) == ("queued", None, T0 + timedelta(minutes=20))
        assert session.execute(select(AuditLog.action).where(AuditLog.action == "handoff.released")).scalar_one()
        from bot.conversations import is_paused
        assert is_paused(session, "tg:5")


def test_transfer_needs_an_active_other_agent(handoff_env):
    add_agent()
    add_agent("bruno", "Bruno")
    hid = queue("tg:6", channel="telegram")
    with session_scope() as session:
        service.take(session, hid, "giulia")
        for target, code in (("nobody", "bad_agent"), ("giulia", "same_agent")):
            with pytest.raises(HandoffError, match=code):
                assignment.transfer(session, hid, "giulia", target)
        assignment.transfer(session, hid, "giulia", "bruno")
        assert session.get(Handoff, hid).assigned_to == "bruno"


def test_a_silent_assignment_returns_to_the_queue_and_an_answering_one_stays(handoff_env, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_SILENT_REQUEUE_MINUTES", "15")
    get_settings.cache_clear()
    silent, talking = queue("tg:s", channel="telegram", now=T0), queue("tg:t", channel="telegram", now=T0)
    with session_scope() as session:
        service.take(session, silent, "giulia", now=T0)
        service.take(session, talking, "bruno", now=T0)
        session.add_all([])
        msg = record_message(session, "tg:t", "agent", "Buongiorno")
        msg.created_at = T0 + timedelta(minutes=10)
    with session_scope() as session:
        assert assignment.requeue_silent(session, T0 + timedelta(minutes=14)) == []
        back = assignment.requeue_silent(session, T0 + timedelta(minutes=16))
        assert [h.id for h in back] == [silent]
    assert state(silent) == ("queued", None) and state(talking) == ("assigned", "bruno")
    with session_scope() as session:
        assert [h.id for h in assignment.requeue_silent(session, T0 + timedelta(minutes=26))] == [talking]
        assert session.execute(select(AuditLog).where(AuditLog.action == "handoff.requeued")).scalars().all()


def test_the_running_console_requeues_on_a_queue_poll(console, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_SILENT_REQUEUE_MINUTES", "5")
    get_settings.cache_clear()
    add_agent()
    hid = queue("tg:p", channel="telegram")
    client = login(console.url)
    post(client, f"/h/{hid}/take")
    with session_scope() as session:  # taken a while ago and nothing said since
        session.execute(update(Handoff).where(Handoff.id == hid).values(taken_at=datetime.utcnow() - timedelta(minutes=6)))
    items = client.get("/queue.json?view=unassigned").json()["items"]
    assert [i["handoff_id"] for i in items] == [hid] and state(hid) == ("queued", None)


def test_requeue_off_when_zero(handoff_env, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_SILENT_REQUEUE_MINUTES", "0")
    get_settings.cache_clear()
    hid = queue("tg:z", channel="telegram", now=T0)
    with session_scope() as session:
        service.take(session, hid, "giulia", now=T0)
        assert assignment.requeue_silent(session, T0 + timedelta(days=1)) == []


@pytest.fixture()
def ledger(handoff_env):
    """A verified conversation of Mario Rossi and an unverified WhatsApp one."""
    with session_scope() as session:
        mario = add_debtor(session, phone="+393331234567")
        add_invoice(session, mario, number="FT-2026/00417")
        debtor_id = mario.id
    verified = queue("tg:100", channel="telegram", debtor_id=debtor_id, reason="complain", now=T0,
                     summary={"verified": True, "debtor_name": "Mario Rossi"})
    stranger = queue("wa:+393479998877", channel="whatsapp", reason="request_human", now=T0 + timedelta(minutes=1))
    with session_scope() as session:
        upsert_conversation(session, "wa:+393479998877", "whatsapp", inbound=False).address = "+393479998877"
        msg = record_message(session, "tg:100", "debtor", "Voglio parlare con qualcuno")
        msg.created_at = T0 + timedelta(minutes=3)
    return verified, stranger


@pytest.mark.parametrize("q, found", [
    ("rossi", "verified"), ("FT-2026/00417", "verified"), ("ft-2026/ 00417", "verified"),
    ("RSSMRA85T10A562S", "verified"), ("333 123 4567", "verified"), ("347 999 8877", "stranger"),
    ("nessuno", None),
])
def test_search_by_name_invoice_tax_code_and_phone(ledger, q, found):
    verified, stranger = ledger
    with session_scope() as session:
        ids = [i.handoff_id for i in queue_views.list_queue(session, T0, filters=Filters(q=q))]
    assert ids == ([] if found is None else [verified if found == "verified" else stranger])


def test_filters_views_labels_and_timers(ledger):
    verified, stranger = ledger
    now = T0 + timedelta(minutes=10)
    with session_scope() as session:
        def ids(**kw):
            return [i.handoff_id for i in queue_views.list_queue(session, now, **kw)]
        assert ids(filters=Filters(channel="whatsapp")) == [stranger]
        assert ids(filters=Filters(reason="complain")) == [verified]
        service.take(session, verified, "giulia", now=now)
        assert ids(filters=Filters(status="assigned")) == [verified]
        assert ids(view="mine", agent="giulia") == [verified] and ids(view="mine", agent="bruno") == []
        assert ids(view="unassigned") == [stranger]
        service.close(session, verified, "giulia", "resolved", now=now)
        assert ids(view="closed") == [verified] and ids(view="open") == [stranger]
        items = {i.handoff_id: i for i in queue_views.list_queue(session, now, view="open", lang="en")}
        closed = queue_views.list_queue(session, now, view="closed")[0]
    assert closed.label == "Mario Rossi" and closed.debtor_silent_minutes == 7 and closed.outcome == "resolved"
    row = items[stranger]
    # No name before verification, no full number: channel, masked address, the time it came in (Rome).
    assert row.label == "WhatsApp …8877 · 2 Nov 2026, 10:01" and "+39347" not in row.label
    assert row.waiting_minutes == 9 and row.debtor_silent_minutes is None


def test_status_comes_from_the_error_type_and_handback_notifies_once(console, monkeypatch):
    add_agent()
    add_agent("bruno", "Bruno")
    hid = queue("tg:r", channel="telegram")
    giulia, bruno = login(console.url), login(console.url, "bruno")
    assert post(giulia, "/h/999999/take").status_code == 404
    assert post(giulia, f"/h/{hid}/take").status_code == 200
    assert post(bruno, f"/h/{hid}/take").json()["code"] == "taken"
    assert post(bruno, f"/h/{hid}/take").status_code == 409
    assert post(giulia, f"/h/{hid}/reply", {"text": "   "}).status_code == 400
    published: list[str] = []
    monkeypatch.setattr(events, "notify_queue_changed", lambda: published.append("queue"))
    monkeypatch.setattr(events, "notify_conversation", lambda cid, kind="message": published.append(cid))
    answer = post(giulia, f"/h/{hid}/handback", {"to": "bot"})
    assert answer.json()["code"] == "returned"
    assert published == ["tg:r", "queue"]  # once each
    plain = giulia.post(f"/h/{hid}/take", data={"csrf": csrf_of(giulia.get("/queue").text)})
    assert plain.status_code == 302 and plain.headers["location"].endswith(f"/h/{hid}?err=taken")  # plain form


def test_search_wildcards_are_literal(ledger):
    with session_scope() as session:
        assert queue_views.list_queue(session, T0, filters=Filters(q="%")) == []
        assert queue_views.list_queue(session, T0, filters=Filters(q="_")) == []


def test_the_sla_sweep_of_the_running_service_requeues_too(handoff_env, pushes, monkeypatch):
    import asyncio

    from bot.handoff import sla
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_SILENT_REQUEUE_MINUTES", "15")
    get_settings.cache_clear()
    hid = queue("tg:w", channel="telegram", now=T0)
    with session_scope() as session:
        service.take(session, hid, "giulia", now=T0)
    woke: list[str] = []
    monkeypatch.setattr(events, "notify_queue_changed", lambda: woke.append("queue"))
    asyncio.run(sla.sweep_once(T0 + timedelta(minutes=16)))
    assert state(hid) == ("queued", None) and woke == ["queue"]


def test_a_page_of_a_conversation_transferred_away_is_told_it_is_gone(console):
    import json as jsonlib

    add_agent()
    add_agent("bruno", "Bruno")
    hid = queue("tg:g", channel="telegram")
    giulia = login(console.url)
    post(giulia, f"/h/{hid}/take")
    post(giulia, f"/h/{hid}/transfer", {"to": "bruno"})
    assert giulia.get(f"/h/{hid}").status_code == 404
    assert giulia.get(f"/h/{hid}/stream").status_code == 404
    bruno = login(console.url, "bruno")
    with bruno.stream("GET", f"/h/{hid}/stream?after=0", timeout=10) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                assert jsonlib.loads(line[6:])["assigned_to"] == "bruno"
                break


def test_relay_passes_the_agent_name_where_the_outbound_module_takes_it(monkeypatch):
    import asyncio

    import bot.channels.outbound as outbound
    from bot.handoff import relay

    seen: list[tuple] = []

    async def with_metadata(conversation_id, text, buttons=None, metadata=None):
        seen.append((conversation_id, text, metadata))

    async def without(conversation_id, text, buttons=None):
        seen.append((conversation_id, text, None))

    monkeypatch.setattr(outbound, "push_to_conversation", with_metadata)
    asyncio.run(relay.push("web:1", "hi", None, metadata={"agent_name": "Giulia"}))
    monkeypatch.setattr(outbound, "push_to_conversation", without)
    asyncio.run(relay.push("web:1", "hi", None, metadata={"agent_name": "Giulia"}))
    assert seen == [("web:1", "hi", {"agent_name": "Giulia"}), ("web:1", "hi", None)]
