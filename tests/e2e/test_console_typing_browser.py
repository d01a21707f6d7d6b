"""Real servers, two headless Chromiums: the agent types in the console, the debtor's widget shows it."""
from __future__ import annotations

import re

import pytest

from tests.browser import chromium, launch, login_in_browser, screenshot, waiter
from tests.e2e.console_support import PASSWORD, add_agent, always_open_creditor, console_client, console_post
from tests.e2e.test_widget_browser import demo_url

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_env(tmp_path_factory) -> dict[str, str]:
    return {"CREDITOR_FILE": always_open_creditor(tmp_path_factory.mktemp("creditor"))}


def test_the_debtor_sees_the_agent_typing_then_the_message(live_servers):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    add_agent(live_servers.env, "giulia", "Giulia", "it")
    add_agent(live_servers.env, "marco", "Marco", "en")
    console_url = f"{live_servers.rasa_url}/webhooks/console"
    debtor = launch(390, 844)
    try:
        wait = waiter(debtor, 90)
        debtor.get(demo_url(live_servers))
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".ccw-launcher"))).click()
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), "assistente virtuale"))
        debtor.find_element(By.ID, "ccw-input").send_keys("Vorrei parlare con un operatore", Keys.ENTER)
        with chromium() as agent:
            await_agent = waiter(agent, 90)
            login_in_browser(agent, console_url, "giulia", PASSWORD)
            take = await_agent.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[id^=take-]")))
            handoff_id = int(re.sub(r"\D", "", take.get_attribute("id")))
            take.click()
            box = await_agent.until(ec.presence_of_element_located((By.ID, "reply-text")))
            wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-title"), "Giulia"))
            assert debtor.find_element(By.CSS_SELECTOR, ".ccw-typing").get_attribute("hidden") is not None
            box.send_keys("Buongiorno, sono Giulia: le spiego subito")
            indicator = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".ccw-typing")))
            assert "Giulia sta scrivendo" in indicator.text
            screenshot(debtor, "widget_agent_typing_phone.png")
            agent.find_element(By.ID, "reply-send").click()
            wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), "le spiego subito"))
            wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, ".ccw-typing")))
            names = [n.text for n in debtor.find_elements(By.CSS_SELECTOR, ".ccw-agent .ccw-name")]
            assert "Giulia" in names
            # The signal is refused without CSRF, to a colleague who does not hold it, for an unknown id.
            mine = console_client(live_servers.rasa_url, "giulia")
            bare = mine.post(f"/h/{handoff_id}/typing", headers={"Accept": "application/json"})
            assert bare.status_code == 403 and bare.json()["code"] == "csrf"
            assert console_post(mine, f"/h/{handoff_id + 999}/typing").status_code == 404
            other = console_client(live_servers.rasa_url, "marco")
            refused = console_post(other, f"/h/{handoff_id}/typing")
            assert refused.status_code == 409 and refused.json()["code"] == "other_agent"
            assert console_post(mine, f"/h/{handoff_id}/typing").json()["ok"] is True
    finally:
        debtor.quit()
