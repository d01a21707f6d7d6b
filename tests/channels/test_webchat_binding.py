"""A web chat link is not the whole credential: verification binds to the browser that did it.

Every test drives the real Sanic server over loopback; each ``httpx.AsyncClient`` is one
browser with its own cookie jar.
"""
from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.channels.tokens import make_token, verify_token
from bot.channels.webchat_state import DEVICE_COOKIE
from bot.ledger.db import session_scope
from bot.ledger.models import Debtor, Invoice, PaymentPlan, PlanInstalment
from bot.security.verified import record_verified, verified_debtor
from tests.channels.conftest import WEBCHAT_SECRET
from tests.channels.webchat_helpers import INVOICE, add_invoice, auth, fresh_hub, token  # noqa: F401
from tests.payments.test_checkout import FakeStripe, fake_api  # noqa: F401


def verify(conversation_id: str) -> None:
    """What the dialogue records once the debtor gave the invoice number and the matching tax code."""
    with session_scope() as session:
        invoice = session.execute(select(Invoice).where(Invoice.invoice_number == INVOICE)).scalar_one()
        record_verified(session, conversation_id=conversation_id, debtor_id=invoice.debtor_id,
                        invoice_id=invoice.id, channel="webchat", now=datetime.utcnow())


async def start(server, browser: httpx.AsyncClient, tok: str) -> str:
    """Open the widget in ``browser``; returns the conversation id the server derived."""
    before = len(server.agent.received)
    reply = await browser.post(f"{server.url}/webhooks/webchat/message", json={"start": True}, headers=auth(tok))
    assert reply.status_code == 200
    return server.agent.received[before].sender_id


async def test_the_same_link_in_another_browser_starts_unverified_and_sees_no_history(server, app_db):
    add_invoice(app_db)
    link = token()
    base = f"{server.url}/webhooks/webchat"
    async with httpx.AsyncClient() as mine, httpx.AsyncClient() as other:
        mine_id = await start(server, mine, link)
        await mine.post(f"{base}/message", json={"text": "RSSMRA80A01H501U"}, headers=auth(link))
        verify(mine_id)
        history = (await mine.get(f"{base}/history", headers=auth(link))).json()
        assert history["verified"] is True and len(history["messages"]) == 3
        # A fresh link for the same invoice in the same browser resumes the same verified conversation.
        assert (await mine.get(f"{base}/history", headers=auth(token()))).json()["verified"] is True

        seen = (await other.get(f"{base}/history", headers=auth(link))).json()
        assert seen["messages"] == [] and seen["verified"] is False
        other_id = await start(server, other, link)
        assert other_id != mine_id and other_id.startswith("web:")
        assert (await other.get(f"{base}/history", headers=auth(link))).json()["verified"] is False
        # The other browser's messages never reach the verified conversation.
        await other.post(f"{base}/message", json={"text": "quanto devo?"}, headers=auth(link))
        assert server.agent.received[-1].sender_id == other_id
        with session_scope() as session:
            assert verified_debtor(session, other_id, datetime.utcnow()) is None


async def test_a_made_up_or_missing_device_cookie_gets_a_new_unverified_conversation(server, app_db):
    add_invoice(app_db)
    async with httpx.AsyncClient() as mine:
        mine_id = await start(server, mine, token())
        verify(mine_id)
        cookie = mine.cookies.get(DEVICE_COOKIE)
    for forged in ("x", "../../etc", cookie[:-1] + "!", ""):
        async with httpx.AsyncClient(cookies={DEVICE_COOKIE: forged} if forged else None) as intruder:
            seen = await intruder.get(f"{server.url}/webhooks/webchat/history", headers=auth(token()))
            assert seen.json()["messages"] == [] and seen.json()["verified"] is False
            assert seen.cookies.get(DEVICE_COOKIE) not in (None, forged, cookie)


async def test_the_device_cookie_is_httponly_samesite_and_secure_behind_https(server, app_db, monkeypatch):
    from bot.settings import get_settings

    add_invoice(app_db)
    async with httpx.AsyncClient() as browser:
        reply = await browser.get(f"{server.url}/webhooks/webchat/history", headers=auth(token()))
        header = reply.headers["set-cookie"]
        assert header.startswith(f"{DEVICE_COOKIE}=") and "HttpOnly" in header and "SameSite=Lax" in header
        assert "Path=/webhooks/webchat/" in header and "Secure" not in header
        again = await browser.get(f"{server.url}/webhooks/webchat/history", headers=auth(token()))
        assert "set-cookie" not in again.headers  # issued once, then kept
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://pay.example.com")
    get_settings.cache_clear()
    async with httpx.AsyncClient() as browser:
        header = (await browser.get(f"{server.url}/webhooks/webchat/history", headers=auth(token()))
                  ).headers["set-cookie"]
        assert "Secure" in header and "SameSite=None" in header and "HttpOnly" in header


async def test_cors_allows_credentials_only_for_allowed_origins(server, app_db):
    async with httpx.AsyncClient() as browser:
        ok = await browser.get(f"{server.url}/webhooks/webchat/history", headers=auth(token(), server.url))
        assert ok.headers["access-control-allow-credentials"] == "true"
        assert ok.headers["access-control-allow-origin"] == server.url
        evil = await browser.get(f"{server.url}/webhooks/webchat/history", headers=auth(token(), "https://evil.example"))
        assert evil.status_code == 403 and "access-control-allow-credentials" not in evil.headers


async def test_invoice_page_shows_name_and_amount_only_to_the_verified_browser(server, app_db):
    add_invoice(app_db)
    link = token()
    page_url = f"{server.url}/webhooks/webchat/demo"
    async with httpx.AsyncClient() as mine, httpx.AsyncClient() as other:
        first = await mine.get(page_url, params={"token": link})
        assert first.status_code == 200 and INVOICE in first.text
        assert "Mario Rossi" not in first.text and "1.240,50" not in first.text
        assert first.cookies.get(DEVICE_COOKIE)  # the page issues the device token the widget then uses
        verify(await start(server, mine, link))
        page = (await mine.get(page_url, params={"token": link})).text
        assert "Mario Rossi" in page and "1.240,50" in page
        details = await mine.get(f"{page_url}/details", params={"token": link})
        assert "Mario Rossi" in details.text and "<html" not in details.text
        stranger = await other.get(page_url, params={"token": link})
        assert stranger.status_code == 200 and "Mario Rossi" not in stranger.text and "1.240,50" not in stranger.text
        assert "Mario Rossi" not in (await other.get(f"{page_url}/details", params={"token": link})).text


def add_plan(paid: int = 1) -> None:
    with session_scope() as session:
        debtor = session.execute(select(Debtor)).scalar_one()
        plan = PaymentPlan(debtor_id=debtor.id, status="active", total=Decimal("1240.50"), instalment_count=3)
        for number, (due, amount) in enumerate([(date(2026, 12, 15), "413.50"), (date(2027, 1, 15), "413.50"),
                                                (date(2027, 2, 15), "413.50")], start=1):
            plan.instalments.append(PlanInstalment(number=number, due_date=due, amount=Decimal(amount),
                                                   paid=number <= paid))
        session.add(plan)


async def test_verified_page_shows_the_plan_the_next_instalment_and_bank_details(server, app_db, monkeypatch):
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    add_invoice(app_db)
    add_plan(paid=1)
    async with httpx.AsyncClient() as mine:
        verify(await start(server, mine, token()))
        page = (await mine.get(f"{server.url}/webhooks/webchat/demo", params={"token": token()})).text
    assert "Rate pagate: 1 di 3" in page
    assert "Prossima rata (2 di 3)" in page and "413,50" in page and "15 gennaio 2027" in page
    assert "IT60 X054 2811 1010 0000 0123 456" in page and "BPMOIT22XXX" in page
    assert 'class="pay"' not in page  # no payment provider configured: bank transfer only


async def test_verified_page_has_a_pay_button_for_the_next_instalment_when_stripe_is_configured(
        server, app_db, monkeypatch, fake_api):  # noqa: F811
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_123")
    monkeypatch.setenv("STRIPE_API_BASE", fake_api)
    add_invoice(app_db)
    add_plan(paid=1)
    async with httpx.AsyncClient() as mine:
        verify(await start(server, mine, token()))
        page = (await mine.get(f"{server.url}/webhooks/webchat/demo", params={"token": token()})).text
    assert 'class="pay" href="https://checkout.stripe.test/c/pay/cs_test_1"' in page and "Paga la rata" in page
    [request] = FakeStripe.requests
    assert request["form"]["metadata[subject]"] == ["instalment"]
    assert request["form"]["line_items[0][price_data][unit_amount]"] == ["41350"]


async def test_revoking_an_invoice_refuses_its_links_and_withdraws_verification(server, app_db, capsys):
    add_invoice(app_db)
    old = token()
    base = f"{server.url}/webhooks/webchat"
    async with httpx.AsyncClient() as mine:
        conversation_id = await start(server, mine, old)
        verify(conversation_id)
        assert main(["webchat", "revoke", "--invoice", "ft-2026/00417"]) == 0
        assert INVOICE in capsys.readouterr().out
        assert (await mine.get(f"{base}/history", headers=auth(old))).status_code == 401
        assert (await mine.post(f"{base}/message", json={"text": "ciao"}, headers=auth(old))).status_code == 401
        assert (await mine.get(f"{base}/events", params={"wait": 0}, headers=auth(old))).status_code == 401
        assert (await mine.get(f"{base}/demo", params={"token": old})).status_code == 403
        with session_scope() as session:
            assert verified_debtor(session, conversation_id, datetime.utcnow()) is None
        # A link issued after the revocation works again, and the same browser must verify again.
        fresh = make_token(WEBCHAT_SECRET, "D-001", INVOICE, 60, language="it", now=time.time() + 2)
        fresh_history = await mine.get(f"{base}/history", headers=auth(fresh))
        assert fresh_history.status_code == 200 and fresh_history.json()["verified"] is False
        assert len(fresh_history.json()["messages"]) == 1  # the same conversation, history kept


async def test_revoking_one_link_leaves_the_other_links_of_the_invoice_working(server, app_db, capsys):
    add_invoice(app_db)
    assert main(["webchat", "link", INVOICE]) == 0
    url = capsys.readouterr().out.strip()
    leaked = parse_qs(urlparse(url).query)["token"][0]
    kept = token()
    assert main(["webchat", "revoke", "--token", url]) == 0
    base = f"{server.url}/webhooks/webchat"
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(f"{base}/history", headers=auth(leaked))).status_code == 401
        assert (await browser.get(f"{base}/history", headers=auth(kept))).status_code == 200
    assert main(["webchat", "revoke", "--token", kept]) == 0  # the bare token works too
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(f"{base}/history", headers=auth(kept))).status_code == 401


def test_revoke_needs_exactly_one_known_target(server, app_db, capsys):
    add_invoice(app_db)
    assert main(["webchat", "revoke", "--invoice", "NOPE-1"]) == 2
    assert "not in the ledger" in capsys.readouterr().err
    assert main(["webchat", "revoke", "--token", "not-a-token"]) == 2
    with pytest.raises(SystemExit):
        main(["webchat", "revoke"])
    with pytest.raises(SystemExit):
        main(["webchat", "revoke", "--invoice", INVOICE, "--token", token()])


def test_links_expire_after_48_hours_by_default(server, app_db, capsys, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.delenv("WEBCHAT_TOKEN_TTL_MINUTES", raising=False)
    get_settings.cache_clear()
    add_invoice(app_db)
    assert main(["webchat", "link", INVOICE]) == 0
    claims = verify_token(parse_qs(urlparse(capsys.readouterr().out.strip()).query)["token"][0], WEBCHAT_SECRET)
    assert claims.expires_at - claims.issued_at == 48 * 3600
