"""The task inbox: every kind of follow-up in one list, owners, due dates, done with a note."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import func, select

from bot.agentdesk import inbox
from bot.agentdesk.models import TaskSource
from bot.dialogue import records
from bot.ledger.db import session_scope
from bot.ledger.models import AuditLog, Dispute, FollowUpTask, ReconciliationCase
from bot.nps.survey import record_nps_response
from tests.handoff.conftest import queue
from tests.handoff.desk_support import agent_client, ledger, post

TODAY = date(2026, 12, 3)


def _invoice_id() -> int:
    from bot.ledger.models import Invoice
    with session_scope() as session:
        return int(session.execute(select(Invoice.id)).scalar_one())


def world() -> int:
    """A callback, a detractor, a dispute and a reconciliation case for Mario; his id."""
    debtor_id = ledger()
    records.record_callback_request(debtor_id=debtor_id, conversation_id="tg-1", today=TODAY)
    with session_scope() as session:
        record_nps_response(session, conversation_id="tg-1", channel="telegram", journey="balance",
                            outcome="info", language="it", score=2, reason="troppo lento", improvement=None,
                            debtor_id=debtor_id, now=datetime(2026, 11, 20, 9))
        session.add(Dispute(invoice_id=_invoice_id(), reason="merce mai arrivata", conversation_id="tg-1",
                            respond_by=TODAY - timedelta(days=1)))
        session.add(ReconciliationCase(invoice_id=_invoice_id(), claimed_amount=Decimal("100.00"),
                                       conversation_id="tg-1", created_at=datetime(2026, 12, 1, 10)))
    return debtor_id


def test_disputes_and_reconciliation_cases_join_the_inbox_once(handoff_env):
    world()
    first = inbox.inbox_for_console("all", "giulia", TODAY)
    assert sorted(r.kind for r in first) == ["callback", "dispute", "nps_detractor", "reconciliation"]
    again = inbox.inbox_for_console("all", "giulia", TODAY)
    assert len(again) == 4  # no second task for the same case
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(TaskSource)).scalar_one() == 2
    dispute = next(r for r in first if r.kind == "dispute")
    assert dispute.due_on == TODAY - timedelta(days=1) and dispute.overdue
    assert dispute.debtor_name == "Mario Rossi" and dispute.note == "FT-2026/00417"


def test_views_mine_all_overdue_done(handoff_env):
    world()
    rows = inbox.inbox_for_console("all", "giulia", TODAY)
    callback = next(r for r in rows if r.kind == "callback")
    inbox.take(callback.id, "marco")
    mine = {r.kind for r in inbox.inbox_for_console("mine", "giulia", TODAY)}
    assert "callback" not in mine and "dispute" in mine  # a colleague's task is not mine; unowned ones are
    assert [r.kind for r in inbox.inbox_for_console("mine", "marco", TODAY, "callback")] == ["callback"]
    overdue = inbox.inbox_for_console("overdue", "giulia", TODAY)
    assert overdue and all(r.overdue for r in overdue)
    inbox.complete(callback.id, "Chiamato, pagherà venerdì", "marco")
    done = inbox.inbox_for_console("done", "giulia", TODAY)
    assert [(r.id, r.resolution) for r in done] == [(callback.id, "Chiamato, pagherà venerdì")]
    assert callback.id not in {r.id for r in inbox.inbox_for_console("all", "giulia", TODAY)}
    with session_scope() as session:
        actors = session.execute(select(AuditLog.actor, AuditLog.action).where(
            AuditLog.entity == "followup_task")).all()
    assert ("agent:marco", "followup_assigned") in actors and ("agent:marco", "followup_closed") in actors


def test_done_needs_a_note_and_happens_once(handoff_env):
    world()
    task = inbox.inbox_for_console("all", "giulia", TODAY)[0]
    with pytest.raises(ValueError):
        inbox.complete(task.id, "   ", "giulia")
    inbox.complete(task.id, "fatto", "giulia")
    with pytest.raises(ValueError):
        inbox.complete(task.id, "di nuovo", "giulia")
    with pytest.raises(ValueError):
        inbox.inbox_for_console("everything", "giulia", TODAY)


@settings(max_examples=25, deadline=None)
@given(dues=st.lists(st.one_of(st.none(), st.integers(-20, 20)), min_size=1, max_size=8))
def test_overdue_is_exactly_open_and_past_due(dues):
    """Whatever the due dates, the overdue view holds the open tasks due before today, nothing else.
    (Function-scoped fixtures do not mix with hypothesis: each example gets an in-memory database.)"""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from bot.schema import Base

    engine = create_engine("sqlite://", future=True)
    Base.metadata.create_all(engine)
    with Session(engine, future=True) as session:
        for offset in dues:
            session.add(FollowUpTask(kind="callback", due_on=None if offset is None else TODAY + timedelta(days=offset)))
        session.flush()
        overdue = inbox.list_inbox(session, "overdue", "giulia", TODAY)
        expected = [o for o in dues if o is not None and o < 0]
        assert len(overdue) == len(expected)
        assert all(r.due_on < TODAY for r in overdue)
        assert [r.due_on for r in overdue] == sorted(r.due_on for r in overdue)  # most urgent first


def test_the_inbox_page_over_http(console):
    debtor_id = world()
    hid = queue("tg-1", channel="telegram")
    client = agent_client(console.url)
    page = client.get("/tasks?view=all")
    assert page.status_code == 200
    assert page.text.count('class="overdue"') >= 1  # the dispute is past its answer date
    assert f'href="/webhooks/console/debtors/{debtor_id}"' in page.text
    assert f'href="/webhooks/console/h/{hid}"' in page.text  # link to the conversation
    assert "Richiamata" in page.text and "Contestazione" in page.text  # labels, not codes
    assert "Fattura FT-2026/00417" in page.text and "Richiamata chiesta in chat" in page.text
    task_id = inbox.inbox_for_console("all", "giulia", TODAY)[0].id
    refused = post(client, f"/tasks/{task_id}/done", {"note": ""}, page="/tasks")
    assert refused.status_code == 302 and "fail=" in refused.headers["location"]
    taken = post(client, f"/tasks/{task_id}/take", {"view": "all"}, page="/tasks")
    assert "ok=t_taken" in taken.headers["location"]
    done = post(client, f"/tasks/{task_id}/done", {"note": "Richiamato il cliente", "view": "all"}, page="/tasks")
    assert "ok=t_done" in done.headers["location"]
    assert "Attività segnata come fatta." in client.get(done.headers["location"].split("/console", 1)[1]).text
    with session_scope() as session:
        task = session.get(FollowUpTask, task_id)
        assert (task.status, task.owner, task.resolution) == ("done", "giulia", "Richiamato il cliente")
    forged = client.post(f"/tasks/{task_id}/done", data={"note": "x"})
    assert forged.status_code == 403
    assert client.get("/tasks?view=nonsense&kind=<script>").status_code == 200  # unknown filters fall back


def test_a_colleague_closing_a_task_reaches_an_open_inbox_without_reload(console):
    import json
    import queue as stdlib_queue
    import threading

    world()
    anna = agent_client(console.url, "anna", "Anna")
    giulia = agent_client(console.url)
    task_id = inbox.inbox_for_console("all", "giulia", TODAY)[0].id
    found: stdlib_queue.Queue = stdlib_queue.Queue()
    stop = threading.Event()

    def read() -> None:
        import httpx
        try:
            with anna.stream("GET", "/tasks/stream?view=all", timeout=30) as stream:
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        found.put(json.loads(line[6:]))
                    if stop.is_set():
                        return
        except httpx.HTTPError:
            return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    first = found.get(timeout=20)
    assert task_id in first["ids"] and f'id="task-{task_id}"' in first["html"]
    # The update sent on connecting repeats the page: the same version, so the page keeps its rows.
    shown = anna.get("/tasks?view=all").text
    assert f'data-version="{first["version"]}"' in shown
    post(giulia, f"/tasks/{task_id}/done", {"note": "Fatto dal collega"}, page="/tasks")
    update = found.get(timeout=20)
    stop.set()
    assert task_id not in update["ids"] and f'id="task-{task_id}"' not in update["html"]
    assert update["count"] == first["count"] - 1 and update["version"] != first["version"]
