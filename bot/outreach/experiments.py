"""A/B variants per step: assigned once per debtor and step, recorded, and reported as
reply rate and payment within N days per variant.

Assignment is a hash of debtor and step, so it is stable, needs no random state and is
spread evenly; the row in ``outreach_assignments`` is the record the report counts from.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.states import OutboxStatus
from bot.ledger.models import Invoice, Payment, TranscriptMessage
from bot.outreach.config import Step
from bot.outreach.models import OutboxMessage, OutreachAssignment


def variant_for(debtor_id: int, step: Step) -> str:
    """The debtor's variant of ``step``, from a hash of debtor id and step name: stable and evenly spread."""
    digest = hashlib.sha256(f"{debtor_id}:{step.name}".encode()).digest()
    return step.variants[int.from_bytes(digest[:4], "big") % len(step.variants)]


def assign_variant(session: Session, creditor_id: str, debtor_id: int, step: Step) -> str:
    """The variant recorded for debtor and step, recording ``variant_for`` on first use (in a savepoint, no commit).

    A concurrent first assignment is resolved by reading the one that was stored.
    """
    existing = session.execute(select(OutreachAssignment.variant).where(
        OutreachAssignment.creditor_id == creditor_id, OutreachAssignment.debtor_id == debtor_id,
        OutreachAssignment.step == step.name)).scalar_one_or_none()
    if existing:
        return str(existing)
    variant = variant_for(debtor_id, step)
    try:
        with session.begin_nested():
            session.add(OutreachAssignment(creditor_id=creditor_id, debtor_id=debtor_id, step=step.name,
                                           variant=variant))
    except IntegrityError:  # assigned concurrently: read theirs
        return str(session.execute(select(OutreachAssignment.variant).where(
            OutreachAssignment.creditor_id == creditor_id, OutreachAssignment.debtor_id == debtor_id,
            OutreachAssignment.step == step.name)).scalar_one())
    return variant


@dataclass(frozen=True)
class VariantStats:
    step: str
    variant: str
    sent: int
    replied: int
    paid_within: int
    days: int

    @property
    def reply_rate(self) -> float:
        return self.replied / self.sent if self.sent else 0.0

    @property
    def payment_rate(self) -> float:
        return self.paid_within / self.sent if self.sent else 0.0


def _replied(session: Session, msg: OutboxMessage, days: int) -> bool:
    from bot.outreach.facts import conversation_id

    if not msg.channel or not msg.address or msg.sent_at is None:
        return False
    return session.execute(select(TranscriptMessage.id).where(
        TranscriptMessage.conversation_id == conversation_id(msg.channel, msg.address),
        TranscriptMessage.sender == "debtor", TranscriptMessage.created_at > msg.sent_at,
        TranscriptMessage.created_at <= msg.sent_at + timedelta(days=days)).limit(1)).first() is not None


def _paid(session: Session, msg: OutboxMessage, days: int) -> bool:
    if msg.sent_at is None:
        return False
    sent_day = msg.sent_at.date()
    stmt = select(func.coalesce(func.sum(Payment.amount), 0)).join(Invoice).where(
        Invoice.debtor_id == msg.debtor_id, Payment.paid_on >= sent_day,
        Payment.paid_on <= sent_day + timedelta(days=days))
    if msg.invoice_id is not None:
        stmt = stmt.where(Payment.invoice_id == msg.invoice_id)
    return Decimal(str(session.execute(stmt).scalar_one())) > 0


def variant_report(session: Session, days: int = 14) -> list[VariantStats]:
    """Per step and variant: messages sent, replies and payments within ``days`` of sending."""
    groups: dict[tuple[str, str], list[int]] = {}
    sent = session.execute(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)).scalars().all()
    for msg in sent:
        counts = groups.setdefault((msg.step, msg.variant), [0, 0, 0])
        counts[0] += 1
        counts[1] += _replied(session, msg, days)
        counts[2] += _paid(session, msg, days)
    return [VariantStats(step, variant, sent=c[0], replied=c[1], paid_within=c[2], days=days)
            for (step, variant), c in sorted(groups.items())]
