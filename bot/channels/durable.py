"""Durable inbound: store every update first, acknowledge, then process; retry what failed.

A webhook calls ``accept``: the update is written to ``inbound_updates`` (the unique
provider id drops retries), then processing runs in the background. A processing error
leaves the row ``failed`` with a next attempt time; the retry worker of any replica picks
it up, and after ``INBOUND_MAX_ATTEMPTS`` it is ``dead`` and shown to agents. A row left
``processing`` by a process that died is taken over once its lease has expired.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import OutputChannel, UserMessage
from sqlalchemy import and_, or_, select, update

from bot.channels import dedupe
from bot.channels.models import DEAD, DONE, FAILED, PROCESSING, RECEIVED, InboundUpdate
from bot.ledger.db import session_scope
from bot.logs import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# A channel's processing of one stored payload; returns what happened (for logs/tests).
Handler = Callable[[dict[str, Any], OnNewMessage], Awaitable[Any]]

RETRY_BASE_SECONDS = 2.0
RETRY_MAX_SECONDS = 300.0
LEASE_SECONDS = 120.0      # a row "processing" longer than this belongs to a process that died
WORKER_PERIOD_SECONDS = 5.0
MESSAGE_CHANNEL = "message"  # handler of payloads that are a parsed InboundMessage (web chat)

_handlers: dict[str, Handler] = {}
_callbacks: dict[str, OnNewMessage] = {}
# The stored update being processed, so the pipeline records the debtor's text only once.
current_update: contextvars.ContextVar[int | None] = contextvars.ContextVar("current_update", default=None)


def _now() -> datetime:
    return datetime.utcnow()


def register(channel: str, handler: Handler, on_new_message: OnNewMessage | None = None) -> None:
    """Declare how stored updates of ``channel`` are processed (and Rasa's callback for retries)."""
    _handlers[channel] = handler
    if on_new_message is not None:
        _callbacks[channel] = on_new_message


def set_callback(channel: str, on_new_message: OnNewMessage) -> None:
    """Set Rasa's callback for ``channel``'s stored updates, so the retry worker can process them too."""
    _callbacks[channel] = on_new_message


# --- claiming and finishing rows (worker threads) ----------------------------------------
def _claim(row_id: int, token: str) -> tuple[str, dict[str, Any], int] | None:
    now = _now()
    stale = now - timedelta(seconds=LEASE_SECONDS)
    with session_scope() as session:
        claimable = or_(InboundUpdate.status == RECEIVED,
                        and_(InboundUpdate.status == FAILED, InboundUpdate.next_attempt_at <= now),
                        and_(InboundUpdate.status == PROCESSING, InboundUpdate.claimed_at < stale))
        result = session.execute(update(InboundUpdate).where(InboundUpdate.id == row_id, claimable).values(
            status=PROCESSING, claim_token=token, claimed_at=now, attempts=InboundUpdate.attempts + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            return None
        row = session.get(InboundUpdate, row_id)
        return row.channel, json.loads(row.payload), int(row.attempts)


def _finish(row_id: int, token: str, error: str | None, attempts: int) -> str:
    now = _now()
    with session_scope() as session:
        row = session.get(InboundUpdate, row_id)
        if row is None or row.claim_token != token:
            return "lost"  # taken over by another worker after our lease expired
        row.claim_token, row.claimed_at = None, None
        if error is None:
            row.status, row.processed_at, row.last_error = DONE, now, None
        elif attempts >= get_settings().inbound_max_attempts:
            row.status, row.last_error, row.next_attempt_at = DEAD, error[:500], None
        else:
            delay = min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)
            row.status, row.last_error, row.next_attempt_at = FAILED, error[:500], now + timedelta(seconds=delay)
        return str(row.status)


def mark_recorded(session: Any, row_id: int) -> None:
    """Inside the transaction that writes the debtor's text: a retry will not write it again."""
    session.execute(update(InboundUpdate).where(InboundUpdate.id == row_id).values(recorded=1)
                    .execution_options(synchronize_session=False))


def already_recorded(session: Any, row_id: int) -> bool:
    """Whether an earlier attempt already wrote the debtor's text of stored update ``row_id``."""
    return bool(session.execute(select(InboundUpdate.recorded).where(InboundUpdate.id == row_id)).scalar())


def _due_ids(limit: int = 50) -> list[int]:
    now = _now()
    stale = now - timedelta(seconds=LEASE_SECONDS)
    with session_scope() as session:
        return list(session.execute(select(InboundUpdate.id).where(or_(
            and_(InboundUpdate.status == FAILED, InboundUpdate.next_attempt_at <= now),
            and_(InboundUpdate.status == PROCESSING, InboundUpdate.claimed_at < stale),
            # stored by a process that stopped before it could start processing
            and_(InboundUpdate.status == RECEIVED, InboundUpdate.received_at < now - timedelta(seconds=LEASE_SECONDS / 4)),
        )).order_by(InboundUpdate.id).limit(limit)).scalars())


# --- processing --------------------------------------------------------------------------
async def process(row_id: int) -> str:
    """Process one stored update if it can be claimed; returns its new status (or ``busy``)."""
    token = uuid.uuid4().hex
    claimed = await asyncio.to_thread(_claim, row_id, token)
    if claimed is None:
        return "busy"
    channel, payload, attempts = claimed
    # Rasa hands every channel the same callback; any registered one will do after a restart.
    handler = _handlers.get(channel)
    callback = _callbacks.get(channel) or next(iter(_callbacks.values()), None)
    error: str | None = None
    if handler is None or callback is None:
        error = f"no handler for channel {channel} in this process"
    else:
        marker = current_update.set(row_id)
        try:
            await handler(payload, callback)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the row for a retry
            error = f"{exc.__class__.__name__}: {mask_text(str(exc))}"
            log.error("inbound processing failed channel=%s row=%d attempt=%d error=%s", channel, row_id,
                      attempts, error)
        finally:
            current_update.reset(marker)
    status = await asyncio.to_thread(_finish, row_id, token, error, attempts)
    if status == DEAD:
        log.error("inbound update dead-lettered channel=%s row=%d after %d attempts", channel, row_id, attempts)
    return status


async def accept(channel: str, provider_id: str | int, payload: dict[str, Any],
                 conversation_id: str | None = None) -> int | None:
    """Store an update (raises if the database is down: the webhook must not acknowledge it),
    then process it in the background. Returns the row id, or ``None`` for a provider retry."""
    row_id = await asyncio.to_thread(dedupe.claim, channel, provider_id, payload, conversation_id)
    if row_id is None:
        log.info("duplicate ignored channel=%s id=%s", channel, mask_text(str(provider_id)))
        return None
    from bot.channels.inbound import spawn

    if conversation_id:
        _chain(conversation_id, row_id, spawn)
    else:
        spawn(process(row_id), f"{channel} update")
    ensure_worker()
    return row_id


# The last background processing of each conversation in this process: a debtor who sends
# "uno", "due", "tre" in quick succession must be answered in that order, but each update's
# claim runs in a worker thread and could overtake the previous one. Chaining each update
# behind the previous one of its conversation keeps arrival order (a failed update does not
# hold the next: it goes to the retry worker).
_tails: dict[str, "asyncio.Task[Any]"] = {}


def _chain(conversation_id: str, row_id: int, spawn: Callable[..., "asyncio.Task[Any]"]) -> None:
    previous = _tails.get(conversation_id)

    async def in_order() -> str:
        if previous is not None and not previous.done():
            await asyncio.wait({previous})  # its outcome is its own; only the order matters here
        return await process(row_id)

    task = spawn(in_order(), "update")
    _tails[conversation_id] = task

    def forget(done: "asyncio.Task[Any]") -> None:
        if _tails.get(conversation_id) is done:
            del _tails[conversation_id]

    task.add_done_callback(forget)


# --- web chat (and any caller that parsed the message itself) -----------------------------
async def _handle_message_payload(payload: dict[str, Any], on_new_message: OnNewMessage) -> Any:
    from bot.channels.inbound import InboundMessage, handle_inbound
    from bot.channels.outbound import output_channel_for

    msg = InboundMessage(**payload)
    return await handle_inbound(msg, output_channel_for(msg.conversation_id), on_new_message)


async def handle_message_now(msg: Any, client_id: str | None, output: OutputChannel,
                             on_new_message: OnNewMessage) -> str:
    """Store a parsed ``InboundMessage`` and process it at once (the caller waits for it).

    ``client_id`` is the client's own id for the message (a retry of one send); it is
    scoped to the conversation, so it can only collide with the same client's messages.
    Returns the pipeline's outcome, ``duplicate`` for a retry, ``failed`` when processing
    failed (the retry worker takes it from there).
    """
    from bot.channels.inbound import handle_inbound

    set_callback(MESSAGE_CHANNEL, on_new_message)
    key = f"{msg.conversation_id}:{(client_id or uuid.uuid4().hex)[:64]}"
    row_id = await asyncio.to_thread(dedupe.claim, MESSAGE_CHANNEL, key, asdict(msg), msg.conversation_id)
    if row_id is None:
        return "duplicate"
    ensure_worker()
    token = uuid.uuid4().hex
    claimed = await asyncio.to_thread(_claim, row_id, token)
    if claimed is None:
        return "busy"
    result, error = "failed", None
    marker = current_update.set(row_id)
    try:
        result = await handle_inbound(msg, output, on_new_message)
    except Exception as exc:  # noqa: BLE001
        error = f"{exc.__class__.__name__}: {mask_text(str(exc))}"
        log.error("inbound processing failed channel=%s row=%d error=%s", msg.channel, row_id, error)
    finally:
        current_update.reset(marker)
    await asyncio.to_thread(_finish, row_id, token, error, claimed[2])
    return result


register(MESSAGE_CHANNEL, _handle_message_payload)


# --- the retry worker ----------------------------------------------------------------------
_workers: dict[int, "asyncio.Task[None]"] = {}


async def run_due_once() -> list[str]:
    """Retry every update that is due now (the worker's step; tests call it directly)."""
    ids = await asyncio.to_thread(_due_ids)
    return [await process(row_id) for row_id in ids]


async def _worker_loop() -> None:
    while True:
        try:
            await run_due_once()
        except Exception as exc:  # noqa: BLE001 - the database may be away for a while
            log.warning("inbound retry worker: %s", mask_text(repr(exc)))
        await asyncio.sleep(WORKER_PERIOD_SECONDS)


def ensure_worker() -> None:
    """Start this event loop's retry worker once (webhooks and server start call it)."""
    loop = asyncio.get_running_loop()
    task = _workers.get(id(loop))
    if task is None or task.done():
        _workers[id(loop)] = loop.create_task(_worker_loop())


async def stop_worker() -> None:
    """Stop this loop's retry worker (server stop, tests)."""
    task = _workers.pop(id(asyncio.get_running_loop()), None)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
