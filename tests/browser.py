"""Headless Chromium (Debian ``chromium`` + ``chromedriver``) for every browser test.

One place decides the flags, so the widget and the console are looked at by the same
browser: no sandbox (CI runs as root), no shared-memory file (small /dev/shm in
containers), no background networking (nothing may leave loopback), and a throw-away
profile per browser so no cookie or storage survives from one test to the next.
"""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def launch(width: int = 375, height: int = 812) -> Any:
    """A fresh headless browser (phone width unless told); the caller quits it.

    Quitting also removes the throw-away profile.
    """
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip("chromium/chromedriver not installed (apt-get install -y chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(width, height)
    driver.implicitly_wait(0)
    quit_driver = driver.quit

    def quit_and_clean() -> None:
        try:
            quit_driver()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A headless browser (desktop size unless told) for the length of a ``with`` block."""
    driver = launch(width, height)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> Path:
    """Save what the browser shows under tests/artifacts/ and return the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


def login_in_browser(driver: Any, console_url: str, username: str, password: str) -> None:
    """Log in and wait for the queue, the page a login lands on.

    click() returns as soon as the form is submitted; a driver.get() issued before the
    POST's redirect has landed can be overtaken by it, so callers must start from here.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{console_url}/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "queue-rows")))


def page_shots(driver: Any, name: str) -> None:
    """Desktop and phone screenshots of the whole page under tests/artifacts/ (the docs use them).

    The window is grown to the page's height so a screenshot shows all of it, then put back
    to the desktop size the console tests start from.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, width in (("desktop", 1280), ("phone", 390)):
        driver.set_window_size(width, 900)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(height) + 140, 2600))  # + the browser's own chrome
        driver.save_screenshot(str(ARTIFACTS / f"{name}_{label}.png"))
    driver.set_window_size(1280, 900)


def wait_for_text(driver: Any, css: str, needle: str, timeout: float = 30) -> str:
    """Wait until the element at ``css`` shows ``needle``; return its text.

    Pages that re-render a list from a live stream (the task inbox replaces its rows when the
    stream connects) can swap the element between finding it and reading it; the element is
    looked up again on every poll, and a stale one just means "not yet".
    """
    from selenium.webdriver.common.by import By

    def shown(d: Any) -> str | bool:
        text = d.find_element(By.CSS_SELECTOR, css).text
        return text if needle in text else False

    return waiter(driver, timeout).until(shown)


def waiter(driver: Any, timeout: float) -> Any:
    """A WebDriverWait that treats an element replaced under it (a page navigating after a
    click, a list re-rendered by a live stream) as "not yet" rather than a failure."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
