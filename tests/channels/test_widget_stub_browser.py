"""The widget on the demo invoice page in a real headless Chromium, against the stub dialogue."""
from __future__ import annotations

import asyncio

import pytest

from tests.browser import launch, screenshot
from tests.channels.webchat_helpers import add_invoice, token

pytestmark = pytest.mark.browser


def _run_flow(url: str) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = launch(375, 812)
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(url)
        launcher = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".ccw-launcher")))
        result = {"launcher_label": launcher.get_attribute("aria-label")}
        launcher.click()
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), "Benvenuto"))
        result["focused_input"] = driver.switch_to.active_element.get_attribute("id")
        buttons = wait.until(ec.presence_of_all_elements_located((By.CSS_SELECTOR, ".ccw-choice")))
        result["first_buttons"] = [b.text for b in buttons]
        buttons[0].click()
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), "echo: /affirm"))
        box = driver.find_element(By.ID, "ccw-input")
        box.send_keys("plans", Keys.ENTER)  # keyboard only: Enter sends
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".ccw-choice")) == 4)
        panel = driver.find_element(By.CSS_SELECTOR, ".ccw-panel").rect
        result["panel_width"], result["viewport"] = panel["width"], driver.execute_script("return innerWidth")
        result["log_role"] = driver.find_element(By.CSS_SELECTOR, ".ccw-log").get_attribute("role")
        screenshot(driver, "widget_stub_phone.png")
        driver.find_elements(By.CSS_SELECTOR, ".ccw-choice")[2].click()
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), 'echo: /inform{"choice":"3"}'))
        # Reconnect: a reload shows the whole conversation again.
        driver.get(url)
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".ccw-launcher"))).click()
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), 'echo: /inform{"choice":"3"}'))
        result["history"] = [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".ccw-msg .ccw-text")]
        return result
    finally:
        driver.quit()


async def test_widget_chats_with_buttons_keyboard_and_reconnect_at_phone_width(server, app_db):
    add_invoice(app_db)
    url = f"{server.url}/webhooks/webchat/demo?token={token()}"
    # Selenium blocks: drive it from a thread so this loop keeps serving the widget's requests.
    result = await asyncio.to_thread(_run_flow, url)
    assert result["launcher_label"] and result["log_role"] == "log"
    assert result["focused_input"] == "ccw-input"
    assert result["first_buttons"] == ["Sì", "No"]
    assert result["panel_width"] <= result["viewport"] == 375
    assert result["history"] == [
        "Benvenuto, sono l'assistente virtuale.", "Sì", "echo: /affirm", "plans", "Scelga un piano:",
        "3 rate da 33 euro", 'echo: /inform{"choice":"3"}']
