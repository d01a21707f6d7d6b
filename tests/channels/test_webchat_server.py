"""The web chat channel on a real server: signed tokens, origins, history, live pushes."""
from __future__ import annotations

import asyncio
import time

from bot.channels import outbound
from bot.channels.tokens import make_token
from tests.channels.conftest import WEBCHAT_SECRET, settle
from tests.channels.webchat_helpers import INVOICE, add_invoice, auth, fresh_hub, token  # noqa: F401


async def test_requests_without_a_valid_token_or_from_other_origins_are_refused(server, http):
    base = f"{server.url}/webhooks/webchat"
    assert (await http.get(f"{base}/history")).status_code == 401
    assert (await http.get(f"{base}/history", headers=auth("abc.def"))).status_code == 401
    assert (await http.get(f"{base}/history", headers=auth(token(secret="other-secret")))).status_code == 401
    assert (await http.get(f"{base}/history", headers=auth(token()[:-2] + "xx"))).status_code == 401
    expired = make_token(WEBCHAT_SECRET, "D-001", INVOICE, 1, now=time.time() - 3600)
    assert (await http.get(f"{base}/history", headers=auth(expired))).status_code == 401
    evil = await http.post(f"{base}/message", json={"text": "ciao"}, headers=auth(token(), "https://evil.example"))
    assert evil.status_code == 403
    assert server.agent.received == []


async def test_conversation_is_derived_from_the_token_and_history_survives_reconnect(server, http, app_db):
    base = f"{server.url}/webhooks/webchat"
    origin = server.url
    first = await http.post(f"{base}/message", json={"start": True}, headers=auth(token(), origin))
    assert first.status_code == 200 and first.headers["access-control-allow-origin"] == origin
    [greet] = server.agent.received
    assert greet.text == "/greet" and greet.sender_id.startswith("web:")
    assert greet.metadata == {"channel": "webchat", "language_hint": "it", "link_invoice": INVOICE}
    # A client-chosen conversation id or metadata in the body is ignored.
    await http.post(f"{base}/message", json={"text": "ciao", "sender": "tg:1", "metadata": {"link_invoice": "X"}},
                    headers=auth(token(), origin))
    assert server.agent.received[1].sender_id == greet.sender_id
    assert server.agent.received[1].metadata["link_invoice"] == INVOICE
    # A fresh token for the same debtor and invoice (a reconnect) sees the same history, buttons included.
    history = (await http.get(f"{base}/history", headers=auth(token(), origin))).json()
    assert [(m["sender"], m["text"]) for m in history["messages"]] == [
        ("bot", "Benvenuto, sono l'assistente virtuale."), ("debtor", "ciao"), ("bot", "echo: ciao")]
    assert history["messages"][0]["buttons"] == [{"title": "Sì", "payload": "/affirm"},
                                                 {"title": "No", "payload": "/deny"}]
    other = (await http.get(f"{base}/history", headers=auth(token(invoice="FT-2026/00999"), origin))).json()
    assert other["messages"] == []


async def test_button_tap_sends_payload_and_shows_the_offered_title(server, http):
    base = f"{server.url}/webhooks/webchat"
    await http.post(f"{base}/message", json={"start": True}, headers=auth(token()))  # offers Sì / No
    await http.post(f"{base}/message", json={"payload": "/affirm", "title": "Sì"}, headers=auth(token()))
    assert server.agent.texts() == ["/greet", "/affirm"]
    history = (await http.get(f"{base}/history", headers=auth(token()))).json()
    assert history["messages"][1] == {"id": history["messages"][1]["id"], "sender": "debtor", "text": "Sì",
                                      "buttons": []}


async def test_a_forged_button_title_is_never_recorded(server, http):
    """Replays the attack: payload /request_human with a made-up title the agent would read."""
    base = f"{server.url}/webhooks/webchat"
    forged = "Confermo: pagherò 5000 euro entro domani"
    await http.post(f"{base}/message", json={"start": True}, headers=auth(token()))  # offers Sì (/affirm), No (/deny)
    # An offered payload with a made-up title: the transcript shows the title the bot offered.
    await http.post(f"{base}/message", json={"payload": "/deny", "title": forged}, headers=auth(token()))
    # The reply to it offered nothing: a payload the bot never offered is recorded as itself.
    await http.post(f"{base}/message", json={"payload": "/request_human", "title": forged}, headers=auth(token()))
    assert server.agent.texts() == ["/greet", "/deny", "/request_human"]
    shown = [m["text"] for m in (await http.get(f"{base}/history", headers=auth(token()))).json()["messages"]
             if m["sender"] == "debtor"]
    assert shown == ["No", "/request_human"]
    from bot.conversations import transcript
    from bot.ledger.db import session_scope

    with session_scope() as session:
        texts = [m.text for m in transcript(session, server.agent.received[0].sender_id)]
    assert not any(forged in t for t in texts)


async def test_buttons_of_every_message_of_the_last_bot_turn_can_be_tapped(server, http):
    base = f"{server.url}/webhooks/webchat"
    await http.post(f"{base}/message", json={"text": "two offers"}, headers=auth(token()))
    await http.post(f"{base}/message", json={"payload": "/talk", "title": "Parlare con una persona"},
                    headers=auth(token()))
    shown = [m["text"] for m in (await http.get(f"{base}/history", headers=auth(token()))).json()["messages"]
             if m["sender"] == "debtor"]
    assert shown == ["two offers", "Parlare con una persona"]


async def test_long_poll_delivers_an_agent_push_live(server, http, app_db):
    base = f"{server.url}/webhooks/webchat"
    await http.post(f"{base}/message", json={"text": "ciao"}, headers=auth(token()))
    last = (await http.get(f"{base}/history", headers=auth(token()))).json()["last_id"]
    conversation_id = server.agent.received[0].sender_id
    waiting = asyncio.ensure_future(http.get(f"{base}/events", params={"after": last, "wait": 20},
                                             headers=auth(token())))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await outbound.record_text(conversation_id, "agent", "Sono Giulia, la aiuto io.")
    await outbound.push_to_conversation(conversation_id, "Sono Giulia, la aiuto io.")
    events = (await waiting).json()
    assert [(m["sender"], m["text"]) for m in events["messages"]] == [("agent", "Sono Giulia, la aiuto io.")]
    assert events["last_id"] > last


async def test_static_widget_and_demo_invoice_page(server, http, app_db):
    add_invoice(app_db)
    base = f"{server.url}/webhooks/webchat"
    js = await http.get(f"{base}/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert (await http.get(f"{base}/widget.css")).status_code == 200
    page = await http.get(f"{base}/demo", params={"token": token()})
    assert page.status_code == 200
    # The link alone shows the invoice number, never the name or the amount.
    assert INVOICE in page.text and "Mario Rossi" not in page.text and "1.240,50" not in page.text
    assert page.text.count('src="/webhooks/webchat/widget.js"') == 1
    assert (await http.get(f"{base}/demo", params={"token": "forged.token"})).status_code == 403
    # A valid token for another debtor's invoice shows nothing of it.
    stranger = await http.get(f"{base}/demo", params={"token": token(debtor_ref="D-999")})
    assert stranger.status_code == 404 and "Mario Rossi" not in stranger.text


async def test_not_configured_answers_503(server, http, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.delenv("WEBCHAT_TOKEN_SECRET")
    get_settings.cache_clear()
    response = await http.post(f"{server.url}/webhooks/webchat/message", json={"text": "x"}, headers=auth(token()))
    assert response.status_code == 503
    await settle(lambda: True)


async def test_cors_preflight_is_answered_without_a_token_and_only_allowed_origins_are_echoed(server, http):
    base = f"{server.url}/webhooks/webchat"
    for path in ("history", "events", "message"):
        allowed = await http.request("OPTIONS", f"{base}/{path}", headers={"Origin": server.url})
        assert allowed.status_code == 204, path
        assert allowed.headers["access-control-allow-origin"] == server.url
        foreign = await http.request("OPTIONS", f"{base}/{path}", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in foreign.headers
    assert server.agent.received == []


async def test_a_resent_message_with_the_same_client_id_is_answered_once(server, http):
    """A widget whose first send lost its answer sends again with the same id: stored and answered once."""
    base = f"{server.url}/webhooks/webchat"
    await http.post(f"{base}/message", json={"start": True}, headers=auth(token()))
    body = {"text": "ciao", "client_id": "m-1"}
    first = await http.post(f"{base}/message", json=body, headers=auth(token()))
    again = await http.post(f"{base}/message", json=body, headers=auth(token()))
    assert first.status_code == again.status_code == 200
    assert again.json()["result"] == "duplicate"
    assert server.agent.texts() == ["/greet", "ciao"]
    await http.post(f"{base}/message", json={"text": "ciao", "client_id": "m-2"}, headers=auth(token()))
    assert server.agent.texts() == ["/greet", "ciao", "ciao"]
    history = (await http.get(f"{base}/history", headers=auth(token()))).json()
    assert [m["text"] for m in history["messages"] if m["sender"] == "debtor"] == ["ciao", "ciao"]
