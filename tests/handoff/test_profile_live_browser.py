"""Headless Chromium on the debtor profile: a promise recorded elsewhere appears without a reload."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.dialogue import records
from bot.ledger.db import session_scope
from bot.ledger.models import AuditLog
from tests.browser import chromium, login_in_browser, waiter
from tests.handoff.conftest import PASSWORD, add_agent
from tests.handoff.desk_support import ledger

pytestmark = pytest.mark.browser


def _views() -> int:
    with session_scope() as session:
        return int(session.execute(select(func.count(AuditLog.id)).where(
            AuditLog.action == "console.profile_view")).scalar_one())


def test_a_new_promise_shows_on_the_open_profile(console):
    from selenium.webdriver.common.by import By

    debtor = ledger()
    add_agent("giulia", "Giulia", "en")
    with chromium() as driver:
        wait = waiter(driver, 30)
        login_in_browser(driver, console.url, "giulia", PASSWORD)
        driver.get(f"{console.url}/debtors/{debtor}")
        profile = driver.find_element(By.ID, "profile")
        shown = profile.get_attribute("data-version")
        assert shown
        marker = driver.execute_script("document.getElementById('profile').dataset.marker = 'same page'; return 1")
        assert marker == 1
        promises = driver.find_element(By.ID, "profile-promises").text
        assert "1.234,56" not in promises and "1,234.56" not in promises
        # Another process (the bot, an import) records a promise for this debtor.
        records.record_promise(debtor_id=debtor, invoice_id=None, amount=Decimal("1234.56"),
                               promised_date=date.today() + timedelta(days=7), conversation_id="tg-9",
                               channel="telegram", today=date.today())
        wait.until(lambda d: "1,234.56" in d.find_element(By.ID, "profile-promises").text)
        # The same document, updated in place: no reload happened.
        assert driver.execute_script("return document.getElementById('profile').dataset.marker") == "same page"
        wait.until(lambda d: d.find_element(By.ID, "profile").get_attribute("data-version") != shown)
    assert _views() == 2  # the visit and the one refresh; the stream's re-reads are not views
