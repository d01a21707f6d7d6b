"""The atomic Redis lock store against a real redis-server: one turn at a time, in ticket order."""
from __future__ import annotations

import asyncio
import multiprocessing
import time

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.lock_store import InMemoryLockStore, LockError, RedisLockStore

from bot.rasa.lock_store import AtomicRedisLockStore, ConfiguredLockStore

SENDER = "whatsapp:+393331234567"


def _replica(url: str, name: str, count: int, start_at: float) -> None:
    """One "Rasa replica": `count` concurrent turns of one sender, each logged in Redis."""
    store = AtomicRedisLockStore(url=url, poll_seconds=0.005)
    log = redis.Redis.from_url(url)

    async def turn(i: int) -> None:
        async with store.lock(SENDER) as lock:
            ticket = lock.now_serving
            log.rpush("log", f"start {ticket} {name}-{i}")
            await asyncio.sleep(0.01)  # a turn awaits I/O: other turns get the event loop
            log.rpush("log", f"end {ticket} {name}-{i}")

    async def main() -> None:
        while time.time() < start_at:
            await asyncio.sleep(0.001)
        await asyncio.gather(*(turn(i) for i in range(count)))

    asyncio.run(main())


def test_twenty_turns_of_one_sender_on_two_replicas_run_one_at_a_time_in_ticket_order(redis_url):
    start_at = time.time() + 1.0
    ctx = multiprocessing.get_context("spawn")
    replicas = [ctx.Process(target=_replica, args=(redis_url, name, 10, start_at)) for name in ("a", "b")]
    for p in replicas:
        p.start()
    for p in replicas:
        p.join(60)
        assert p.exitcode == 0
    log = [line.decode().split() for line in redis.Redis.from_url(redis_url).lrange("log", 0, -1)]
    assert len(log) == 40
    # Strictly alternating start/end of the same turn: never two turns at once.
    for first, second in zip(log[0::2], log[1::2], strict=True):
        assert first[0] == "start" and second[0] == "end" and first[1:] == second[1:]
    tickets = [int(entry[1]) for entry in log[0::2]]
    assert tickets == sorted(tickets) and len(set(tickets)) == 20  # served in the order issued
    assert {entry[2] for entry in log[0::2]} == {f"{n}-{i}" for n in "ab" for i in range(10)}  # none lost
    assert redis.Redis.from_url(redis_url).exists(f"bot:lock:{SENDER}") == 0  # no ticket left behind


def test_rasa_s_own_redis_lock_store_gives_two_replicas_the_same_ticket(redis_url):
    """The race this store closes: read, then write, from two replicas in between."""
    host, port = redis_url.removeprefix("redis://").split("/")[0].split(":")
    one, two = RedisLockStore(host=host, port=int(port), db=0), RedisLockStore(host=host, port=int(port), db=0)
    lock_one, lock_two = one.get_or_create_lock(SENDER), two.get_or_create_lock(SENDER)
    ticket_one, ticket_two = lock_one.issue_ticket(60), lock_two.issue_ticket(60)
    one.save_lock(lock_one)
    two.save_lock(lock_two)
    assert ticket_one == ticket_two  # both "hold" the lock: their turns interleave


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["issue", "finish"]), min_size=1, max_size=30))
def test_tickets_only_grow_and_the_lowest_live_ticket_is_served(redis_url, steps):
    store = AtomicRedisLockStore(url=redis_url)
    store.red.flushdb()  # the fixture is shared by the examples: each starts empty
    live: list[int] = []
    last = 0
    for step in steps:
        if step == "issue":
            ticket = store.issue_ticket(SENDER, 60)
            assert ticket > last
            last = ticket
            live.append(ticket)
        elif live:
            store.finish_serving(SENDER, live.pop(0))
        lock = store.get_lock(SENDER)
        if live:
            assert lock is not None and lock.now_serving == live[0]
            assert [t.number for t in lock.tickets] == live
        else:
            assert lock is None


def test_an_expired_ticket_no_longer_blocks_the_conversation(redis_url):
    store = AtomicRedisLockStore(url=redis_url, poll_seconds=0.01)
    store.issue_ticket(SENDER, 0.2)  # a replica killed while holding the lock

    async def next_turn() -> int:
        async with store.lock(SENDER, lock_lifetime=30) as lock:
            return lock.now_serving

    assert asyncio.run(asyncio.wait_for(next_turn(), 10)) == 2


def test_a_waiter_whose_ticket_was_expired_by_another_replica_gets_a_lock_error(redis_url):
    """A replica stalled past the lifetime: another one dropped its ticket in the meantime."""
    store = AtomicRedisLockStore(url=redis_url, poll_seconds=0.01)
    store.issue_ticket(SENDER, 30)
    mine = store.issue_ticket(SENDER, 30)
    store.red.zrem(f"bot:lock:{SENDER}", mine)
    with pytest.raises(LockError) as raised:
        asyncio.run(asyncio.wait_for(store._acquire_lock(SENDER, mine, 0.01, 30), 10))
    assert "+39" not in str(raised.value)  # no phone number in the error


def test_a_burst_queued_longer_than_the_lifetime_is_served_whole_and_one_turn_at_a_time(redis_url):
    """Live replicas renew their tickets: waiting or a slow turn never outlives the lifetime."""
    store = AtomicRedisLockStore(url=redis_url, poll_seconds=0.01)
    lifetime, turn_seconds = 0.4, 0.3  # five turns queue for 1.2 s, a single turn for 0.3 s
    running: list[int] = []
    served: list[int] = []

    async def turn(i: int) -> None:
        async with store.lock(SENDER, lock_lifetime=lifetime) as lock:
            running.append(i)
            assert len(running) == 1, "two turns of one conversation at once"
            served.append(lock.now_serving)
            # Another replica expiring tickets meanwhile must not drop a live one.
            store.update_lock(SENDER)
            await asyncio.sleep(turn_seconds)
            store.update_lock(SENDER)
            assert store.get_lock(SENDER) is not None and store.get_lock(SENDER).now_serving == served[-1]
            running.remove(i)

    async def burst() -> None:
        await asyncio.gather(*(turn(i) for i in range(5)))

    asyncio.run(asyncio.wait_for(burst(), 30))
    assert served == sorted(served) and len(served) == 5
    assert store.get_lock(SENDER) is None


def test_a_ticket_whose_owner_stopped_renewing_expires(redis_url):
    store = AtomicRedisLockStore(url=redis_url)
    ticket = store.issue_ticket(SENDER, 0.2)
    assert store.renew(SENDER, ticket, 0.2)
    time.sleep(0.4)
    store.update_lock(SENDER)
    assert not store.renew(SENDER, ticket, 0.2) and store.get_lock(SENDER) is None


def test_the_store_endpoints_yml_names_follows_redis_url(monkeypatch, redis_url):
    from bot.settings import get_settings

    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    assert isinstance(ConfiguredLockStore(), InMemoryLockStore)  # make run: one process, no Redis
    monkeypatch.setenv("REDIS_URL", redis_url)
    get_settings.cache_clear()
    try:
        assert isinstance(ConfiguredLockStore(), AtomicRedisLockStore)
    finally:
        get_settings.cache_clear()
