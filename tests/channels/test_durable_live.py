"""Live updates across processes: a transcript row committed by another process wakes a web
chat long-poll and a console stream subscription here — PostgreSQL LISTEN/NOTIFY, or Redis
pub/sub when REDIS_URL is set. The long-poll's own database re-check is pushed far out, so
only the cross-process event can be what wakes it."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from bot.channels import live, webchat
from bot.channels.webchat_hub import HUB
from bot.handoff.events import bus, conversation_topic
from bot.settings import get_settings
from tests.channels.fakes import free_port
from tests.channels.webchat_helpers import add_invoice, auth, token

ROOT = Path(__file__).resolve().parents[2]
WRITER = ("import sys; from bot.channels.outbound import _record; "
          "_record(sys.argv[1], 'agent', 'Buongiorno, sono Giulia (processo A).')")


@pytest.fixture()
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            import time
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(params=["postgres", "redis"])
def backend(request, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "postgres":
        if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
            pytest.skip("LISTEN/NOTIFY needs PostgreSQL: set TEST_DATABASE_URL (make test does)")
    else:
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
    get_settings.cache_clear()
    yield request.param
    live.stop_listener()
    get_settings.cache_clear()


async def write_from_another_process(conversation_id: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": get_settings().database_url,
           "REDIS_URL": get_settings().redis_url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, conversation_id, env=env, cwd=ROOT)
    assert await proc.wait() == 0


async def test_a_row_written_by_process_a_wakes_a_long_poll_and_a_stream_on_process_b(
        backend, server, http, app_db, monkeypatch):
    assert live.backend() == backend
    monkeypatch.setattr(webchat, "DB_RECHECK_SECONDS", 120.0)  # no re-read before the deadline
    add_invoice(app_db)
    tok = token()
    woken: list[bool] = []
    original_wait = HUB.wait

    async def spy(cid: str, timeout: float) -> bool:
        result = await original_wait(cid, timeout)
        woken.append(result)
        return result

    monkeypatch.setattr(HUB, "wait", spy)
    assert live.ensure_listener(wait_ready=10)
    poll = asyncio.ensure_future(http.get(f"{server.url}/webhooks/webchat/events?after=0&wait=25",
                                          headers=auth(tok, server.url)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not HUB._waiters and loop.time() < deadline:  # the long-poll is waiting
        await asyncio.sleep(0.02)
    # The server names the conversation (link + this browser's cookie): take the one it waits on.
    [conversation_id] = list(HUB._waiters)
    stream = bus.subscribe(conversation_topic(conversation_id))
    await write_from_another_process(conversation_id)
    body = (await poll).json()
    assert [m["text"] for m in body["messages"]] == ["Buongiorno, sono Giulia (processo A)."]
    assert woken == [True], "woken by the other process's event, not by a timeout"
    event = await stream.wait(10)
    assert event is not None and event["kind"] == "live"
    bus.unsubscribe(stream)


async def test_a_rolled_back_write_announces_nothing(backend, app_db):
    from bot.conversations import record_message
    from bot.ledger.db import session_scope

    assert live.ensure_listener(wait_ready=10)
    stream = bus.subscribe(conversation_topic("sms:+390000000001"))

    def write_then_fail() -> None:
        with session_scope() as session:
            record_message(session, "sms:+390000000001", "bot", "mai scritto")
            session.flush()
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await asyncio.to_thread(write_then_fail)
    live.publish("sms:+390000000002")  # a later event on another conversation proves the pipe is alive
    other = bus.subscribe(conversation_topic("sms:+390000000002"))
    live.publish("sms:+390000000002")
    assert await other.wait(10) is not None
    assert stream.queue.empty()
    bus.unsubscribe(stream)
    bus.unsubscribe(other)


async def test_provider_pacing_is_shared_by_replicas_through_redis(redis_url, monkeypatch):
    from bot.channels import pacing

    monkeypatch.setenv("REDIS_URL", redis_url)
    get_settings.cache_clear()
    replica_a = pacing.bucket("test:global", capacity=2, rate=0.01)
    replica_b = pacing.bucket("test:global", capacity=2, rate=0.01)   # another process's bucket object
    assert isinstance(replica_a, pacing.RedisTokenBucket)
    assert await replica_a.take() == 0 and await replica_a.take() == 0
    assert await replica_b.take() > 0, "the burst was spent by the other replica"
    per_chat = pacing.keyed("test:chat", capacity=1, rate=0.01)
    assert await per_chat.get("1").take() == 0 and await per_chat.get("2").take() == 0
    assert await pacing.keyed("test:chat", capacity=1, rate=0.01).get("1").take() > 0
    get_settings.cache_clear()


def test_without_redis_pacing_stays_in_process(monkeypatch):
    from bot.channels import pacing

    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    assert isinstance(pacing.bucket("x", 1, 1), pacing.TokenBucket)
    get_settings.cache_clear()


async def test_telegram_replies_are_paced_through_redis_on_a_real_server(redis_url, server, http, monkeypatch):
    import redis

    from bot.channels import telegram
    from tests.channels.conftest import settle
    from tests.channels.test_telegram_server import post, text_update

    monkeypatch.setenv("REDIS_URL", redis_url)
    get_settings.cache_clear()
    telegram.reset()
    await post(http, server, text_update("ciao"))
    await settle(lambda: server.telegram_api.sent("sendMessage"))
    assert server.telegram_api.texts() == ["echo: ciao"]
    keys = redis.Redis.from_url(redis_url).keys("bot:pace:telegram:*")
    assert sorted(k.decode() for k in keys) == ["bot:pace:telegram:chat:555001", "bot:pace:telegram:global"]
    live.stop_listener()
    get_settings.cache_clear()
