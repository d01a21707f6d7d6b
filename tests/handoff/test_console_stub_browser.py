"""Headless Chromium against the console on a stub server: login, live queue, take, reply, hand back."""
from __future__ import annotations

import pytest

from bot.ledger.db import session_scope
from bot.ledger.models import Conversation
from tests.browser import ARTIFACTS, chromium, login_in_browser, waiter
from tests.handoff.conftest import PASSWORD, add_agent, queue

pytestmark = pytest.mark.browser


def test_agent_takes_replies_and_hands_back_in_the_browser(console, pushes):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    add_agent("giulia", "Giulia", "en")
    with chromium() as driver:
        wait = waiter(driver, 15)
        login_in_browser(driver, console.url, "giulia", PASSWORD)  # returns on the queue page
        assert "No conversation is waiting" in driver.find_element(By.ID, "queue-rows").text
        # Escalated while the page is open: it must appear without a reload.
        hid = queue("web:browser", channel="webchat", language="en")
        take = wait.until(ec.element_to_be_clickable((By.ID, f"take-{hid}")))
        take.click()
        wait.until(ec.presence_of_element_located((By.ID, "reply-text")))
        driver.find_element(By.ID, "reply-text").send_keys("Hello, I am Giulia. How can I help?")
        driver.find_element(By.ID, "reply-send").click()
        wait.until(lambda d: "Hello, I am Giulia" in d.find_element(By.ID, "transcript").text)
        assert [p.conversation_id for p in pushes] == ["web:browser", "web:browser"]  # joined notice, reply
        assert "agent_joined" in pushes[0].text and "Hello, I am Giulia. How can I help?" in pushes[1].text
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "console_stub_conversation.png"))
        driver.find_element(By.ID, "handback-nps").click()
        wait.until(lambda d: "/queue" in d.current_url)
    assert console.agent.executed == [("web:browser", "action_handback_nps", ("output-channel", "web:browser"))]
    with session_scope() as session:
        assert session.get(Conversation, "web:browser").paused is False
