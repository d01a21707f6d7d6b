"""In-process publish/subscribe so open console pages update as soon as something happens.

Publishers may run on the event loop or in worker threads (database work is done off the
loop), so delivery goes through ``call_soon_threadsafe`` onto each subscriber's own loop.
Changes made by another process (the action server queues handoffs) are not seen here;
the console streams therefore also re-check the database on a short timer.
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Optional

QUEUE_TOPIC = "queue"


def conversation_topic(conversation_id: str) -> str:
    """The topic the open pages of one conversation listen on."""
    return f"conversation:{conversation_id}"


@dataclass(eq=False)
class Subscription:
    topics: frozenset[str]
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=100))

    async def wait(self, timeout: float) -> Optional[dict]:
        """The next event, or None when ``timeout`` seconds pass without one."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def _offer(self, event: dict) -> None:
        if self.queue.full():
            return  # a slow page will re-read the state anyway; never block publishers
        self.queue.put_nowait(event)


class EventBus:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(self, *topics: str) -> Subscription:
        sub = Subscription(frozenset(topics), asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, topic: str, **payload: object) -> int:
        """Deliver to every subscriber of ``topic``; returns how many were reached."""
        event = {"topic": topic, **payload}
        with self._lock:
            targets = [s for s in self._subs if topic in s.topics]
        reached = 0
        for sub in targets:
            if sub.loop.is_closed():
                self.unsubscribe(sub)
                continue
            sub.loop.call_soon_threadsafe(sub._offer, event)
            reached += 1
        return reached


bus = EventBus()


def notify_queue_changed() -> None:
    """Tell the open queue pages in this process to re-read the queue; safe from worker threads."""
    bus.publish(QUEUE_TOPIC)


def notify_conversation(conversation_id: str, kind: str = "message") -> None:
    """Tell the open pages of this conversation in this process what happened (``kind``: message, expired, ...)."""
    bus.publish(conversation_topic(conversation_id), kind=kind)
