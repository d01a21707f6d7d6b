"""Enumeration with a known tax code: a fresh conversation per guess, sequential invoice numbers.

Per-conversation and per-invoice limits never see the same key twice in that attack; the
limits per tax code and per client must stop it before the guess that would hit.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from hypothesis import given, settings, strategies as st
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.rest import RestInput
from bot.settings import get_settings
from bot.verification import Limit, lock_from_failures, verify
from tests.channels.fakes import free_port
from tests.factories import CF_MARIO, add_debtor, add_invoice

NOW = datetime(2026, 11, 23, 10, 0)


def _ledger(session, hit: int = 8) -> None:
    """Mario's invoice is number ``hit`` in the series 2026/0001, 2026/0002, ..."""
    add_invoice(session, add_debtor(session), f"2026/{hit:04d}")
    session.commit()


def _guesses(session, count: int, *, client=lambda i: None, minutes_apart: int = 1):
    return [verify(session, conversation_id=f"rest-{uuid.uuid4().hex}", invoice_number=f"2026/{i:04d}",
                   tax_code=CF_MARIO, now=NOW + timedelta(minutes=i * minutes_apart), client_key=client(i))
            for i in range(1, count + 1)]


def test_known_tax_code_with_fresh_conversations_is_stopped_before_the_hit(session):
    _ledger(session, hit=8)
    results = _guesses(session, 8)
    assert [r.status for r in results[:4]] == ["failed"] * 4
    # The fifth failure reaches the tax-code limit; the correct eighth guess is refused.
    assert all(r.status == "locked" for r in results[4:])
    assert not any(r.verified for r in results)


def test_one_client_rotating_tax_codes_is_stopped_by_the_client_limit(session):
    _ledger(session, hit=8)
    codes = ["BNCLRA90A41H501Y", "VRDGPP80A01F205X", "NRIFNC75B12L219K", "BLUMRC70C13D612T", "GLLLCU65D14G273P"]
    results = [verify(session, conversation_id=f"rest-{i}", invoice_number=f"2026/{i:04d}", tax_code=codes[i],
                      now=NOW + timedelta(minutes=i), client_key="ip:198.51.100.9") for i in range(5)]
    assert [r.status for r in results] == ["failed"] * 4 + ["locked"]
    hit = verify(session, conversation_id="rest-new", invoice_number="2026/0008", tax_code=CF_MARIO,
                 now=NOW + timedelta(minutes=6), client_key="ip:198.51.100.9")
    assert hit.status == "locked"
    # Another client with the right pair is not affected.
    other = verify(session, conversation_id="rest-debtor", invoice_number="2026/0008", tax_code=CF_MARIO,
                   now=NOW + timedelta(minutes=6), client_key="ip:192.0.2.1")
    assert other.verified


def test_tax_code_limit_comes_from_settings(session, monkeypatch):
    monkeypatch.setenv("VERIFY_WIDE_MAX_FAILURES", "8")
    get_settings.cache_clear()
    try:
        _ledger(session, hit=8)
        results = _guesses(session, 8)
    finally:
        get_settings.cache_clear()
    # With a limit of eight the seventh failure does not lock, so the eighth guess lands: the
    # limit is really read (and five, the default, is what stops the attack).
    assert results[-1].verified


def test_slow_guessing_outside_the_window_is_not_locked_by_the_tax_code(session):
    _ledger(session, hit=8)
    # One guess every 20 minutes: never five failures within 60 minutes, so nothing locks.
    results = _guesses(session, 7, minutes_apart=20)
    assert all(r.status == "failed" for r in results)


failure_times = st.lists(st.integers(min_value=0, max_value=600), max_size=25)


@settings(max_examples=200, deadline=None)
@given(minutes=failure_times, max_failures=st.integers(1, 5), window=st.integers(1, 90), lock=st.integers(1, 90))
def test_lock_rule(minutes, max_failures, window, lock):
    limit = Limit(max_failures, timedelta(minutes=window), timedelta(minutes=lock))
    times = [NOW + timedelta(minutes=m) for m in minutes]
    run, locked_until = lock_from_failures(times, limit)
    counted = sorted(times)
    assert len(run) < max_failures
    if locked_until is None:
        # No lock means no window ever held the limit.
        assert all(sum(1 for u in counted if t - limit.window < u <= t) < max_failures for t in counted)
    else:
        # The lock ends exactly one lock period after a recorded failure that closed a full window.
        trigger = locked_until - limit.lock
        assert trigger in times
        assert sum(1 for u in times if trigger - limit.window < u <= trigger) >= max_failures
        # Every failure in the remaining run is after the trigger's lock ended.
        assert all(t >= locked_until for t in run)


@settings(max_examples=200, deadline=None)
@given(minutes=failure_times, extra=failure_times, max_failures=st.integers(1, 5), window=st.integers(1, 90))
def test_later_failures_never_shorten_or_move_a_lock(minutes, extra, max_failures, window):
    limit = Limit(max_failures, timedelta(minutes=window), timedelta(minutes=window))
    times = sorted(NOW + timedelta(minutes=m) for m in minutes)
    _, locked_until = lock_from_failures(times, limit)
    if locked_until is None:
        return
    later = [times[-1] + timedelta(minutes=m) for m in extra]
    _, after = lock_from_failures(times + later, limit)
    # The lock counted from its trigger holds whatever follows; failures inside it change nothing.
    assert after is not None and after >= locked_until
    during = [t for t in later if t < locked_until]
    assert lock_from_failures(times + during, limit)[1] == locked_until


class _EchoAgent:
    async def handle_message(self, message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "ok")


@pytest.fixture()
async def rest_server(app_db):
    port = free_port()
    Sanic.test_mode = True
    app = Sanic(f"rest_{uuid.uuid4().hex[:12]}")
    app.ctx.agent = _EchoAgent()
    register([RestInput()], app, route="/webhooks/")
    srv = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await srv.startup()
    await srv.after_start()
    try:
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    finally:
        srv.close()
        await srv.wait_closed()
        get_settings.cache_clear()


@pytest.mark.parametrize("value, status", [(None, 404), ("0", 404), ("1", 200)])
async def test_rest_webhook_is_off_unless_enabled(rest_server, monkeypatch, value, status):
    if value is None:
        monkeypatch.delenv("ENABLE_REST_CHANNEL", raising=False)
    else:
        monkeypatch.setenv("ENABLE_REST_CHANNEL", value)
    get_settings.cache_clear()
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(rest_server, json={"sender": "guess-1", "message": "ciao"})
    assert response.status_code == status


def test_the_lock_reply_says_how_long_the_tax_code_lock_lasts(app_db):
    from bot.dialogue.identity import check_pair
    from bot.ledger.db import session_factory

    with session_factory(app_db)() as session:
        _ledger(session, hit=8)
    outcomes = [check_pair(f"rest-{i}", f"2026/{i:04d}", CF_MARIO, NOW + timedelta(minutes=i), f"rest:rest-{i}")
                for i in range(1, 6)]
    assert [o.status for o in outcomes] == ["failed"] * 4 + ["locked"]
    assert outcomes[-1].lock_minutes == get_settings().verify_wide_window_minutes == 60
    later = check_pair("rest-9", "2026/0008", CF_MARIO, NOW + timedelta(minutes=35), "rest:rest-9")
    assert later.status == "locked" and later.lock_minutes == 30


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from tests.e2e.live import MODEL, running_servers

    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    with running_servers({}, tmp_path_factory.mktemp("enumeration")) as servers:
        yield servers


@pytest.mark.e2e
def test_attack_through_the_real_servers_is_stopped_before_the_hit(live):
    """A known tax code, a new REST sender per guess, FT-2026/00410 ... 00417 (Mario's is the last)."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session as DbSession

    from bot.ledger.models import VerificationAttempt

    replies = []
    for n in range(410, 418):
        sender = f"guess-{uuid.uuid4().hex[:10]}"
        live.rest(sender, "vorrei pagare a rate")  # straight to the invoice question
        live.rest(sender, f"FT-2026/00{n}")
        replies.append(" ".join(r.get("text") or "" for r in live.rest(sender, CF_MARIO)))
    assert not any("Rossi" in text or "1.240" in text for text in replies), replies[-1]
    engine = create_engine(live.db_url, future=True)
    try:
        with DbSession(engine) as s:
            attempts = s.execute(select(VerificationAttempt).order_by(VerificationAttempt.id)).scalars().all()
            # Five failures recorded, then every guess refused unrecorded; the tax code only as a hash.
            assert [a.succeeded for a in attempts] == [False] * 5
            assert len({a.tax_key for a in attempts}) == 1 and CF_MARIO not in attempts[0].tax_key
            assert all(a.client_key and a.client_key.endswith(a.conversation_id) for a in attempts)
    finally:
        engine.dispose()
