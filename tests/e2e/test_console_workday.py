"""An agent's working day through the real servers in headless Chromium:
profile → assisted verification → canned reply → task done.

The debtor (rest channel) asks for a person and, while the bot is paused, types the invoice
number and tax code to the agent. The agent finds the debtor's profile, verifies them from the
conversation page (the Rasa tracker gets the slots), inserts a canned reply filled with the
verified balance, sends it, and closes the callback task the debtor had asked for.
"""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.agentdesk import canned
from bot.ledger.db import make_engine, session_factory
from bot.ledger.models import Debtor, FollowUpTask
from bot.security.verified import VerifiedConversation
from tests.e2e.console_support import PASSWORD, Db, add_agent, always_open_creditor, eventually
from tests.browser import chromium, login_in_browser, page_shots, waiter

pytestmark = pytest.mark.browser
SENDER = "e2e-workday-debtor"
CANNED = "Gentile {name}, il saldo aperto è {balance}. Le propongo un piano? {agent}"


@pytest.fixture(scope="module")
def live_env(tmp_path_factory) -> dict[str, str]:
    return {"CREDITOR_FILE": always_open_creditor(tmp_path_factory.mktemp("creditor"))}


def _seed(db_url: str) -> int:
    """A canned reply (a supervisor wrote it) and the callback Mario asked for yesterday; Mario's id."""
    factory = session_factory(make_engine(db_url))
    with factory() as session, session.begin():
        canned.save(session, language="it", title="Saldo e piano", body=CANNED, actor="agent:sara")
        mario = session.execute(select(Debtor).where(Debtor.name == "Mario Rossi")).scalar_one()
        session.add(FollowUpTask(kind="callback", debtor_id=mario.id, conversation_id=SENDER,
                                 note="Callback requested in chat"))
        return int(mario.id)


def _read(db_url: str, fn):  # type: ignore[no-untyped-def]
    with session_factory(make_engine(db_url))() as session:
        return fn(session)



def test_profile_verification_canned_reply_and_task(live_servers):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    db = Db(live_servers.db_url)
    mario = _seed(live_servers.db_url)
    add_agent(live_servers.env, "giulia", "Giulia", "it")
    console_url = f"{live_servers.rasa_url}/webhooks/console"
    assert live_servers.rest(SENDER, "voglio parlare con un operatore")
    handoff = eventually(lambda: db.handoff(SENDER), what="the handoff")
    # Paused: the bot says nothing, the agent will read it.
    assert live_servers.rest(SENDER, "fattura FT-2026/00417, codice fiscale RSSMRA85T10A562S") == []

    with chromium() as driver:
        wait = waiter(driver, 60)
        login_in_browser(driver, console_url, "giulia", PASSWORD)
        wait.until(ec.element_to_be_clickable((By.ID, f"take-{handoff.id}"))).click()
        wait.until(ec.presence_of_element_located((By.ID, "reply-text")))

        # Profile: search by invoice number, open the debtor's page.
        driver.get(f"{console_url}/debtors")
        driver.find_element(By.ID, "debtor-q").send_keys("ft-2026/00417")
        driver.find_element(By.ID, "debtor-search").click()
        wait.until(ec.presence_of_element_located((By.ID, "hits")))
        page_shots(driver, "workday_search")
        driver.find_element(By.LINK_TEXT, "Mario Rossi").click()
        wait.until(ec.presence_of_element_located((By.ID, "profile")))
        assert "1.240,50 €" in driver.find_element(By.ID, "profile-balance").text
        assert "Richiamata" in driver.find_element(By.ID, "profile-tasks").text
        page_shots(driver, "workday_profile")

        # Assisted verification from the conversation page; the debtor's pair is offered to confirm.
        driver.get(f"{console_url}/h/{handoff.id}")
        wait.until(ec.element_to_be_clickable((By.ID, "desk-verify"))).click()
        invoice = wait.until(ec.presence_of_element_located((By.ID, "verify-invoice")))
        assert invoice.get_attribute("value") == "FT-2026/00417"
        assert driver.find_element(By.ID, "verify-tax").get_attribute("value") == "RSSMRA85T10A562S"
        page_shots(driver, "workday_verify")
        driver.find_element(By.ID, "verify-submit").click()
        wait.until(ec.presence_of_element_located((By.ID, "reply-text")))
        summary = driver.find_element(By.CSS_SELECTOR, "dl.summary").text
        assert "Mario Rossi" in summary and "sì" in summary
        assert not driver.find_elements(By.ID, "desk-verify")

        # Canned reply: filled with the verified balance, inserted into the reply box, sent.
        wait.until(lambda d: d.find_element(By.ID, "desk-canned").is_displayed())
        Select(driver.find_element(By.ID, "desk-canned-select")).select_by_visible_text("Saldo e piano")
        driver.find_element(By.ID, "desk-canned-insert").click()
        box = driver.find_element(By.ID, "reply-text")
        expected = "Gentile Mario Rossi, il saldo aperto è 1.240,50 €. Le propongo un piano? Giulia"
        assert box.get_attribute("value") == expected
        profile_link = driver.find_element(By.ID, "desk-profile")
        assert profile_link.get_attribute("href").endswith(f"/debtors/{mario}")
        page_shots(driver, "workday_conversation")
        driver.find_element(By.ID, "reply-send").click()
        wait.until(lambda d: "Le propongo un piano" in d.find_element(By.ID, "transcript").text)

        # Task inbox: the callback, linked to the profile, done with a note.
        driver.get(f"{console_url}/tasks?view=all")
        task_id = _read(live_servers.db_url, lambda s: s.execute(select(FollowUpTask.id).where(
            FollowUpTask.conversation_id == SENDER, FollowUpTask.kind == "callback")).scalar_one())
        row = wait.until(ec.presence_of_element_located((By.ID, f"task-{task_id}")))
        assert row.find_element(By.LINK_TEXT, "Mario Rossi").get_attribute("href").endswith(f"/debtors/{mario}")
        page_shots(driver, "workday_tasks")
        driver.find_element(By.ID, f"done-note-{task_id}").send_keys("Richiamato: concordato un piano")
        driver.find_element(By.ID, f"done-{task_id}").click()
        wait.until(lambda d: "Attività segnata come fatta." in d.find_element(By.TAG_NAME, "body").text)

    assert ("agent", expected) in db.transcript(SENDER)
    record = _read(live_servers.db_url, lambda s: s.get(VerifiedConversation, SENDER))
    assert (record.debtor_id, record.verified_by) == (mario, "agent:giulia")
    task = _read(live_servers.db_url, lambda s: s.get(FollowUpTask, task_id))
    assert (task.status, task.resolution) == ("done", "Richiamato: concordato un piano")
    tracker = httpx.get(f"{live_servers.rasa_url}/conversations/{SENDER}/tracker",
                        params={"token": live_servers.token}, timeout=30).json()
    assert tracker["slots"]["verified"] is True
    assert tracker["slots"]["debtor_id"] == mario
    assert tracker["slots"]["verified_invoice"] == "FT-2026/00417"
