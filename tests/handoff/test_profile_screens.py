"""The desk pages in headless Chromium on the in-process console: supervisor pages, keyboard, contrast.

Also writes the screenshots docs/console.md shows (tests/artifacts/desk_*.png, desktop and phone).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.ledger.db import session_scope
from bot.ledger.models import Dispute, FollowUpTask, Invoice
from tests.browser import chromium, login_in_browser, page_shots, wait_for_text, waiter
from tests.handoff.conftest import PASSWORD, add_agent
from tests.handoff.desk_support import with_roles
from tests.handoff import test_profile_figures as figures_world
from tests.handoff import test_profile_page as profile_world

pytestmark = pytest.mark.browser
CSS = Path(__file__).resolve().parents[2] / "bot" / "web" / "desk" / "desk.css"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_desk_colours_meet_contrast_on_white_and_on_the_overdue_row():
    css = CSS.read_text(encoding="utf-8")
    for background in ("#ffffff", "#fdf3f2"):
        for text in ("#1d2330", "#4f5869", "#a1221b", "#1f5fbf"):
            assert text in css
            assert contrast(text, background) >= 4.5, (text, background)
    border = re.search(r"border-color: (#[0-9a-f]{6})", css).group(1)
    assert contrast(border, "#ffffff") >= 3.0  # input borders are UI parts



def test_supervisor_pages_in_chromium(console, monkeypatch):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    mario, _ = profile_world.world()
    figures_world.world()  # giulia and marco with handoffs in November
    with session_scope() as session:
        invoice_id = session.execute(select(Invoice.id).where(Invoice.debtor_id == mario)).scalars().first()
        session.add(Dispute(invoice_id=invoice_id, reason="doppio addebito", respond_by=date.today() - timedelta(days=2)))
        session.add(FollowUpTask(kind="nps_detractor", debtor_id=mario, owner="giulia",
                                 due_on=date.today() + timedelta(days=1), note="NPS 3 (balance/info)",
                                 created_at=datetime.utcnow()))
    with_roles(monkeypatch, {"sara": "supervisor"})
    add_agent("sara", "Sara")
    with chromium() as driver:
        wait = waiter(driver, 30)
        login_in_browser(driver, console.url, "sara", PASSWORD)
        assert driver.find_element(By.ID, "nav-canned").is_displayed()  # supervisors see their pages

        # Canned replies: written with the keyboard only.
        driver.get(f"{console.url}/canned")
        title = wait.until(ec.presence_of_element_located((By.ID, "canned-new-title")))
        title.send_keys("Saldo")
        title.send_keys(Keys.TAB)
        driver.switch_to.active_element.send_keys("Gentile {name}, il saldo è {balance}.")
        driver.switch_to.active_element.send_keys(Keys.TAB)
        assert driver.switch_to.active_element.get_attribute("id") == "canned-new-save"
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        wait.until(lambda d: "Risposta salvata." in d.find_element(By.TAG_NAME, "body").text)
        page_shots(driver, "desk_canned")

        driver.get(f"{console.url}/agents?from=2026-11-01&to=2026-11-30")
        wait_for_text(driver, "#agent-giulia", "2 min")
        page_shots(driver, "desk_agents")

        driver.get(f"{console.url}/tasks?view=all")
        wait_for_text(driver, "tr.overdue", "scaduta")  # the rows are re-rendered when the live stream connects
        page_shots(driver, "desk_tasks")

        driver.get(f"{console.url}/debtors/{mario}")
        wait.until(ec.presence_of_element_located((By.ID, "profile-conversations")))
        assert "WhatsApp" in driver.find_element(By.ID, "profile-conversations").text
        page_shots(driver, "desk_profile")

        driver.get(f"{console.url}/debtors?q=rossi")
        wait.until(ec.presence_of_element_located((By.ID, "hits")))
        page_shots(driver, "desk_search")
