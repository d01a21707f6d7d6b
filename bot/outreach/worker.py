"""The outbox worker: claim due messages, re-check the rules, send, record the provider id.

Exactly-once, and what it rests on:

1. **Claim** is a conditional UPDATE (``WHERE id=? AND status='queued' AND claim_token IS
   NULL``, or a ``claimed`` row whose lease expired ``AND claim_token=<the old token>``).
   The database lets only one UPDATE match, so two workers never own the same row.
2. Before calling the provider the owner writes ``status='sending'`` (again conditional on
   its token) and commits. A row is handed to a provider only from ``sending``.
3. After the provider answers, ``sent`` and the provider's message id are committed.
4. A crash leaves a row ``claimed`` (never sent: safe to claim again when the lease
   expires) or ``sending`` (maybe sent). A ``sending`` row whose lease expired is
   **reconciled**: the worker asks the provider whether it has the message
   (``Sender.lookup``). ``found`` -> recorded as sent, not sent again; ``absent`` -> sent
   now; ``unknown`` (Telegram has no history API, Twilio unreachable) -> ``failed`` with
   reason ``unconfirmed``, for a person to check. So a message is never sent twice by the
   worker; the price is that a crash in the instant of a Telegram send needs a human look.
   The same holds for a timeout from the provider (outcome unknown): the row stays
   ``sending`` and is reconciled after the lease.
5. The lease must be longer than the provider's HTTP timeout (15 s), so a live worker's
   in-flight call has ended before anyone reconciles its row. Default 300 s.
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.ledger.states import OutboxStatus
from bot.conversations import record_message, upsert_conversation
from bot.ledger.db import session_scope
from bot.ledger.models import DEFAULT_CREDITOR, Debtor
from bot.logs import mask_text
from bot.outreach import facts
from bot.outreach.cadence import Subject
from bot.outreach.config import OutreachConfig
from bot.outreach.models import OutboxMessage
from bot.outreach.planner import Scorer, plan_day
from bot.outreach.rules import (
    Clock, cap_reason, next_contact_moment, suppression_reason, timezone_for, to_naive_utc, utc_now,
    within_contact_hours,
)
from bot.outreach.senders import OutboundMessage, Sender, SendError
from bot.privacy.retention import run_daily_once as run_daily_retention

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# Planning reads the whole day's cadence: every few minutes is enough to pick up new
# payments or promises, and keeps a short poll interval cheap.
PLAN_INTERVAL = timedelta(minutes=10)


@dataclass
class WorkerStats:
    planned: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0
    reconciled: int = 0
    lost_claims: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)


class Worker:
    def __init__(self, engine: Engine, sender: Sender, config: OutreachConfig, clock: Clock = utc_now,
                 worker_id: str | None = None, lease_seconds: int | None = None, batch_size: int | None = None,
                 scorer: Scorer | None = None, creditor_id: str = DEFAULT_CREDITOR,
                 creditor_name: str | None = None, before_send: Callable[[OutboxMessage], None] | None = None) -> None:
        self.engine = engine
        self.sender = sender
        self.config = config
        self.clock = clock
        self.worker_id = worker_id or uuid.uuid4().hex[:8]
        self.lease = timedelta(seconds=config.lease_seconds if lease_seconds is None else lease_seconds)
        self.batch_size = batch_size or config.batch_size
        self.scorer = scorer
        self.creditor_id = creditor_id
        self.creditor_name = creditor_name
        self.before_send = before_send  # a hook for tests (e.g. to stop between steps)
        self._last_planned: datetime | None = None

    # --- the loop ----------------------------------------------------------------------
    def run_once(self, plan: bool = True) -> WorkerStats:
        stats = WorkerStats()
        now = self.clock()
        if plan and (self._last_planned is None or now - self._last_planned >= PLAN_INTERVAL
                     or now.date() != self._last_planned.date()):
            stats.planned = self.plan_today()
            self._last_planned = now
        self.reconcile(stats)
        while True:
            claimed = self.claim_batch()
            if not claimed:
                break
            for row_id, token in claimed:
                self.process(row_id, token, stats)
        return stats

    def run_forever(self, stop: threading.Event, poll_seconds: float | None = None) -> None:
        poll = self.config.poll_seconds if poll_seconds is None else poll_seconds
        while not stop.is_set():
            try:
                run_daily_retention(self.engine)  # data-protection retention, once a day
                stats = self.run_once()
                if stats.sent or stats.skipped or stats.failed:
                    log.info("outreach worker=%s sent=%d skipped=%d failed=%d deferred=%d", self.worker_id,
                             stats.sent, stats.skipped, stats.failed, stats.deferred)
            except SendError as exc:  # a provider down for everything: try again next poll
                log.error("outreach worker=%s provider error=%s", self.worker_id, mask_text(str(exc)))
            stop.wait(poll)

    def plan_today(self) -> int:
        now = self.clock()
        day = now.astimezone(timezone_for(None, self.config)).date()
        with session_scope(self.engine) as session:
            result = plan_day(session, day, now, self.config, self.sender.available_channels(), self.scorer,
                              self.creditor_id, self.creditor_name)
            return len(result.created)

    # --- claiming ----------------------------------------------------------------------
    def claim_batch(self) -> list[tuple[int, str]]:
        now = to_naive_utc(self.clock())
        cutoff = now - self.lease
        with session_scope(self.engine) as session:
            candidates = session.execute(
                select(OutboxMessage.id, OutboxMessage.claim_token).where(
                    OutboxMessage.creditor_id == self.creditor_id, OutboxMessage.send_after <= now,
                    or_(and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.claim_token.is_(None)),
                        and_(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claimed_at < cutoff)))
                .order_by(OutboxMessage.propensity.desc().nullslast(), OutboxMessage.send_after, OutboxMessage.id)
                .limit(self.batch_size)).all()
        claimed = []
        for row_id, old_token in candidates:
            token = uuid.uuid4().hex
            if self._claim(row_id, old_token, token, now, cutoff):
                claimed.append((row_id, token))
        return claimed

    def _claim(self, row_id: int, old_token: str | None, token: str, now: datetime, cutoff: datetime) -> bool:
        if old_token is None:
            condition = and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.claim_token.is_(None))
        else:  # an expired lease: only the holder of the old token's value can take it over
            condition = and_(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claim_token == old_token,
                             OutboxMessage.claimed_at < cutoff)
        with self.engine.begin() as conn:
            result = conn.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, condition)
                                  .values(status=OutboxStatus.CLAIMED, claim_token=token, claimed_at=now))
            return result.rowcount == 1

    def _transition(self, session: Session, row_id: int, token: str, from_status: OutboxStatus, **values: object) -> bool:
        result = session.execute(update(OutboxMessage).where(
            OutboxMessage.id == row_id, OutboxMessage.claim_token == token, OutboxMessage.status == from_status)
            .values(**values).execution_options(synchronize_session=False))
        return result.rowcount == 1

    # --- processing one claimed row ----------------------------------------------------
    def process(self, row_id: int, token: str, stats: WorkerStats) -> None:
        now = self.clock()
        with session_scope(self.engine) as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.claim_token != token or row.status != OutboxStatus.CLAIMED:
                stats.lost_claims += 1
                return
            verdict = self._recheck(session, row, now)
            if verdict == "defer":
                stats.deferred += 1
                stats.outcomes[row_id] = "deferred"
                return
            if verdict:
                self._transition(session, row_id, token, OutboxStatus.CLAIMED, status=OutboxStatus.SKIPPED, skip_reason=verdict,
                                 claim_token=None)
                stats.skipped += 1
                stats.outcomes[row_id] = f"skipped:{verdict}"
                return
            if not self._transition(session, row_id, token, OutboxStatus.CLAIMED, status=OutboxStatus.SENDING,
                                    claimed_at=to_naive_utc(now), attempts=OutboxMessage.attempts + 1):
                stats.lost_claims += 1
                return
            message = _outbound(row)
            channel, address, key = row.channel, row.address, row.idempotency_key
        # "sending" is committed: from here on a crash is reconciled by lookup, never resent blindly.
        self._deliver(row_id, token, channel, address, message, key, stats)

    def _deliver(self, row_id: int, token: str, channel: str, address: str, message: OutboundMessage, key: str,
                 stats: WorkerStats) -> None:
        if self.before_send is not None:
            with session_scope(self.engine) as session:
                self.before_send(session.get(OutboxMessage, row_id))
        try:
            provider_id = self.sender.send(channel, address, message, key)
        except SendError as exc:
            with session_scope(self.engine) as session:
                if exc.permanent:
                    self._transition(session, row_id, token, OutboxStatus.SENDING, status=OutboxStatus.FAILED, skip_reason="provider_refused",
                                     last_error=str(exc)[:500], claim_token=None)
                    stats.failed += 1
                    stats.outcomes[row_id] = "failed"
                else:  # maybe delivered: leave it "sending"; reconcile decides after the lease
                    self._transition(session, row_id, token, OutboxStatus.SENDING, last_error=str(exc)[:500])
                    stats.outcomes[row_id] = "unconfirmed"
            log.warning("outreach send failed id=%d channel=%s to=%s permanent=%s", row_id, channel,
                        mask_text(address), exc.permanent)
            return
        self._mark_sent(row_id, token, provider_id, stats)

    def _mark_sent(self, row_id: int, token: str, provider_id: str, stats: WorkerStats) -> None:
        with session_scope(self.engine) as session:
            if self._transition(session, row_id, token, OutboxStatus.SENDING, status=OutboxStatus.SENT, provider_message_id=provider_id,
                                sent_at=to_naive_utc(self.clock()), claim_token=None, last_error=None):
                row = session.get(OutboxMessage, row_id)
                _record_in_transcript(session, row)
                stats.sent += 1
                stats.outcomes[row_id] = "sent"
                log.info("outreach sent id=%d step=%s channel=%s to=%s", row_id, row.step, row.channel,
                         mask_text(row.address or ""))

    def _recheck(self, session: Session, row: OutboxMessage, now: datetime) -> str | None:
        """The rules again at send time: the world may have changed since planning."""
        debtor = session.get(Debtor, row.debtor_id)
        if debtor is None:
            return "debtor_missing"
        tz = timezone_for(debtor.phone, self.config)
        if not within_contact_hours(now, tz, self.config):
            moment = next_contact_moment(now, tz, self.config)
            if moment is None:
                return "no_contact_hours"
            row.status, row.claim_token, row.claimed_at = "queued", None, None
            row.send_after, row.send_on = to_naive_utc(moment), moment.astimezone(tz).date()
            return "defer"
        row.send_on = now.astimezone(tz).date()
        step = self.config.step(row.step)
        if step is None:
            return "step_removed"
        subject = Subject(row.subject_kind, row.subject_id, row.debtor_id, row.scheduled_for, row.invoice_id)
        reason = suppression_reason(step, facts.subject_facts(session, debtor, subject, row.send_on, row.creditor_id,
                                                              step.every_days))
        reason = reason or cap_reason(facts.other_send_days(session, debtor.id, row.send_on, ("sending", "sent"),
                                                            exclude_id=row.id), row.send_on, self.config)
        if reason:
            return reason
        reach = facts.reachability(session, debtor, now)
        if not row.channel or not row.address:
            return "no_address"
        if reach.opted_out_all:
            return "opted_out_all"
        if row.channel in reach.opted_out_channels:
            return "opted_out_channel"
        if row.channel == "whatsapp" and row.mode == "text" and not reach.whatsapp_window_open:
            return "whatsapp_window_closed"
        return None

    # --- reconciliation after a crash --------------------------------------------------
    def reconcile(self, stats: WorkerStats) -> None:
        now = to_naive_utc(self.clock())
        cutoff = now - self.lease
        with session_scope(self.engine) as session:
            stale = session.execute(select(OutboxMessage.id, OutboxMessage.claim_token).where(
                OutboxMessage.creditor_id == self.creditor_id, OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_at < cutoff)).all()
        for row_id, old_token in stale:
            token = uuid.uuid4().hex
            with self.engine.begin() as conn:
                taken = conn.execute(update(OutboxMessage).where(
                    OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claim_token == old_token, OutboxMessage.claimed_at < cutoff)
                    .values(claim_token=token, claimed_at=now)).rowcount == 1
            if taken:
                self._reconcile_row(row_id, token, stats)

    def _reconcile_row(self, row_id: int, token: str, stats: WorkerStats) -> None:
        with session_scope(self.engine) as session:
            row = session.get(OutboxMessage, row_id)
            message, channel, address, key, attempts = _outbound(row), row.channel, row.address, \
                row.idempotency_key, row.attempts
            known = set(session.execute(select(OutboxMessage.provider_message_id).where(
                OutboxMessage.address == address, OutboxMessage.provider_message_id.is_not(None))).scalars())
        answer = self.sender.lookup(channel, address, message, key, exclude=known)
        stats.reconciled += 1
        log.info("outreach reconcile id=%d state=%s", row_id, answer.state)
        if answer.state == "found" and answer.provider_message_id:
            self._mark_sent(row_id, token, answer.provider_message_id, stats)
            return
        with session_scope(self.engine) as session:
            if answer.state == "absent" and attempts < MAX_ATTEMPTS:
                # The provider never got it: hand it back to the queue (rules are re-checked).
                self._transition(session, row_id, token, OutboxStatus.SENDING, status=OutboxStatus.QUEUED, claim_token=None,
                                 claimed_at=None)
                return
            reason = "unconfirmed" if answer.state == "unknown" else "too_many_attempts"
            self._transition(session, row_id, token, OutboxStatus.SENDING, status=OutboxStatus.FAILED, skip_reason=reason,
                             claim_token=None)
            stats.failed += 1
            stats.outcomes[row_id] = f"failed:{reason}"


def _outbound(row: OutboxMessage) -> OutboundMessage:
    if row.mode == "template" and row.content_sid:
        from bot.creditor import get_creditor

        return OutboundMessage(row.text, row.content_sid, {"1": get_creditor().name})
    return OutboundMessage(row.text)


def _record_in_transcript(session: Session, row: OutboxMessage) -> None:
    """The message opens (or continues) the conversation the debtor's reply will land in."""
    if not row.channel or not row.address:
        return
    conv_id = facts.conversation_id(row.channel, row.address)
    upsert_conversation(session, conv_id, row.channel, row.address, row.language, inbound=False)
    session.flush()
    record_message(session, conv_id, "bot", row.text)
