"""The console page of dead-lettered messages, on a real console server."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
from sqlalchemy import select, update

from bot.channels import dedupe
from bot.channels.models import DEAD, InboundUpdate, OutboundDelivery
from bot.handoff.console_inbound import render_inbound_page
from bot.ledger.db import session_scope
from tests.handoff.conftest import add_agent, csrf_of, handoff_env, login, pushes  # noqa: F401


@pytest.fixture()
def console(handoff_env, pushes) -> Iterator[Any]:  # noqa: F811
    import tests.handoff.server as server_module

    server = server_module.ConsoleServer().start()  # console.py registers the inbound page itself
    try:
        yield server
    finally:
        server.stop()


def dead_update(body: str) -> int:
    row_id = dedupe.claim("sms", f"SM-{body[:8]}", {"From": "+393331234567", "Body": body}, "sms:+393331234567")
    with session_scope() as session:
        session.execute(update(InboundUpdate).where(InboundUpdate.id == row_id).values(
            status=DEAD, attempts=5, last_error="RuntimeError: dialogue unavailable for +393331234567"))
        session.add(OutboundDelivery(conversation_id="tg:9", channel="telegram", payload='{"text": "Grazie"}',
                                     status=DEAD, attempts=6, last_error="telegram refused sendMessage"))
    return int(row_id)


def test_agents_see_dead_letters_masked_and_escaped_and_can_retry(console):
    row_id = dead_update("<script>alert(1)</script> il mio codice RSSMRA85T10A562S")
    add_agent()
    import httpx

    assert httpx.get(f"{console.url}/inbound").status_code in (302, 303)  # not logged in
    client = login(console.url)
    page = client.get("/inbound")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "RSSMRA85T10A562S" not in page.text and "+393331234567" not in page.text
    assert "Message not processed" in page.text and "Reply not delivered" in page.text
    forged = client.post(f"/inbound/inbound/{row_id}/retry", data={"csrf": "forged"})
    assert forged.status_code == 403
    done = client.post(f"/inbound/inbound/{row_id}/retry", data={"csrf": csrf_of(page.text)})
    assert done.status_code in (302, 303)
    with session_scope() as session:
        row = session.execute(select(InboundUpdate).where(InboundUpdate.id == row_id)).scalar_one()
        assert (row.status, row.attempts) == ("failed", 0)
    again = client.post(f"/inbound/inbound/{row_id}/retry", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 404   # no longer dead


def test_empty_page_says_so():
    assert "Nothing waiting" in render_inbound_page([], "t")
