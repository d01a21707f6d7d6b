"""Real servers, headless Chromium: login → live queue → take → reply → hand back, with a screenshot."""
from __future__ import annotations

import pytest

from tests.e2e.console_support import PASSWORD, Db, add_agent, always_open_creditor, eventually
from tests.browser import ARTIFACTS, chromium, login_in_browser, waiter

pytestmark = pytest.mark.browser
SENDER = "e2e-browser-debtor"


@pytest.fixture(scope="module")
def live_env(tmp_path_factory) -> dict[str, str]:
    return {"CREDITOR_FILE": always_open_creditor(tmp_path_factory.mktemp("creditor"))}


def test_agent_console_in_a_real_browser(live_servers):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    db = Db(live_servers.db_url)
    add_agent(live_servers.env, "marco", "Marco", "en")
    console_url = f"{live_servers.rasa_url}/webhooks/console"
    with chromium() as driver:
        wait = waiter(driver, 60)
        login_in_browser(driver, console_url, "marco", PASSWORD)  # returns on the queue page
        # The debtor asks for a person after the page is open: the queue updates by itself.
        assert live_servers.rest(SENDER, "I want to talk to a person")
        handoff = eventually(lambda: db.handoff(SENDER), what="the handoff")
        take = wait.until(ec.element_to_be_clickable((By.ID, f"take-{handoff.id}")))
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "console_queue.png"))
        take.click()
        wait.until(ec.presence_of_element_located((By.ID, "reply-text")))
        driver.find_element(By.ID, "reply-text").send_keys("Hello, this is Marco. How can I help?")
        driver.find_element(By.ID, "reply-send").click()
        wait.until(lambda d: "this is Marco" in d.find_element(By.ID, "transcript").text)
        # The debtor's /restart shows up live and changes nothing.
        assert live_servers.rest(SENDER, "/restart") == []
        wait.until(lambda d: "/restart" in d.find_element(By.ID, "transcript").text)
        assert "Marco from our team has joined" in driver.find_element(By.ID, "transcript").text
        driver.save_screenshot(str(ARTIFACTS / "console_conversation.png"))
        driver.find_element(By.ID, "handback-nps").click()
        wait.until(lambda d: "/queue" in d.current_url)
        driver.save_screenshot(str(ARTIFACTS / "console_handed_back.png"))
    eventually(lambda: not db.paused(SENDER), what="the pause lifted")
    assert db.handoff(SENDER).status == "returned"
    assert ("agent", "Hello, this is Marco. How can I help?") in db.transcript(SENDER)


def test_kpi_dashboard_in_a_real_browser(live_servers):
    """A credit manager's view after some (simulated) history: KPIs and NPS as charts."""
    import subprocess
    import sys

    from selenium.webdriver.common.by import By

    subprocess.run([sys.executable, "-m", "bot", "simulate", "--debtors", "60", "--days", "60", "--seed", "3"],
                   env=live_servers.env, check=True, capture_output=True)
    add_agent(live_servers.env, "giulia", "Giulia", "it", role="supervisor")  # KPIs are the supervisors'
    console_url = f"{live_servers.rasa_url}/webhooks/console"
    with chromium() as driver:
        login_in_browser(driver, console_url, "giulia", PASSWORD)
        driver.get(f"{console_url}/dashboard")
        assert driver.current_url.endswith("/dashboard")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "NPS" in body and "canale" in body.lower()
        assert len(driver.find_elements(By.TAG_NAME, "svg")) >= 4
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "console_dashboard.png"))
