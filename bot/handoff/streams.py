"""Server-sent events for the console: the queue and one conversation, without reloads.

A stream wakes up on events: in-process ones (gate, console actions) and, through
``bot.channels.live``, changes committed by any process (PostgreSQL LISTEN/NOTIFY, or
Redis pub/sub with ``REDIS_URL``) — the action server queueing a handoff, another replica
recording a message. Only on SQLite (one process, no fan-out) does it also re-read the
database every few seconds; with fan-out that re-read is a rare safety net. Streams end
after a short while; the browser's EventSource reconnects by itself, which keeps
long-lived connections from piling up.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any, Awaitable, Callable

from sanic.request import Request

from bot.handoff.events import bus


def fingerprint(shown: Any) -> str:
    """A short digest of what a page shows (its ``repr``), so a page can skip a stream update
    that would change nothing and keep the element under the agent's cursor."""
    return hashlib.sha1(repr(shown).encode("utf-8")).hexdigest()[:16]

POLL_SECONDS = 3.0  # without cross-process events (SQLite); with them ten times rarer, a safety net
STREAM_SECONDS = 50.0     # below Sanic's default response timeout (60 s)
KEEPALIVE_SECONDS = 15.0

Producer = Callable[[], Awaitable[Any]]


def _frame(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def sse(request: Request, produce: Producer, topics: tuple[str, ...], event: str = "update",
              poll: float | None = None, lifetime: float | None = None) -> None:
    """Send ``produce()`` whenever it changes (``None`` means nothing new)."""
    resp = await request.respond(content_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    from bot.channels import live

    sub = bus.subscribe(*topics)
    loop = asyncio.get_running_loop()
    fallback = POLL_SECONDS * 10 if live.ensure_listener() else POLL_SECONDS
    poll, lifetime = poll or fallback, lifetime or STREAM_SECONDS
    try:
        await resp.send("retry: 2000\n\n")
        deadline, last_sent, previous = loop.time() + lifetime, loop.time(), object()
        while loop.time() < deadline:
            payload = await produce()
            if payload is not None and payload != previous:
                await resp.send(_frame(event, payload))
                previous, last_sent = payload, loop.time()
            elif loop.time() - last_sent > KEEPALIVE_SECONDS:
                await resp.send(": keep-alive\n\n")
                last_sent = loop.time()
            await sub.wait(poll)
    finally:
        bus.unsubscribe(sub)
    await resp.eof()
