"""How the widget shows what the assistant means, in a real headless Chromium (stub dialogue).

Links, IBANs, the 0-10 scale, focus after a button, the typing indicator, the buttons of a
whole bot turn, the agent's name, and no keyboard popping up on a touch screen.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import update

from bot.channels import outbound
from bot.ledger.db import session_scope
from bot.ledger.models import Agent, Handoff
from tests.browser import launch, screenshot
from tests.channels.webchat_helpers import add_invoice, fresh_hub, token  # noqa: F401

pytestmark = pytest.mark.browser


def _wait(driver):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 20)


def _open(driver, url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(url)
    _wait(driver).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".ccw-launcher"))).click()
    _wait(driver).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), "Benvenuto"))


def _say(driver, text: str, expect: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    driver.find_element(By.ID, "ccw-input").send_keys(text, Keys.ENTER)
    _wait(driver).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".ccw-log"), expect))


def _desktop_flow(url: str) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = launch(1280, 800)
    try:
        out: dict = {}
        _open(driver, url)
        _say(driver, "pay", "javascript:alert(1)")
        links = driver.find_elements(By.CSS_SELECTOR, ".ccw-msg a")
        out["links"] = [(a.get_attribute("href"), a.get_attribute("rel"), a.get_attribute("target")) for a in links]
        out["pay_text"] = driver.find_elements(By.CSS_SELECTOR, ".ccw-bot .ccw-text")[-1].text
        # Every message of the last bot turn keeps its buttons.
        _say(driver, "two offers", "Vuole procedere?")
        out["turn_buttons"] = [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".ccw-choice")]
        # A button pressed from the keyboard: focus stays in the widget.
        first = driver.find_elements(By.CSS_SELECTOR, ".ccw-choice")[0]
        driver.execute_script("arguments[0].focus()", first)
        first.send_keys(Keys.ENTER)
        _wait(driver).until(lambda d: "echo: /talk" in d.find_element(By.CSS_SELECTOR, ".ccw-log").text)
        out["focus_after_button"] = driver.execute_script(
            "return !!document.activeElement.closest('.ccw-root') && document.activeElement.id")
        out["buttons_after_answer"] = len(driver.find_elements(By.CSS_SELECTOR, ".ccw-choice"))
        # The typing indicator shows while the reply is on its way.
        driver.find_element(By.ID, "ccw-input").send_keys("slow", Keys.ENTER)
        _wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, ".ccw-typing").is_displayed())
        out["typing_seen"] = True
        _wait(driver).until(lambda d: "Eccomi." in d.find_element(By.CSS_SELECTOR, ".ccw-log").text)
        out["typing_after_reply"] = driver.find_element(By.CSS_SELECTOR, ".ccw-typing").is_displayed()
        # The 0-10 scale: one row, labelled ends.
        _say(driver, "nps", "Da 0 a 10?")
        scores = driver.find_elements(By.CSS_SELECTOR, ".ccw-score")
        out["score_rows"] = len({round(b.rect["y"]) for b in scores})
        out["score_count"] = len(scores)
        out["scale_ends"] = driver.find_element(By.CSS_SELECTOR, ".ccw-scale-ends").text
        out["colors"] = driver.execute_script("""
            const s = e => getComputedStyle(e);
            const input = document.getElementById('ccw-input'); input.focus();
            return {input: s(input).borderTopColor, ring: s(input).outlineColor,
                    bubble: s(document.querySelector('.ccw-bot')).borderTopColor};""")
        screenshot(driver, "widget_desktop_1280x800.png")
        return out
    finally:
        driver.quit()


async def test_widget_renders_links_iban_scale_focus_typing_and_whole_turn_buttons(server, app_db):
    add_invoice(app_db)
    url = f"{server.url}/webhooks/webchat/demo?token={token()}"
    out = await asyncio.to_thread(_desktop_flow, url)
    assert out["links"] == [("https://pay.example.com/checkout/abc", "noopener noreferrer", "_blank")]
    assert "IT60 X054 2811 1010 0000 0123 456" in out["pay_text"]
    assert "javascript:alert(1)" in out["pay_text"]  # shown as text, never a link
    assert out["turn_buttons"] == ["Parlare con una persona", "Pausa", "Sì", "No"]
    assert out["focus_after_button"] == "ccw-input" and out["buttons_after_answer"] == 0
    assert out["typing_seen"] and out["typing_after_reply"] is False
    assert out["score_count"] == 11 and out["score_rows"] == 1
    assert "0 = per niente probabile" in out["scale_ends"] and "10 = estremamente probabile" in out["scale_ends"]
    assert out["colors"] == {"input": "rgb(107, 119, 112)", "ring": "rgb(29, 78, 216)", "bubble": "rgb(122, 133, 128)"}


def _phone_flow(url: str, conversation_ready, agent_joined, agent_gone) -> dict:
    from selenium.webdriver.common.by import By

    driver = launch(390, 844)
    try:
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
        out: dict = {}
        _open(driver, url)
        out["coarse"] = driver.execute_script("return matchMedia('(pointer: coarse)').matches")
        out["focused_on_open"] = driver.execute_script("return document.activeElement.id || document.activeElement.className")
        conversation_ready.set()
        agent_joined.wait(20)
        _wait(driver).until(lambda d: "Sono Giulia" in d.find_element(By.CSS_SELECTOR, ".ccw-log").text)
        _wait(driver).until(lambda d: d.find_element(By.ID, "ccw-title").text == "Giulia")
        out["title"] = driver.find_element(By.ID, "ccw-title").text
        out["subtitle"] = driver.find_element(By.CSS_SELECTOR, ".ccw-subtitle").text
        out["title_color"] = driver.execute_script(
            "return getComputedStyle(document.getElementById('ccw-title')).color")
        out["agent_label"] = driver.find_element(By.CSS_SELECTOR, ".ccw-agent .ccw-name").text
        _say(driver, "nps", "Da 0 a 10?")
        scores = driver.find_elements(By.CSS_SELECTOR, ".ccw-score")
        out["score_rows"] = len({round(b.rect["y"]) for b in scores})
        out["overflow"] = driver.execute_script(
            "const l = document.querySelector('.ccw-log'); return l.scrollWidth > l.clientWidth")
        screenshot(driver, "widget_phone_390x844.png")
        agent_gone.set()
        _wait(driver).until(lambda d: "Torno io" in d.find_element(By.CSS_SELECTOR, ".ccw-log").text)
        _wait(driver).until(lambda d: d.find_element(By.ID, "ccw-title").text != "Giulia")
        out["title_after_handback"] = driver.find_element(By.ID, "ccw-title").text
        return out
    finally:
        driver.quit()


async def test_on_a_phone_the_keyboard_stays_down_and_the_agent_is_named(server, app_db):
    import threading

    add_invoice(app_db)
    url = f"{server.url}/webhooks/webchat/demo?token={token()}"
    ready, joined, gone = threading.Event(), threading.Event(), threading.Event()
    flow = asyncio.ensure_future(asyncio.to_thread(_phone_flow, url, ready, joined, gone))
    await asyncio.to_thread(ready.wait, 30)
    conversation_id = server.agent.received[0].sender_id
    with session_scope() as session:
        session.add(Agent(username="giulia", display_name="Giulia", password_hash="x"))
        session.add(Handoff(conversation_id=conversation_id, channel="webchat", reason="request_human",
                            status="assigned", assigned_to="giulia", taken_at=datetime.utcnow()))
    await outbound.record_text(conversation_id, "agent", "Sono Giulia, la aiuto io.")
    await outbound.push_to_conversation(conversation_id, "Sono Giulia, la aiuto io.")
    joined.set()
    await asyncio.to_thread(gone.wait, 60)
    with session_scope() as session:  # the agent hands back to the assistant
        session.execute(update(Handoff).where(Handoff.conversation_id == conversation_id).values(status="returned"))
    await outbound.record_text(conversation_id, "bot", "Torno io, l'assistente.")
    await outbound.push_to_conversation(conversation_id, "Torno io, l'assistente.")
    out = await flow
    assert out["coarse"] is True and out["focused_on_open"] != "ccw-input"
    assert (out["title"], out["subtitle"], out["agent_label"]) == ("Giulia", "del nostro team", "Giulia")
    assert out["title_color"] == "rgb(255, 255, 255)"  # white on the green header, whatever the host page says
    assert out["score_rows"] == 1 and out["overflow"] is False
    assert out["title_after_handback"] == "Assistente virtuale"
