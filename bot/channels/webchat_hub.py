"""Live delivery to open web chat widgets, with the transcript as the source of truth.

Every message a widget shows is a transcript row, so a reconnect (or another server
process) sees the same history. The hub wakes long-polling widgets — on this process's
own replies, and through ``bot.channels.live`` on rows committed by any process — and
finds the buttons of replies, which the transcript stores as plain titles: they are kept
in ``reply_buttons`` (written with the transcript row by ``ChannelOutput``), so every
replica can show them; a small cache saves the lookups.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from bot.channels.formatting import Reply, for_webchat, transcript_text
from bot.channels.models import ReplyButtons
from bot.ledger.db import session_scope

log = logging.getLogger(__name__)

MAX_RICH = 20_000
TYPING_SECONDS = 6.0   # an agent's typing signal shows this long (the console re-sends every ~3 s)


def store_buttons(session: Any, conversation_id: str, transcript_id: int | None, reply: Reply) -> None:
    """In the caller's transaction: the buttons of a reply (no-op without buttons)."""
    if not reply.buttons:
        return
    session.add(ReplyButtons(conversation_id=conversation_id, transcript_id=transcript_id,
                             text=transcript_text(reply), rich=json.dumps(for_webchat(reply), ensure_ascii=False)))


def _store_push(conversation_id: str, reply: Reply) -> None:
    with session_scope() as session:
        store_buttons(session, conversation_id, None, reply)


def _lookup(conversation_id: str, record_id: int, text: str) -> dict[str, Any] | None:
    with session_scope() as session:
        row = session.execute(select(ReplyButtons).where(ReplyButtons.transcript_id == record_id)).scalar_one_or_none()
        if row is None:  # a pushed reply, recorded by its caller: match it by text, once
            row = session.execute(select(ReplyButtons).where(
                ReplyButtons.conversation_id == conversation_id, ReplyButtons.transcript_id.is_(None),
                ReplyButtons.text == text).order_by(ReplyButtons.id).limit(1)).scalar_one_or_none()
            if row is None:
                return None
            row.transcript_id = record_id
        return json.loads(row.rich)


class WebchatHub:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._loops: set[asyncio.AbstractEventLoop] = set()
        self._rich: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._typing: dict[str, tuple[int, float]] = {}   # conversation -> (signal id, local arrival)

    def remember(self, record_id: int, reply: Reply) -> None:
        """Cache the buttons of a reply recorded as ``record_id`` (stored by ``ChannelOutput``)."""
        with self._lock:
            self._rich[record_id] = for_webchat(reply)
            while len(self._rich) > MAX_RICH:
                self._rich.popitem(last=False)

    def remember_push(self, conversation_id: str, reply: Reply) -> None:
        """A pushed reply is recorded by its caller: store its buttons to match them by text later."""
        if not reply.buttons:
            return
        try:
            asyncio.get_running_loop().run_in_executor(None, _store_push, conversation_id, reply)
        except RuntimeError:  # no loop (a script): store now
            _store_push(conversation_id, reply)

    def rich_for(self, conversation_id: str, record_id: int, sender: str, text: str) -> dict[str, Any]:
        """The text and buttons of a transcript row (runs in a worker thread)."""
        with self._lock:
            cached = self._rich.get(record_id)
        if cached is not None:
            return cached
        rich = _lookup(conversation_id, record_id, text) if sender in ("agent", "bot") and "\n[" in text else None
        if rich is None:
            return {"text": text, "buttons": []}
        self.remember_rich(record_id, rich)
        return rich

    def remember_rich(self, record_id: int, rich: dict[str, Any]) -> None:
        with self._lock:
            self._rich[record_id] = rich

    def notify(self, conversation_id: str) -> None:
        for future in self._waiters.pop(conversation_id, set()):
            if not future.done():
                future.set_result(None)

    def typing(self, conversation_id: str, signal_id: int) -> None:
        """An agent is typing in the conversation (any thread): remember the signal and wake its widgets.

        ``signal_id`` is chosen by the process that received the keystrokes and travels with the
        announcement, so every replica names the same signal the same way.
        """
        with self._lock:
            known = self._typing.get(conversation_id)
            if known is not None and known[0] >= signal_id:
                return
            self._typing[conversation_id] = (signal_id, time.monotonic())
            for cid, (_, at) in list(self._typing.items()):  # forget stale ones: the dict stays small
                if time.monotonic() - at > TYPING_SECONDS:
                    self._typing.pop(cid, None)
        self.notify_threadsafe(conversation_id)

    def typing_id(self, conversation_id: str) -> int:
        """The id of the agent's typing signal still showing in the conversation, 0 when none is."""
        with self._lock:
            known = self._typing.get(conversation_id)
        if known is None or time.monotonic() - known[1] > TYPING_SECONDS:
            return 0
        return known[0]

    def notify_threadsafe(self, conversation_id: str) -> None:
        """``notify`` from any thread (the cross-process listener)."""
        for loop in list(self._loops):
            if loop.is_closed():
                self._loops.discard(loop)
                continue
            loop.call_soon_threadsafe(self.notify, conversation_id)

    async def wait(self, conversation_id: str, timeout: float) -> bool:
        """Wait for news on the conversation; True when woken, False when ``timeout`` passed."""
        from bot.channels import live

        live.ensure_listener()
        loop = asyncio.get_running_loop()
        self._loops.add(loop)
        future: asyncio.Future[None] = loop.create_future()
        self._waiters.setdefault(conversation_id, set()).add(future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            waiters = self._waiters.get(conversation_id)
            if waiters is not None:
                waiters.discard(future)
                if not waiters:
                    self._waiters.pop(conversation_id, None)


HUB = WebchatHub()
