"""Live delivery to open web chat widgets, with the transcript as the source of truth.

Every message a widget shows is a transcript row, so a reconnect (or another server
process) sees the same history. The hub only wakes long-polling widgets and remembers
the buttons of recent replies, which the transcript stores as plain titles.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from typing import Any

from bot.channels.formatting import Reply, for_webchat, transcript_text

MAX_RICH = 20_000
MAX_PENDING_PER_CONVERSATION = 20


class WebchatHub:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._rich: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._pushed: dict[str, deque[tuple[str, dict[str, Any]]]] = {}

    def remember(self, record_id: int, reply: Reply) -> None:
        """Buttons (and the clean text) of a reply already recorded as ``record_id``."""
        self._rich[record_id] = for_webchat(reply)
        while len(self._rich) > MAX_RICH:
            self._rich.popitem(last=False)

    def remember_push(self, conversation_id: str, reply: Reply) -> None:
        """A pushed reply is recorded by its caller: match it to its row by text later."""
        queue = self._pushed.setdefault(conversation_id, deque(maxlen=MAX_PENDING_PER_CONVERSATION))
        queue.append((transcript_text(reply), for_webchat(reply)))

    def rich_for(self, conversation_id: str, record_id: int, sender: str, text: str) -> dict[str, Any]:
        if record_id in self._rich:
            return self._rich[record_id]
        queue = self._pushed.get(conversation_id)
        if queue and sender in ("agent", "bot"):
            for index, (stored_text, rich) in enumerate(queue):
                if stored_text == text or rich["text"] == text:
                    del queue[index]
                    self._rich[record_id] = rich
                    return rich
        return {"text": text, "buttons": []}

    def notify(self, conversation_id: str) -> None:
        for future in self._waiters.pop(conversation_id, set()):
            if not future.done():
                future.set_result(None)

    async def wait(self, conversation_id: str, timeout: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(conversation_id, set()).add(future)
        try:
            await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(conversation_id)
            if waiters is not None:
                waiters.discard(future)
                if not waiters:
                    self._waiters.pop(conversation_id, None)


HUB = WebchatHub()
