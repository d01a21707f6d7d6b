"""Real servers, two agents' Chromium windows: the queue and assignment changes reach both without
a reload; transfer, a deliberate close, the debtor told; screenshots of every console page
(desktop and phone) into tests/artifacts/console/, or where ``CONSOLE_SHOTS_DIR`` says
(``CONSOLE_SHOTS_DIR=docs/console`` refreshes the documentation's pictures)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.console_support import PASSWORD, Db, add_agent, always_open_creditor, eventually
from tests.browser import chromium, login_in_browser, waiter

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / os.environ.get("CONSOLE_SHOTS_DIR", "tests/artifacts/console")
PHONE, DESKTOP = (390, 844), (1280, 900)
FIRST, SECOND = "e2e-two-agents-1", "e2e-two-agents-2"


@pytest.fixture(scope="module")
def live_env(tmp_path_factory) -> dict[str, str]:
    return {"CREDITOR_FILE": always_open_creditor(tmp_path_factory.mktemp("creditor"))}


CONTRAST = """
function lum(c) { const v = c.match(/\\d+/g).slice(0, 3).map(Number).map(x => { x /= 255;
  return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; }
const el = document.querySelector(arguments[0]); const s = getComputedStyle(el);
const a = lum(s[arguments[1]]), b = lum("rgb(255, 255, 255)");
return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
"""


def contrast(driver, selector: str, prop: str) -> float:
    """WCAG contrast of an element's colour property against the white page."""
    return driver.execute_script(CONTRAST, selector, prop)


def shoot(driver, name: str, show: str = "") -> None:
    """Desktop and phone screenshots of the current page (scrolled to element ``show``)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.set_window_size(width, height)
        if show:
            driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", show)
        driver.save_screenshot(str(SHOTS / f"{name}_{label}.png"))
    driver.set_window_size(*DESKTOP)


def test_two_agents_see_the_queue_and_assignment_change_live(live_servers):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    db = Db(live_servers.db_url)
    add_agent(live_servers.env, "giulia", "Giulia", "it")
    add_agent(live_servers.env, "bruno", "Bruno", "it")
    console = f"{live_servers.rasa_url}/webhooks/console"
    with chromium() as giulia, chromium() as bruno:
        g_wait, b_wait = waiter(giulia, 60), waiter(bruno, 60)
        login_in_browser(giulia, console, "giulia", PASSWORD)
        login_in_browser(bruno, console, "bruno", PASSWORD)
        assert live_servers.rest(FIRST, "voglio parlare con un operatore")
        assert live_servers.rest(SECOND, "I want to talk to a person")
        first = eventually(lambda: db.handoff(FIRST), what="the first handoff")
        second = eventually(lambda: db.handoff(SECOND), what="the second handoff")
        for wait in (g_wait, b_wait):  # both queues fill without a reload
            wait.until(ec.element_to_be_clickable((By.ID, f"take-{first.id}")))
            wait.until(ec.element_to_be_clickable((By.ID, f"take-{second.id}")))
        # Keyboard first: Tab reaches the skip link; field borders and text are readable (WCAG 1.4.3/1.4.11).
        from selenium.webdriver.common.keys import Keys
        giulia.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        assert giulia.switch_to.active_element.get_attribute("class") == "skip"
        assert contrast(giulia, "#q", "borderTopColor") >= 3.0
        assert contrast(giulia, "#q", "color") >= 4.5
        assert contrast(giulia, f"#take-{first.id}", "backgroundColor") >= 4.5  # white text on the button
        row = giulia.find_element(By.ID, f"handoff-{first.id}").text
        assert "API REST" in row and FIRST not in row  # a readable label, not the raw id
        shoot(giulia, "queue")

        giulia.find_element(By.ID, f"take-{first.id}").click()
        g_wait.until(ec.presence_of_element_located((By.ID, "reply-text")))
        # Bruno's Unassigned list loses the row by itself.
        b_wait.until(lambda d: not d.find_elements(By.ID, f"handoff-{first.id}"))
        g_wait.until(lambda d: "Giulia, del nostro team, ha preso in carico" in d.find_element(By.ID, "transcript").text)
        assert giulia.find_element(By.ID, "transcript").get_attribute("aria-live") == "polite"
        giulia.find_element(By.ID, "reply-text").send_keys("Buongiorno, sono Giulia. Come posso aiutarla?")
        giulia.find_element(By.ID, "reply-send").click()
        g_wait.until(lambda d: "sono Giulia" in d.find_element(By.ID, "transcript").text)
        shoot(giulia, "conversation")

        # Bruno watches his own list; Giulia transfers the conversation to him.
        bruno.get(f"{console}/queue?view=mine")
        b_wait.until(lambda d: "Non ha conversazioni in carico" in d.find_element(By.ID, "queue-rows").text)
        Select(giulia.find_element(By.ID, "transfer-to")).select_by_value("bruno")
        giulia.find_element(By.ID, "transfer").click()
        g_wait.until(lambda d: "/queue" in d.current_url)
        b_wait.until(ec.presence_of_element_located((By.ID, f"handoff-{first.id}")))
        assert db.handoff(FIRST).assigned_to == "bruno"

        # A deliberate close: nothing preselected, the form refuses to go without outcome and confirmation.
        bruno.find_element(By.ID, f"open-{first.id}").click()
        b_wait.until(ec.presence_of_element_located((By.ID, "close-form")))
        outcome = Select(bruno.find_element(By.ID, "outcome"))
        assert outcome.first_selected_option.get_attribute("value") == ""
        bruno.find_element(By.ID, "close").click()
        assert db.handoff(FIRST).status == "assigned"  # the browser kept the form (required fields)
        shoot(bruno, "close", show="close-form")
        outcome.select_by_value("callback")
        bruno.find_element(By.ID, "close-confirm").click()
        bruno.find_element(By.ID, "close").click()
        b_wait.until(lambda d: "/queue" in d.current_url)
    closed = db.handoff(FIRST)
    assert (closed.status, closed.outcome, closed.assigned_to) == ("closed", "callback", "bruno")
    said = [text for sender, text in db.transcript(FIRST) if sender == "bot"]
    assert any("Bruno ha chiuso la conversazione" in t for t in said)
    assert not db.paused(FIRST)


def test_supervisor_pages_with_history(live_servers):
    """A supervisor's dashboard, outreach page and closed list, after simulated history."""
    from selenium.webdriver.common.by import By

    subprocess.run([sys.executable, "-m", "bot", "simulate", "--debtors", "60", "--days", "60", "--seed", "3"],
                   env=live_servers.env, check=True, capture_output=True)
    add_agent(live_servers.env, "sara", "Sara", "it", role="supervisor")
    console = f"{live_servers.rasa_url}/webhooks/console"
    with chromium() as driver:
        login_in_browser(driver, console, "sara", PASSWORD)
        nav = driver.find_element(By.CSS_SELECTOR, "nav.nav").text
        for word in ("Coda", "Indicatori", "Promemoria", "Pagamenti", "Registro accessi"):
            assert word in nav, word
        driver.get(f"{console}/queue?view=closed")
        assert driver.find_element(By.ID, "view-closed").get_attribute("aria-current") == "page"
        shoot(driver, "closed")
        driver.get(f"{console}/dashboard")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "Promesse mantenute" in body and "non contano" in body
        assert len(driver.find_elements(By.CSS_SELECTOR, ".kpi svg")) >= 4
        shoot(driver, "dashboard")
        driver.execute_script("window.scrollTo(0, 560)")
        driver.save_screenshot(str(SHOTS / "dashboard_charts_desktop.png"))
        driver.get(f"{console}/outreach")
        assert "Contatti proattivi" in driver.find_element(By.TAG_NAME, "body").text
        shoot(driver, "outreach")
