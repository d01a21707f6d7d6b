"""A Redis lock store for several Rasa replicas, with tickets issued atomically.

Rasa 3.6's ``RedisLockStore`` keeps each conversation's ticket lock as one JSON value and
changes it by read-modify-write from Python: ``issue_ticket`` reads the lock, appends a
ticket and writes it back in two round trips. Two replicas receiving a message of the same
sender at the same moment both read "last ticket 3", both write "ticket 4", and the second
write drops the first ticket: both turns run at once, on the same tracker, and one turn's
events are lost. Finishing a ticket and removing expired ones race the same way.

Here the lock of a conversation is a sorted set (member = ticket number, score = expiry)
plus a counter, and every change is one Lua script, which Redis runs atomically:
``issue`` (INCR the counter, add the ticket), ``finish`` (remove it; delete the set when
no ticket is left) and ``expire`` (drop tickets past their lifetime). The counter outlives
the set by its TTL, so ticket numbers only grow, "now serving" is the lowest live ticket
and tickets are served in the order Redis issued them. Both keys carry a TTL of the lock
lifetime, so a replica killed while holding a ticket blocks that one conversation for at
most ``TICKET_LOCK_LIFETIME`` seconds.

The lifetime is how long a ticket lives *without a sign of life from its owner*, not how
long it may wait or be served: a live replica renews (``renew``) its ticket while it waits
and while its turn runs. Rasa's store counts the lifetime from issue, so a debtor who
sends twenty messages in a burst loses the last ones once the queue ahead of them takes
longer than the lifetime (a lock error, no reply), and a turn slower than the lifetime
(a slow action server) lets the next turn start on the same tracker.

Waiters poll every ``poll_seconds`` (Rasa's fixed one second would add up to a second to
every queued turn).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.rasa import version
from bot.settings import get_settings

log = logging.getLogger(__name__)

KEY_PREFIX = "bot:lock:"

# KEYS[1] tickets (zset), KEYS[2] counter; ARGV[1] now, ARGV[2] lifetime (s).
_ISSUE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local n = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), n)
local ttl = math.ceil(tonumber(ARGV[2]) * 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return n
"""
# KEYS as above; ARGV[1] ticket, ARGV[2] now. Returns the number of live tickets left.
_FINISH = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[1]) end
return left
"""
# KEYS as above; ARGV[1] ticket, ARGV[2] now, ARGV[3] lifetime. 1 if the ticket was still live.
_RENEW = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
local ttl = math.ceil(tonumber(ARGV[3]) * 1000) + 1000
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
"""
_EXPIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
"""


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis whose every change is atomic (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[str] = None,
                 poll_seconds: Optional[float] = None, key_prefix: str = KEY_PREFIX) -> None:
        version.check()
        config: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        url = url or (endpoint_config.url if endpoint_config else None) or get_settings().redis_url
        if not url:
            raise ValueError("AtomicRedisLockStore needs REDIS_URL (e.g. redis://127.0.0.1:6379/1)")
        self.red = redis.Redis.from_url(url, socket_timeout=float(config.get("socket_timeout", 10)))
        self.poll_seconds = float(poll_seconds if poll_seconds is not None else config.get("poll_seconds", 0.02))
        self.key_prefix = str(config.get("key_prefix", key_prefix))
        self._issue = self.red.register_script(_ISSUE)
        self._finish = self.red.register_script(_FINISH)
        self._expire = self.red.register_script(_EXPIRE)
        self._renew = self.red.register_script(_RENEW)
        super().__init__()

    def _keys(self, conversation_id: str) -> list[str]:
        base = self.key_prefix + conversation_id
        return [base, base + ":last"]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for the conversation, in one atomic step."""
        try:
            return int(self._issue(keys=self._keys(conversation_id), args=[time.time(), lock_lifetime]))
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        """The live tickets of the conversation, lowest first (None when there are none)."""
        pairs = self.red.zrange(self._keys(conversation_id)[0], 0, -1, withscores=True)
        # The set is ordered by expiry; "now serving" is the lowest ticket *number*.
        tickets = deque(sorted((Ticket(int(member), float(score)) for member, score in pairs),
                               key=lambda t: t.number))
        return TicketLock(conversation_id, tickets) if tickets else None

    def delete_lock(self, conversation_id: str) -> None:
        """Forget the conversation's lock entirely."""
        self.red.delete(*self._keys(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        # Saving a whole lock is the read-modify-write this class exists to avoid.
        raise NotImplementedError("AtomicRedisLockStore changes locks only through its atomic scripts")

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets."""
        self._expire(keys=self._keys(conversation_id), args=[time.time()])

    def renew(self, conversation_id: str, ticket_number: int, lock_lifetime: float) -> bool:
        """Push the ticket's expiry ``lock_lifetime`` seconds ahead; False if it had expired."""
        return bool(self._renew(keys=self._keys(conversation_id), args=[ticket_number, time.time(), lock_lifetime]))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket (and the lock once no ticket is left), atomically."""
        self._finish(keys=self._keys(conversation_id), args=[ticket_number, time.time()])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Rasa's cleanup is finish + "delete if nobody waits": one script here."""
        try:
            self.finish_serving(conversation_id, ticket_number)
        except redis.RedisError:  # the ticket then expires on its own
            log.warning("could not release a conversation lock ticket; it expires by itself")

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, polling at ``poll_seconds`` and renewing the ticket while alive."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            lock = await self._acquire_lock(conversation_id, ticket, self.poll_seconds, lock_lifetime)
            keeper = asyncio.create_task(self._keep_alive(conversation_id, ticket, lock_lifetime))
            try:
                yield lock
            finally:
                keeper.cancel()
        finally:
            self.cleanup(conversation_id, ticket)

    async def _keep_alive(self, conversation_id: str, ticket: int, lock_lifetime: float) -> None:
        """While the turn runs: renew the ticket at a quarter of its lifetime."""
        while True:
            await asyncio.sleep(lock_lifetime / 4)
            try:
                await asyncio.to_thread(self.renew, conversation_id, ticket, lock_lifetime)
            except redis.RedisError:  # Redis away for a moment: the next renewal tries again
                log.warning("could not renew a conversation lock ticket")

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float,
                            lock_lifetime: float = LOCK_LIFETIME) -> TicketLock:
        renewed_at = time.monotonic()
        while True:
            lock = self.get_lock(conversation_id)
            if not lock or all(t.number != ticket for t in lock.tickets):
                break  # our own ticket expired (this process stalled longer than the lifetime)
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            if time.monotonic() - renewed_at >= lock_lifetime / 4:
                renewed_at = time.monotonic()
                if not self.renew(conversation_id, ticket, lock_lifetime):
                    break
            self.update_lock(conversation_id)
        # No sender id in the message: on WhatsApp and SMS it is a phone number.
        raise LockError("Could not acquire the conversation lock: the ticket expired while waiting.")


class ConfiguredLockStore(LockStore):
    """What ``endpoints.yml`` names: the atomic Redis lock store when ``REDIS_URL`` is set,
    Rasa's in-memory one otherwise (``make run``, one process, no Redis).

    Rasa instantiates the class it is given, so the choice is made in ``__new__``; the
    object returned is one of the two stores, never this class.
    """

    def __new__(cls, endpoint_config: Optional[EndpointConfig] = None) -> Any:
        version.check()
        if get_settings().redis_url or (endpoint_config is not None and endpoint_config.url):
            return AtomicRedisLockStore(endpoint_config)
        return InMemoryLockStore()
