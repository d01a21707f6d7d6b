"""Token buckets so a provider's rate limits are respected before it has to refuse us.

In one process they live in memory; with ``REDIS_URL`` (several replicas) in Redis.
"""
from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import redis.asyncio as aioredis


class TokenBucket:
    """``capacity`` messages at once, then ``rate`` per second."""

    def __init__(self, capacity: float, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.rate, self._clock = capacity, rate, clock
        self._tokens = capacity
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def delay_needed(self) -> float:
        """Seconds to wait before the next message may go (0 when one is available)."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    async def acquire(self) -> None:
        async with self._lock:
            while (wait := self.delay_needed()) > 0:
                await asyncio.sleep(wait)
            self._tokens -= 1


class KeyedBuckets:
    """One bucket per key (chat), created on demand, forgotten when full again."""

    def __init__(self, capacity: float, rate: float, max_keys: int = 10_000) -> None:
        self.capacity, self.rate, self._max = capacity, rate, max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def get(self, key: str) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max:
                self._buckets = {k: b for k, b in self._buckets.items() if b.delay_needed() > 0 or b._tokens < b.capacity}
            bucket = self._buckets[key] = TokenBucket(self.capacity, self.rate)
        return bucket


# --- shared between replicas (REDIS_URL) ----------------------------------------------------
# The provider's limits are per bot, not per process: with several replicas the buckets
# live in Redis. One script refills and takes a token atomically, on Redis's own clock.
_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local cap, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens, stamp = tonumber(state[1]) or cap, tonumber(state[2]) or t
tokens = math.min(cap, tokens + math.max(0, t - stamp) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(t))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
return tostring(wait)
"""
KEY_PREFIX = "bot:pace:"

_clients: dict[tuple[str, int], aioredis.Redis] = {}


def _client(url: str) -> aioredis.Redis:
    import redis.asyncio as aioredis

    key = (url, id(asyncio.get_running_loop()))
    if key not in _clients:
        _clients[key] = aioredis.Redis.from_url(url, socket_timeout=2)
    return _clients[key]


class RedisTokenBucket:
    """``TokenBucket`` kept in Redis, so every replica draws from the same tokens.

    If Redis cannot be reached the bucket falls back to a local one (pacing per process
    is better than not sending)."""

    def __init__(self, url: str, name: str, capacity: float, rate: float) -> None:
        self.url, self.key, self.capacity, self.rate = url, KEY_PREFIX + name, capacity, rate
        self._local = TokenBucket(capacity, rate)

    async def take(self) -> float:
        """Take a token if one is there: 0.0, else the seconds to wait before asking again."""
        return float(await _client(self.url).eval(_TAKE, 1, self.key, self.capacity, self.rate))

    async def acquire(self) -> None:
        import redis

        try:
            while (wait := await self.take()) > 0:
                await asyncio.sleep(wait)
        except redis.RedisError as exc:
            import logging

            logging.getLogger(__name__).warning("shared pacing unavailable (%s): pacing locally",
                                                exc.__class__.__name__)
            await self._local.acquire()


class SharedKeyedBuckets(KeyedBuckets):
    """``KeyedBuckets`` in Redis: one bucket per key, shared by every replica."""

    def __init__(self, url: str, name: str, capacity: float, rate: float) -> None:
        super().__init__(capacity, rate)
        self.url, self.name = url, name

    def get(self, key: str) -> RedisTokenBucket:  # type: ignore[override]
        return RedisTokenBucket(self.url, f"{self.name}:{key}", self.capacity, self.rate)


def bucket(name: str, capacity: float, rate: float) -> TokenBucket | RedisTokenBucket:
    """A bucket shared through Redis when ``REDIS_URL`` is set, else this process's own."""
    from bot.settings import get_settings

    url = get_settings().redis_url
    return RedisTokenBucket(url, name, capacity, rate) if url else TokenBucket(capacity, rate)


def keyed(name: str, capacity: float, rate: float) -> KeyedBuckets:
    """Per-key buckets (one per chat), shared through Redis when ``REDIS_URL`` is set, else this process's own."""
    from bot.settings import get_settings

    url = get_settings().redis_url
    return SharedKeyedBuckets(url, name, capacity, rate) if url else KeyedBuckets(capacity, rate)
