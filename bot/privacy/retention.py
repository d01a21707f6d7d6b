"""Retention: personal data older than the periods in creditor.yml ``retention:`` goes.

Run daily by the outreach worker loop and by ``python -m bot privacy retention``. Each
period is in days; 0 or a missing key keeps that kind of data (no automatic deletion).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Mapping

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from bot.ledger.states import OutboxStatus
from bot.privacy.audit_guard import audit_maintenance
from bot.privacy.inventory import tracker_table

log = logging.getLogger(__name__)
KINDS = ("transcripts", "tracker_events", "nps_comments", "verification_attempts", "outreach_log", "audit")
# Outreach rows still to be sent are work, not a log: only finished ones age out.
FINISHED_OUTREACH = (OutboxStatus.SENT, OutboxStatus.SKIPPED, OutboxStatus.FAILED)


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each kind of data is kept (0 = no automatic deletion)."""
    transcripts: int = 0
    tracker_events: int = 0
    nps_comments: int = 0
    verification_attempts: int = 0
    outreach_log: int = 0
    audit: int = 0

    @classmethod
    def from_mapping(cls, data: Mapping[str, object] | None) -> "RetentionPolicy":
        data = dict(data or {})
        unknown = set(data) - set(KINDS)
        if unknown:
            raise ValueError(f"retention: unknown key(s) {sorted(unknown)}; known: {', '.join(KINDS)}")
        values = {}
        for key, raw in data.items():
            days = int(str(raw))
            if days < 0:
                raise ValueError(f"retention.{key}: days must be 0 or more")
            values[key] = days
        return cls(**values)


def load_policy(path: Path | None = None) -> RetentionPolicy:
    """The ``retention:`` section of the creditor file."""
    if path is None:
        from bot.settings import get_settings
        path = get_settings().creditor_file
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return RetentionPolicy.from_mapping(data.get("retention"))


def apply_retention(session: Session, policy: RetentionPolicy, *, now: datetime | None = None,
                    dry_run: bool = False) -> dict[str, int]:
    """Delete (or, with ``dry_run``, count) what is past its period; the caller commits."""
    from bot.ledger.models import AuditLog, NpsResponse, TranscriptMessage, VerificationAttempt
    from bot.outreach.models import OutboxMessage

    now = now or datetime.utcnow()
    counts: dict[str, int] = {}

    def cutoff(days: int) -> datetime:
        return now - timedelta(days=days)

    def run(kind: str, table: sa.Table, where: sa.sql.ColumnElement, values: dict | None = None) -> None:
        if dry_run:
            counts[kind] = session.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
        elif values:
            counts[kind] = session.execute(sa.update(table).where(where).values(**values)).rowcount
        else:
            counts[kind] = session.execute(sa.delete(table).where(where)).rowcount

    with audit_maintenance(session):
        if policy.transcripts:
            t = TranscriptMessage.__table__
            run("transcripts", t, t.c.created_at < cutoff(policy.transcripts))
        if policy.tracker_events:
            events = tracker_table(session)
            if events is not None:
                limit = (cutoff(policy.tracker_events) - datetime(1970, 1, 1)).total_seconds()
                run("tracker_events", events, events.c.timestamp < limit)
        if policy.nps_comments:
            t = NpsResponse.__table__
            run("nps_comments", t, sa.and_(t.c.created_at < cutoff(policy.nps_comments),
                                           sa.or_(t.c.reason.isnot(None), t.c.improvement.isnot(None))),
                {"reason": None, "improvement": None})  # the score stays for the statistics
        if policy.verification_attempts:
            t = VerificationAttempt.__table__
            run("verification_attempts", t, t.c.created_at < cutoff(policy.verification_attempts))
        if policy.outreach_log:
            t = OutboxMessage.__table__
            run("outreach_log", t, sa.and_(t.c.created_at < cutoff(policy.outreach_log),
                                           t.c.status.in_(FINISHED_OUTREACH)))
        if policy.audit:
            t = AuditLog.__table__
            run("audit", t, t.c.created_at < cutoff(policy.audit))
    return counts


def run_daily(engine: sa.engine.Engine | None = None) -> dict[str, int]:
    """One retention pass with the configured policy (the service calls it once a day)."""
    from bot.ledger.db import session_scope
    policy = load_policy()
    with session_scope(engine) as session:
        return apply_retention(session, policy)


_last_day: list[str] = []  # the UTC day of the last pass in this process


def run_daily_once(engine: sa.engine.Engine | None = None, now: datetime | None = None) -> dict[str, int] | None:
    """Retention at most once per UTC day, for loops that wake up often; never raises.

    Several workers may each run it: the deletes are idempotent, so a second pass on the
    same day finds nothing to do.
    """
    day = (now or datetime.utcnow()).date().isoformat()
    if _last_day and _last_day[0] == day:
        return None
    _last_day[:] = [day]
    try:
        counts = run_daily(engine)
    except Exception:  # a retention failure must not stop outreach; it is retried tomorrow
        log.exception("retention pass failed")
        return None
    log.info("retention %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing configured")
    return counts
