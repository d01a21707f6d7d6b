"""Roles through the real server: what an agent, a supervisor and an admin may open and do."""
from __future__ import annotations

import io
import sys

import httpx
import pytest

from bot.__main__ import main
from bot.handoff import roles
from bot.ledger.db import session_scope
from bot.ledger.models import Handoff
from tests.handoff.conftest import add_agent, csrf_of, login, queue

JSON = {"Accept": "application/json"}
SUPERVISOR_PAGES = ("/dashboard", "/outreach", "/payments", "/privacy")
ADMIN_PAGES = ("/privacy/export?debtor=NOPE",)


def post(client: httpx.Client, path: str, data: dict | None = None, **kw) -> httpx.Response:
    token = csrf_of(client.get("/queue").text)
    return client.post(path, data={"csrf": token, **(data or {})}, **kw)


def status_of(hid: int) -> tuple[str, str | None]:
    with session_scope() as session:
        h = session.get(Handoff, hid)
        return h.status, h.assigned_to


def test_role_order_is_agent_supervisor_admin() -> None:
    assert roles.allows("admin", "supervisor") and roles.allows("supervisor", "agent")
    assert not roles.allows("agent", "supervisor") and not roles.allows("supervisor", "admin")
    assert not roles.allows("", "agent") and not roles.allows("root", "agent")  # unknown roles: nothing


def test_an_agent_gets_403_on_supervisor_and_admin_pages(console):
    add_agent()
    client = login(console.url)
    assert client.get("/queue").status_code == 200
    for path in SUPERVISOR_PAGES + ADMIN_PAGES:
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "non è disponibile per il suo ruolo" in answer.text
    assert client.get("/dashboard", headers=JSON).json()["code"] == "forbidden"
    erase = post(client, "/privacy/erase", {"debtor": "D1", "confirm": "yes"})
    assert erase.status_code == 403
    page = client.get("/queue").text
    assert 'id="nav-queue"' in page and 'id="nav-dashboard"' not in page and 'id="nav-privacy"' not in page


def test_a_supervisor_reads_kpis_outreach_and_audit_but_not_admin_pages(console):
    add_agent("sara", "Sara", role="supervisor")
    client = login(console.url, "sara")
    for path in ("/outreach", "/payments", "/privacy"):
        assert client.get(path).status_code == 200, path
    assert client.get("/dashboard").status_code == 200
    assert client.get("/privacy/export?debtor=NOPE").status_code == 403
    assert post(client, "/privacy/erase", {"debtor": "NOPE", "confirm": "yes"}).status_code == 403
    page = client.get("/queue").text
    for key in ("queue", "dashboard", "outreach", "payments", "audit"):
        assert f'id="nav-{key}"' in page, key
    assert 'id="nav-privacy"' not in page


def test_an_admin_reaches_the_privacy_requests(console):
    add_agent("ada", "Ada", role="admin")
    client = login(console.url, "ada")
    assert client.get("/privacy/export?debtor=NOPE").status_code == 404  # allowed; no such debtor
    assert 'id="nav-privacy"' in client.get("/queue").text


def test_an_agent_sees_the_queue_and_only_their_own_conversations(console):
    add_agent()
    add_agent("bruno", "Bruno")
    add_agent("sara", "Sara", role="supervisor")
    mine, theirs, waiting = queue("tg:1", channel="telegram"), queue("tg:2", channel="telegram"), queue("tg:3")
    giulia, bruno, sara = login(console.url), login(console.url, "bruno"), login(console.url, "sara")
    post(giulia, f"/h/{mine}/take")
    post(bruno, f"/h/{theirs}/take")
    assert giulia.get(f"/h/{mine}").status_code == 200
    assert giulia.get(f"/h/{waiting}").status_code == 200  # waiting entries are open to everyone
    assert giulia.get(f"/h/{theirs}").status_code == 404   # a colleague's: as if it did not exist
    assert giulia.get(f"/h/{theirs}/messages.json").status_code == 404
    assert giulia.get(f"/h/{theirs}/stream").status_code == 404
    assert post(giulia, f"/h/{theirs}/note", {"text": "x"}, headers=JSON).status_code == 404
    assert sara.get(f"/h/{theirs}").status_code == 200      # supervisors see every conversation
    # Lists: agents get Mine and Unassigned; All open and Closed are the supervisors'.
    assert giulia.get("/queue.json?view=open").json()["view"] == "unassigned"
    assert giulia.get("/queue.json?view=closed").json()["view"] == "unassigned"
    assert [i["handoff_id"] for i in giulia.get("/queue.json?view=mine").json()["items"]] == [mine]
    assert sara.get("/queue.json?view=closed").json()["view"] == "closed"
    assert {i["handoff_id"] for i in sara.get("/queue.json?view=open").json()["items"]} == {mine, theirs, waiting}


def test_a_role_set_with_the_cli_counts_from_the_next_request(console, monkeypatch, capsys):
    add_agent()
    client = login(console.url)
    assert client.get("/dashboard").status_code == 403
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["agents", "role", "giulia", "supervisor"]) == 0
    assert "now supervisor" in capsys.readouterr().out
    assert client.get("/dashboard").status_code == 200  # same session, no new login
    with pytest.raises(SystemExit):
        main(["agents", "role", "giulia", "emperor"])  # argparse refuses an unknown role
    assert main(["agents", "role", "nobody", "admin"]) == 2


def test_every_console_route_but_the_public_ones_requires_a_role(console):
    # Static files (the console's and the desk's styles and scripts) are the same for everyone.
    public = {"/webhooks/console/", "/webhooks/console/login", "/webhooks/console/static/<name:str>",
              "/webhooks/console/desk/<name:str>"}
    guarded = {}
    for route in console.app.router.routes:
        path = "/" + route.path.lstrip("/")
        if not path.startswith("/webhooks/console"):
            continue
        handler = route.handler
        guarded[path] = getattr(handler, "required_role", None)
    assert guarded, "no console routes found"
    unguarded = sorted(p for p, role in guarded.items() if role is None and p.rstrip("/") not in
                       {x.rstrip("/") for x in public})
    assert unguarded == []
    assert guarded["/webhooks/console/dashboard"] == "supervisor"
    assert guarded["/webhooks/console/privacy/erase"] == "admin"


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_release_and_transfer_by_role(console, role):
    add_agent()
    add_agent("bruno", "Bruno")
    add_agent("boss", "Boss", role=role)
    hid = queue("tg:7", channel="telegram")
    giulia, boss = login(console.url), login(console.url, "boss")
    post(giulia, f"/h/{hid}/take")
    answer = post(boss, f"/h/{hid}/transfer", {"to": "bruno"}, headers=JSON)
    if role == "agent":  # not theirs: refused, nothing changes
        assert answer.status_code in (404, 409)
        assert status_of(hid) == ("assigned", "giulia")
        return
    assert answer.status_code == 200 and status_of(hid) == ("assigned", "bruno")
    assert post(boss, f"/h/{hid}/release", headers=JSON).json()["ok"]
    assert status_of(hid) == ("queued", None)
