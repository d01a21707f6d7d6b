"""Headless Chromium, console on a stub server: unread count in the title, opt-in desktop
notifications with a tone, keyboard shortcuts and their help overlay."""
from __future__ import annotations

import pytest

from bot.ledger.db import session_scope
from bot.ledger.models import TranscriptMessage
from tests.browser import chromium, login_in_browser, page_shots, waiter
from tests.handoff.conftest import PASSWORD, add_agent, queue

pytestmark = pytest.mark.browser

TAX_CODE, PHONE, PHONE2, BALANCE = "RSSMRA80A01H501U", "393331234567", "393471112233", "1240.50"

# Installed before any page script runs, on every page: records the Notification objects the
# console makes and the tones it plays, and lets the test hide the tab. A headless browser is
# always "visible", so document.visibilityState is answered from a flag the test sets.
PROBE = """
(function () {
  var Real = window.Notification;
  var made = [], asked = [], tones = [];
  function Probe(title, options) { made.push({title: String(title), body: String((options || {}).body || "")});
                                   this.close = function () {}; }
  Object.defineProperty(Probe, "permission", {get: function () { return Real ? Real.permission : "denied"; }});
  Probe.requestPermission = function () { asked.push(1); return Real.requestPermission(); };
  window.Notification = Probe;
  var Context = window.AudioContext;
  if (Context) {
    var create = Context.prototype.createOscillator;
    Context.prototype.createOscillator = function () { tones.push(this.state); return create.call(this); };
  }
  var hidden = false;
  Object.defineProperty(document, "visibilityState", {configurable: true, get: function () { return hidden ? "hidden" : "visible"; }});
  Object.defineProperty(document, "hidden", {configurable: true, get: function () { return hidden; }});
  window.__probe = {made: made, asked: asked, tones: tones,
                    hide: function (h) { hidden = h; document.dispatchEvent(new Event("visibilitychange")); }};
})();
"""


def _debtor_says(conversation_id: str, sender: str, text: str) -> None:
    # Recorded by another process as far as the page knows: the stream's re-read finds it.
    with session_scope() as session:
        session.add(TranscriptMessage(conversation_id=conversation_id, sender=sender, text=text))


def test_hidden_tab_counts_notifies_and_the_keyboard_drives_take_send_hand_back(console, pushes):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    add_agent("giulia", "Giulia", "en")
    with chromium() as driver:
        wait = waiter(driver, 15)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        origin = console.url.split("/webhooks")[0]
        driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": origin, "permissions": ["notifications"]})
        login_in_browser(driver, console.url, "giulia", PASSWORD)

        def probe(what: str):
            return driver.execute_script(f"return window.__probe.{what};")

        def hide(hidden: bool) -> None:
            driver.execute_script("window.__probe.hide(arguments[0]);", hidden)

        def keys(*sequence: str) -> None:
            ActionChains(driver).send_keys(*sequence).perform()

        base_title = driver.title
        toggle = driver.find_element(By.ID, "notify-toggle")
        assert toggle.is_displayed() and toggle.text == "Notifications: off"
        assert toggle.get_attribute("aria-pressed") == "false"
        assert probe("asked.length") == 0  # never asked on page load

        # 1. Hidden tab, notifications off: the title counts, nothing pops up.
        hide(True)
        first = queue("whatsapp:+" + PHONE, channel="whatsapp", language="en")
        wait.until(lambda d: d.title == f"(1) {base_title}")
        assert probe("made.length") == 0
        hide(False)
        assert driver.title == base_title

        # 2. Turned on by a click: asked then, remembered, and the next arrival notifies.
        toggle.click()
        wait.until(lambda d: d.find_element(By.ID, "notify-toggle").text == "Notifications: on")
        assert probe("asked.length") == 1
        assert driver.execute_script("return localStorage.getItem('console.notify');") == "on"
        assert toggle.get_attribute("aria-pressed") == "true"
        page_shots(driver, "console_attention_header")
        hide(True)
        second = queue("whatsapp:+" + PHONE2, channel="whatsapp", language="en")
        wait.until(lambda d: d.title == f"(1) {base_title}")
        made = probe("made")
        assert [m["title"] for m in made] == ["New conversation in the queue"]
        label = driver.find_element(By.ID, f"handoff-{second}").get_attribute("data-label")
        assert made[0]["body"] == label and label.startswith("WhatsApp …")  # the display label, nothing more
        notes = list(made)
        assert probe("tones.length") >= 1  # the tone was made on the page, nothing downloaded
        hide(False)
        assert driver.title == base_title

        # 3. Keyboard only: "t" takes the first one waiting.
        keys("t")
        reply = wait.until(lambda d: d.find_elements(By.ID, "reply-text"))[0]
        assert f"/h/{first}" in driver.current_url

        # Own replies and notes are not counted; a debtor's message is, and notifies.
        hide(True)
        _debtor_says("whatsapp:+" + PHONE, "system", "[note] call back at 5")
        wait.until(lambda d: "call back at 5" in d.find_element(By.ID, "transcript").text)
        _debtor_says("whatsapp:+" + PHONE, "agent", "Giulia: written from another tab")
        wait.until(lambda d: "another tab" in d.find_element(By.ID, "transcript").text)
        assert driver.title == base_title
        _debtor_says("whatsapp:+" + PHONE, "debtor", f"my tax code is {TAX_CODE}, I owe {BALANCE}")
        wait.until(lambda d: d.title == f"(1) {base_title}")
        made = probe("made")
        assert [m["title"] for m in made] == ["New message from a debtor"]  # a fresh page, a fresh record
        notes += made
        hide(False)
        assert driver.title == base_title

        # Letters typed in the reply box stay there (no take, no hand back); Ctrl+Enter sends.
        keys("r")
        assert driver.switch_to.active_element == reply
        keys("Thanks, let me book the callback")
        ActionChains(driver).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
        wait.until(lambda d: "book the callback" in d.find_element(By.ID, "transcript").text)
        assert f"/h/{first}" in driver.current_url
        assert "text=Thanks, let me book the callback>" in pushes[-1].text  # delivered to the debtor
        keys(Keys.ESCAPE)  # leaves the box for the transcript, where letters are shortcuts again
        assert driver.switch_to.active_element.get_attribute("id") == "transcript"
        keys("b")
        wait.until(lambda d: d.current_url.split("?")[0].endswith("/queue"))
        assert console.agent.executed == [("whatsapp:+" + PHONE, "action_handback",
                                           ("output-channel", "whatsapp:+" + PHONE))]

        # 4. "?" opens the help overlay with the focus in it (visible); Escape gives it back.
        wait.until(lambda d: d.find_elements(By.ID, "queue-rows"))
        keys(Keys.TAB)
        before = driver.switch_to.active_element
        keys("?")
        wait.until(lambda d: d.execute_script("return document.getElementById('shortcuts').open;"))
        active = driver.switch_to.active_element
        assert active.get_attribute("id") == "shortcuts-close"
        assert driver.execute_script("return document.activeElement.matches(':focus-visible');")
        overlay = driver.find_element(By.ID, "shortcuts").text
        assert "Ctrl" in overlay and "Hand back to the bot" in overlay and "Take" in overlay
        page_shots(driver, "console_attention_shortcuts")
        keys(Keys.ESCAPE)
        wait.until(lambda d: not d.execute_script("return document.getElementById('shortcuts').open;"))
        assert driver.switch_to.active_element == before

    # Nothing a notification said names the debtor's tax code, phone or balance.
    assert len(notes) == 2
    for note in notes:
        text = note["title"] + " " + note["body"]
        assert TAX_CODE not in text and PHONE[-9:] not in text and PHONE2[-9:] not in text and "1240" not in text and "€" not in text
