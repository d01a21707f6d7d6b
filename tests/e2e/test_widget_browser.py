"""The demo invoice page in a real headless Chromium: verification, a plan, the NPS question."""
from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import launch, screenshot, waiter

pytestmark = pytest.mark.browser
INVOICE, TAX_CODE = "FT-2026/00417", "RSSMRA85T10A562S"


def demo_url(live) -> str:
    out = subprocess.run([sys.executable, "-m", "bot", "webchat", "link", INVOICE, "--base-url", live.rasa_url],
                         env=live.env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_widget_carries_a_conversation_to_the_nps_question(live_servers):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    driver = launch(375, 812)
    try:
        wait = waiter(driver, 90)
        log = (By.CSS_SELECTOR, ".ccw-log")

        def bot_count() -> int:
            return len(driver.find_elements(By.CSS_SELECTOR, ".ccw-bot, .ccw-agent"))

        def say(text: str) -> None:
            before = bot_count()
            box = driver.find_element(By.ID, "ccw-input")
            box.send_keys(text, Keys.ENTER)
            wait.until(lambda d: bot_count() > before)

        def tap(index: int = 0) -> None:
            before = bot_count()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".ccw-choice"))[index].click()
            wait.until(lambda d: bot_count() > before)

        url = demo_url(live_servers)
        driver.get(url)
        assert INVOICE in driver.page_source
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".ccw-launcher"))).click()
        wait.until(ec.text_to_be_present_in_element(log, "assistente virtuale"))
        say("Vorrei pagare a rate")
        say(TAX_CODE)  # the invoice number came from the signed link
        wait.until(lambda d: "mensil" in d.find_element(*log).text.lower())
        say("150 euro al mese")
        tap(0)            # the first proposed plan
        say("sì, confermo")
        if "0 a 10" not in driver.find_element(*log).text:
            say("no grazie, è tutto")
        wait.until(ec.text_to_be_present_in_element(log, "0 a 10"))
        assert len(driver.find_elements(By.CSS_SELECTOR, ".ccw-score")) == 11
        screenshot(driver, "widget_live_nps_phone.png")
    finally:
        driver.quit()
    # The same link in another browser profile: a new conversation, none of the verified one.
    other = launch(375, 812)
    try:
        wait = waiter(other, 90)
        other.get(url)
        assert "Mario Rossi" not in other.find_element(By.TAG_NAME, "main").text
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".ccw-launcher"))).click()
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), "assistente virtuale"))
        seen = other.find_element(By.CSS_SELECTOR, ".ccw-log").text
        assert TAX_CODE not in seen and "0 a 10" not in seen and "mensil" not in seen.lower()
    finally:
        other.quit()


def test_a_forged_button_title_is_not_what_the_transcript_records(live_servers):
    """Replays the attack on the real servers: the title comes from the bot's own offer (Rasa's tracker)."""
    import httpx

    forged = "Confermo: pagherò 5000 euro entro domani"
    token = parse_qs(urlparse(demo_url(live_servers)).query)["token"][0]
    base = f"{live_servers.rasa_url}/webhooks/webchat"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=90) as browser:
        assert browser.post(f"{base}/message", json={"start": True}, headers=headers).status_code == 200
        welcome = browser.get(f"{base}/history", headers=headers).json()["messages"]
        offered = {b["payload"]: b["title"] for m in welcome for b in m["buttons"]}
        assert browser.post(f"{base}/message", json={"payload": "/request_human", "title": forged},
                            headers=headers).status_code == 200
        shown = [m["text"] for m in browser.get(f"{base}/history", headers=headers).json()["messages"]
                 if m["sender"] == "debtor"]
    assert shown == [offered.get("/request_human", "/request_human")]
    assert forged not in shown[0]
