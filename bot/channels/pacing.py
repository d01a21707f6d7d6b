"""Token buckets so a provider's rate limits are respected before it has to refuse us."""
from __future__ import annotations

import asyncio
import time
from typing import Callable


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
