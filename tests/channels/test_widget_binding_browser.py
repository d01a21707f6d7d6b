"""Two Chromium profiles open the same invoice link: only the one that verified sees the debtor's data.

Profile A opens the page (only the invoice number shows), chats, and is verified server-side;
its page then shows the name, the amounts and the plan without a reload. Profile B opens
the very same URL: no name, no amount, and none of A's conversation in the widget.
"""
from __future__ import annotations

import asyncio
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.ledger.db import session_scope
from bot.ledger.models import Debtor, Invoice, PaymentPlan, PlanInstalment
from bot.security.verified import record_verified
from tests.browser import launch, screenshot
from tests.channels.webchat_helpers import INVOICE, add_invoice, fresh_hub, token  # noqa: F401

pytestmark = pytest.mark.browser


def _open_chat(driver, url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 20).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".ccw-launcher"))).click()
    WebDriverWait(driver, 20).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), "Benvenuto"))


def _profile_a(url: str, started: threading.Event, verified: threading.Event, size: tuple[int, int]) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = launch(*size)
    try:
        out = {}
        driver.get(url)
        out["before"] = driver.find_element(By.TAG_NAME, "main").text
        _open_chat(driver, url)
        started.set()
        verified.wait(20)
        driver.find_element(By.ID, "ccw-input").send_keys("RSSMRA80A01H501U", Keys.ENTER)
        # The widget hears "verified" from the server and the page swaps its details in, no reload.
        WebDriverWait(driver, 20).until(lambda d: "Mario Rossi" in d.find_element(By.TAG_NAME, "main").text)
        out["after"] = driver.find_element(By.TAG_NAME, "main").text
        out["chat"] = driver.find_element(By.CSS_SELECTOR, ".ccw-log").text
        driver.find_element(By.CSS_SELECTOR, ".ccw-close").click()
        screenshot(driver, f"invoice_page_verified_{size[0]}x{size[1]}.png")
        return out
    finally:
        driver.quit()


def _profile_b(url: str, size: tuple[int, int]) -> dict:
    from selenium.webdriver.common.by import By

    driver = launch(*size)
    try:
        _open_chat(driver, url)
        out = {"page": driver.find_element(By.TAG_NAME, "main").text,
               "chat": [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".ccw-msg .ccw-text")]}
        screenshot(driver, f"invoice_page_other_browser_{size[0]}x{size[1]}.png")
        return out
    finally:
        driver.quit()


def _verify(conversation_id: str) -> None:
    with session_scope() as session:
        invoice = session.execute(select(Invoice).where(Invoice.invoice_number == INVOICE)).scalar_one()
        record_verified(session, conversation_id=conversation_id, debtor_id=invoice.debtor_id,
                        invoice_id=invoice.id, channel="webchat", now=datetime.utcnow())


def _add_plan() -> None:
    with session_scope() as session:
        debtor = session.execute(select(Debtor)).scalar_one()
        plan = PaymentPlan(debtor_id=debtor.id, status="active", total=Decimal("1240.50"), instalment_count=3)
        for number, due in enumerate((date(2026, 12, 15), date(2027, 1, 15), date(2027, 2, 15)), start=1):
            plan.instalments.append(PlanInstalment(number=number, due_date=due, amount=Decimal("413.50"),
                                                   paid=number == 1))
        session.add(plan)


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
async def test_a_copied_link_in_another_browser_profile_shows_nothing_of_the_verified_one(server, app_db, size,
                                                                                          monkeypatch):
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    add_invoice(app_db)
    _add_plan()
    url = f"{server.url}/webhooks/webchat/demo?token={token()}"
    started, verified = threading.Event(), threading.Event()
    a = asyncio.ensure_future(asyncio.to_thread(_profile_a, url, started, verified, size))
    await asyncio.to_thread(started.wait, 30)
    conversation_a = server.agent.received[0].sender_id
    await asyncio.to_thread(_verify, conversation_a)  # what the dialogue records after the tax code matched
    verified.set()
    result_a = await a
    result_b = await asyncio.to_thread(_profile_b, url, size)

    assert INVOICE in result_a["before"]
    assert "Mario Rossi" not in result_a["before"] and "1.240,50" not in result_a["before"]
    assert "Mario Rossi" in result_a["after"] and "1.240,50" in result_a["after"]
    assert "Prossima rata (2 di 3)" in result_a["after"] and "IT60 X054 2811 1010 0000 0123 456" in result_a["after"]
    assert "RSSMRA80A01H501U" in result_a["chat"]

    assert INVOICE in result_b["page"] and "Mario Rossi" not in result_b["page"] and "1.240,50" not in result_b["page"]
    assert result_b["chat"] == ["Benvenuto, sono l'assistente virtuale."]  # its own welcome, nothing of A's
    a_start, a_tax_code, b_start = server.agent.received
    assert a_tax_code.sender_id == conversation_a and b_start.sender_id != conversation_a
