"""Console hardening over real HTTP: bad cursors, URL flash codes, security headers, revocation."""
from __future__ import annotations

import httpx
import pytest

from bot.handoff.web import SECURITY_HEADERS
from tests.handoff.conftest import add_agent, login, queue

JSON = {"Accept": "application/json"}


def assert_hardened(resp: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, (resp.request.url, name)
    csp = resp.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "١٢", "9" * 40])
def test_a_cursor_that_is_not_a_message_id_is_a_400_not_a_crash(console, after):
    add_agent()
    hid = queue("tg:1", channel="telegram")
    client = login(console.url)
    for path in (f"/h/{hid}/messages.json", f"/h/{hid}/stream"):
        answer = client.get(path, params={"after": after})
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["code"] == "bad_after"
        assert "Traceback" not in answer.text
    assert client.get(f"/h/{hid}/messages.json", params={"after": "0"}).status_code == 200


def test_every_console_response_carries_the_security_headers(console):
    add_agent()
    hid = queue("tg:1", channel="telegram")
    anonymous = httpx.Client(base_url=console.url, follow_redirects=False)
    for resp in (anonymous.get("/login"), anonymous.get("/queue"), anonymous.get("/queue.json", headers=JSON),
                 anonymous.get("/static/console.js"), anonymous.post("/login", data={})):
        assert_hardened(resp)
    client = login(console.url)
    for path in ("/queue", "/queue.json", f"/h/{hid}", f"/h/{hid}/messages.json", "/h/999",
                 f"/h/{hid}/messages.json?after=abc", "/static/console.css", "/dashboard"):
        assert_hardened(client.get(path))
    assert_hardened(client.post(f"/h/{hid}/take", data={}, headers=JSON))  # refused: no CSRF token
    with client.stream("GET", "/queue/stream", timeout=10) as stream:
        assert_hardened(stream)


@pytest.mark.parametrize("code", ["<script>alert(1)</script>", "free text", "e_login", "ok_sent", "__class__"])
def test_unknown_flash_codes_in_the_url_show_nothing(console, code):
    add_agent()
    hid = queue("tg:1", channel="telegram")
    login_page = httpx.get(f"{console.url}/login", params={"err": code})
    assert 'id="login-error"' not in login_page.text
    client = login(console.url)
    for path in ("/queue", f"/h/{hid}"):
        for key in ("err", "msg"):
            page = client.get(path, params={key: code})
            assert page.status_code == 200
            assert 'class="flash' not in page.text, (path, key)
            assert "alert(1)" not in page.text and "free text" not in page.text


def test_known_flash_codes_are_translated(console):
    add_agent()
    assert "Utente o password non validi." in httpx.get(f"{console.url}/login", params={"err": "login"}).text
    client = login(console.url)
    assert "Messaggio inviato." in client.get("/queue", params={"msg": "sent"}).text
    assert "Già presa in carico da un collega." in client.get("/queue", params={"err": "taken"}).text
    # ?err= is for error codes only: a success code there is not shown as an error
    assert 'class="flash' not in client.get("/queue", params={"err": "sent"}).text
