"""Console hardening over real HTTP: bad cursors, URL flash codes, security headers, revocation."""
from __future__ import annotations

import httpx
import pytest

from bot.handoff.web import SECURITY_HEADERS
from tests.handoff.conftest import add_agent, csrf_of, login, queue

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


def test_a_logged_out_cookie_is_refused_by_a_fresh_server_on_the_same_database(console):
    from tests.handoff.server import ConsoleServer, console_process

    add_agent()
    client = login(console.url)
    cookie = client.cookies.get("console_session")
    token = csrf_of(client.get("/queue").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 302
    console.stop()  # the server that saw the logout is gone: nothing is left in its memory
    fresh = ConsoleServer().start()
    try:
        stale = httpx.Client(base_url=fresh.url, follow_redirects=False, cookies={"console_session": cookie})
        assert stale.get("/queue").headers["location"].endswith("/login")
        assert stale.get("/queue.json", headers=JSON).status_code == 401
        assert login(fresh.url).get("/queue").status_code == 200  # a new login still works
    finally:
        fresh.stop()
    with console_process() as other_process:  # shares no memory with this test process
        stale = httpx.Client(base_url=other_process, follow_redirects=False, cookies={"console_session": cookie})
        assert stale.get("/queue").headers["location"].endswith("/login")


def test_repeated_wrong_passwords_lock_the_login_across_servers(console):
    from tests.handoff.server import console_process

    add_agent()

    def attempt(url: str, password: str) -> str:
        client = httpx.Client(base_url=url, follow_redirects=False)
        page = client.get("/login")
        answer = client.post("/login", data={"csrf": csrf_of(page.text), "username": "giulia",
                                             "password": password})
        return answer.headers["location"]

    for _ in range(5):
        assert attempt(console.url, "wrong-password").endswith("err=login")
    with console_process() as other_process:  # the lock is in the database: another process refuses too
        assert attempt(other_process, "correct-horse-battery").endswith("err=locked")
