"""The reply outbox: bot replies on Telegram, WhatsApp and SMS are queued, then sent here.

``ChannelOutput`` records a reply in the transcript and queues it in
``outbound_deliveries`` inside the conversation's turn; the network call happens in this
module's pump, outside any conversation lock, so a slow or unreachable provider never
holds a debtor's conversation. Replies of one conversation go out in order (a row waits
for the earlier ones); a temporary failure is retried with backoff up to
``DELIVERY_MAX_ATTEMPTS``; a refusal or the last failure is noted in the transcript,
where agents see it. Rows left ``sending`` by a process that died are taken over after a lease.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.channels.formatting import Reply, reply_from_message
from bot.channels.models import DEAD, HELD, QUEUED, SENDING, SENT, OutboundDelivery
from bot.ledger.db import session_scope
from bot.logs import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)

# (conversation_id, reply, parts already sent, report a part sent) -> None; raises DeliveryError
Sender = Callable[[str, Reply, int, Callable[[int], None]], Awaitable[None]]

RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 120.0
LEASE_SECONDS = 120.0
POLL_SECONDS = 2.0          # retries and rows queued by other processes
BATCH = 20

# (conversation_id, template name, its variables) -> None; raises DeliveryError
TemplateSender = Callable[[str, str, dict[str, str]], Awaitable[None]]

_senders: dict[str, Sender] = {}
_template_senders: dict[str, TemplateSender] = {}


def register_sender(channel: str, sender: Sender, template: TemplateSender | None = None) -> None:
    """Make ``sender`` the one the pump uses for ``channel``'s rows (channel modules call it at import);
    ``template`` sends the channel's approved templates (WhatsApp), queued with ``template_json``."""
    _senders[channel] = sender
    if template is not None:
        _template_senders[channel] = template


def _now() -> datetime:
    return datetime.utcnow()


def reply_json(reply: Reply) -> str:
    """The outbox's payload format (read back with ``reply_from_message``)."""
    return json.dumps({"text": reply.text, "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons]},
                      ensure_ascii=False)


def template_json(name: str, variables: dict[str, str]) -> str:
    """The payload of an outbox row that sends an approved template instead of a reply."""
    return json.dumps({"template": name, "variables": variables}, ensure_ascii=False)


async def _deliver(channel: str, conversation_id: str, payload: str, skip: int, progress: Callable[[int], None]) -> None:
    from bot.channels.outbound import TemporaryDeliveryError

    data = json.loads(payload)
    if "template" in data:
        template_sender = _template_senders.get(channel)
        if template_sender is None:
            raise TemporaryDeliveryError(f"no template sender for {channel} in this process")
        await template_sender(conversation_id, str(data["template"]), dict(data.get("variables") or {}))
        return
    sender = _senders.get(channel)
    if sender is None:
        raise TemporaryDeliveryError(f"no sender for {channel} in this process")
    await sender(conversation_id, reply_from_message(data), skip, progress)


def _insert(channel: str, conversation_id: str, payload: str, transcript_id: int | None, status: str = QUEUED) -> int:
    with session_scope() as session:
        row = OutboundDelivery(conversation_id=conversation_id, channel=channel, payload=payload,
                               transcript_id=transcript_id, status=status)
        session.add(row)
        session.flush()
        return int(row.id)


async def enqueue(channel: str, conversation_id: str, reply: Reply, transcript_id: int | None = None) -> int:
    """Queue a reply (already in the transcript) for delivery; returns the outbox row id."""
    row_id = await asyncio.to_thread(_insert, channel, conversation_id, reply_json(reply), transcript_id)
    ensure_pump().wake()
    return row_id


async def hold(channel: str, conversation_id: str, reply: Reply) -> int:
    """Keep a reply until ``release`` (WhatsApp: written outside the 24-hour window, it goes
    out when the debtor answers). Held in the database, so any replica can release it."""
    return await asyncio.to_thread(_insert, channel, conversation_id, reply_json(reply), None, HELD)


def _release(conversation_id: str) -> int:
    with session_scope() as session:
        return int(session.execute(update(OutboundDelivery).where(
            OutboundDelivery.conversation_id == conversation_id, OutboundDelivery.status == HELD)
            .values(status=QUEUED).execution_options(synchronize_session=False)).rowcount or 0)


async def release(conversation_id: str) -> int:
    """Queue the conversation's held replies (before anything queued after this call)."""
    count = await asyncio.to_thread(_release, conversation_id)
    if count:
        ensure_pump().wake()
    return count


# --- claiming (worker threads) -------------------------------------------------------------
def _claimable(now: datetime) -> ColumnElement[bool]:
    stale = now - timedelta(seconds=LEASE_SECONDS)
    return or_(and_(OutboundDelivery.status == QUEUED,
                    or_(OutboundDelivery.next_attempt_at.is_(None), OutboundDelivery.next_attempt_at <= now)),
               and_(OutboundDelivery.status == SENDING, OutboundDelivery.claimed_at < stale))


def _claim_batch(token: str) -> list[tuple[int, str, str, str, int, int]]:
    """Claim the next row of each conversation whose earlier replies are all finished."""
    now = _now()
    earlier = aliased(OutboundDelivery)
    with session_scope() as session:
        candidates = session.execute(select(OutboundDelivery.id, OutboundDelivery.conversation_id)
                                     .where(_claimable(now)).order_by(OutboundDelivery.id).limit(BATCH * 5)).all()
        seen: set[str] = set()
        claimed: list[int] = []
        for row_id, conversation_id in candidates:
            if conversation_id in seen or len(claimed) >= BATCH:
                continue
            seen.add(conversation_id)
            blocked = exists().where(earlier.conversation_id == conversation_id, earlier.id < row_id,
                                     earlier.status.in_([QUEUED, SENDING]))
            result = session.execute(update(OutboundDelivery).where(
                OutboundDelivery.id == row_id, _claimable(now), ~blocked).values(
                status=SENDING, claim_token=token, claimed_at=now, attempts=OutboundDelivery.attempts + 1)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                claimed.append(row_id)
        session.flush()
        rows = session.execute(select(OutboundDelivery).where(OutboundDelivery.id.in_(claimed))
                               .order_by(OutboundDelivery.id)).scalars().all() if claimed else []
        return [(r.id, r.channel, r.conversation_id, r.payload, r.parts_sent, r.attempts) for r in rows]


def _next_due_in() -> float | None:
    with session_scope() as session:
        due = session.execute(select(func.min(OutboundDelivery.next_attempt_at)).where(
            OutboundDelivery.status == QUEUED)).scalar()
    return None if due is None else max((due - _now()).total_seconds(), 0.0)


def _finish(row_id: int, token: str, parts_sent: int, error: str | None, permanent: bool) -> str:
    now = _now()
    with session_scope() as session:
        row = session.get(OutboundDelivery, row_id)
        if row is None or row.claim_token != token:
            return "lost"
        row.claim_token, row.claimed_at, row.parts_sent = None, None, parts_sent
        if error is None:
            row.status, row.sent_at, row.last_error = SENT, now, None
        elif permanent or row.attempts >= get_settings().delivery_max_attempts:
            row.status, row.last_error = DEAD, error[:500]
            from bot.conversations import record_message

            note = f"delivery failed ({row.channel}): {error}"[:500]
            record_message(session, row.conversation_id, "system", note)
        else:
            delay = min(RETRY_BASE_SECONDS * 2 ** (row.attempts - 1), RETRY_MAX_SECONDS)
            row.status, row.last_error, row.next_attempt_at = QUEUED, error[:500], now + timedelta(seconds=delay)
        return str(row.status)


# --- sending ---------------------------------------------------------------------------------
async def _send(row: tuple[int, str, str, str, int, int], token: str) -> str:
    from bot.channels.outbound import DeliveryError, TemporaryDeliveryError

    row_id, channel, conversation_id, payload, skip, attempts = row
    sent = [skip]

    def progress(done: int) -> None:
        sent[0] = max(sent[0], done)

    error, permanent = None, False
    try:
        await _deliver(channel, conversation_id, payload, skip, progress)
    except TemporaryDeliveryError as exc:
        error = str(exc)
    except DeliveryError as exc:
        error, permanent = str(exc), True
    except Exception as exc:  # noqa: BLE001 - anything else (network, SDK) is worth another try
        error = f"{exc.__class__.__name__}: {exc}"
    if error is not None:
        log.warning("delivery attempt failed channel=%s conversation=%s attempt=%d error=%s", channel,
                    mask_text(conversation_id), attempts, mask_text(error))
    status = await asyncio.to_thread(_finish, row_id, token, sent[0], error, permanent)
    if status == DEAD:
        log.error("delivery given up channel=%s conversation=%s", channel, mask_text(conversation_id))
    return status


async def run_once() -> int:
    """Send what is due now; returns how many rows were attempted."""
    token = uuid.uuid4().hex
    rows = await asyncio.to_thread(_claim_batch, token)
    if rows:
        await asyncio.gather(*(_send(row, token) for row in rows))
    return len(rows)


class Pump:
    """One per event loop: sends due rows, sleeps until woken, the next retry, or a poll."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self.event.set()

    async def run(self) -> None:
        while True:
            self.event.clear()
            try:
                if await run_once():
                    continue
                due = await asyncio.to_thread(_next_due_in)
            except Exception as exc:  # noqa: BLE001 - the database may be away for a while
                log.warning("delivery pump: %s", mask_text(repr(exc)))
                due = None
            timeout = POLL_SECONDS if due is None else min(due + 0.01, POLL_SECONDS)
            try:
                await asyncio.wait_for(self.event.wait(), timeout)
            except asyncio.TimeoutError:
                pass


_pumps: dict[int, Pump] = {}


def ensure_pump() -> Pump:
    """This event loop's pump, (re)started if it is not running; call it from inside the loop."""
    loop = asyncio.get_running_loop()
    pump = _pumps.get(id(loop))
    if pump is None:
        pump = _pumps[id(loop)] = Pump()
    if pump.task is None or pump.task.done():
        pump.task = loop.create_task(pump.run())
    return pump


async def stop_pump() -> None:
    """Cancel this loop's pump and wait for it (server stop, tests); unsent rows stay in the outbox."""
    pump = _pumps.pop(id(asyncio.get_running_loop()), None)
    if pump is not None and pump.task is not None:
        pump.task.cancel()
        await asyncio.gather(pump.task, return_exceptions=True)


def pending(conversation_id: str | None = None) -> int:
    """Rows not yet sent or given up (tests, the console)."""
    with session_scope() as session:
        stmt = select(func.count()).select_from(OutboundDelivery).where(OutboundDelivery.status.in_([QUEUED, SENDING]))
        if conversation_id:
            stmt = stmt.where(OutboundDelivery.conversation_id == conversation_id)
        return int(session.execute(stmt).scalar() or 0)
