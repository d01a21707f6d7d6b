"""Drop provider retries: the same Telegram ``update_id`` or Twilio ``MessageSid`` twice.

Providers retry a webhook when our answer is slow or lost, so an id seen before is
ignored. The set is in memory (per process) with a TTL and a size cap: providers retry
within minutes, so a restart losing the set only matters for a retry that straddles it.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable

DEFAULT_TTL_SECONDS = 24 * 3600
DEFAULT_MAX_ITEMS = 50_000


class RecentIds:
    """A bounded set of (channel, id) pairs, each remembered for ``ttl`` seconds."""

    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS, max_items: int = DEFAULT_MAX_ITEMS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._max = max_items
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()  # webhooks may be handled from worker threads too

    def seen_before(self, channel: str, message_id: str) -> bool:
        """Remember the id and say whether it had been seen (and not expired) already."""
        key = (channel, message_id)
        now = self._clock()
        with self._lock:
            self._expire(now)
            if key in self._seen:
                return True
            self._seen[key] = now + self._ttl
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
            return False

    def _expire(self, now: float) -> None:
        while self._seen:
            key, expires = next(iter(self._seen.items()))
            if expires > now:
                return
            self._seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)


_RECENT = RecentIds()


def seen_before(channel: str, message_id: str | int | None) -> bool:
    """Process-wide check used by every channel; ``None`` ids are never duplicates."""
    if message_id is None or message_id == "":
        return False
    return _RECENT.seen_before(channel, str(message_id))


def reset() -> None:
    """Forget everything (tests)."""
    global _RECENT
    _RECENT = RecentIds()
