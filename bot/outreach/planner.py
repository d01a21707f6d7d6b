"""What is due on a day -> outbox rows. Idempotent: a row's key is unique, so running the
planner again (or on two machines at once) adds nothing.

Skipped messages are stored too, with the reason, so the console and the preview can say
why a debtor was not contacted. The planner never sends anything; the worker does.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Callable, Collection, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.states import OutboxStatus
from bot.ledger.models import DEFAULT_CREDITOR, Debtor, FollowUpTask
from bot.messages import supported_language
from bot.outreach import facts, lifecycle
from bot.outreach.cadence import DueStep, due_steps
from bot.outreach.config import CHANNELS, OutreachConfig
from bot.outreach.experiments import assign_variant
from bot.outreach.models import OutboxMessage
from bot.outreach.render import render_outreach
from bot.outreach.rules import (
    cap_reason, choose_channel, next_contact_moment, suppression_reason, timezone_for, to_naive_utc,
)

log = logging.getLogger(__name__)
STEP_ORDER_BONUS = 1e-6  # ties broken by cadence order, so a debtor's earlier step wins the cap


@dataclass(frozen=True)
class Score:
    """Payment propensity for one debtor: P(paid within 30 days), likely days, top factors."""

    p30: float
    expected_days: int | None = None
    factors: tuple[tuple[str, float], ...] = ()


Scorer = Callable[[Session, Collection[int], date], Mapping[int, Score]]


@dataclass
class PlanResult:
    created: list[OutboxMessage] = field(default_factory=list)
    already_planned: int = 0
    tasks: list[FollowUpTask] = field(default_factory=list)  # opened by a closing step (kind last_notice)

    @property
    def queued(self) -> list[OutboxMessage]:
        return [m for m in self.created if m.status == OutboxStatus.QUEUED]

    @property
    def skipped(self) -> list[OutboxMessage]:
        return [m for m in self.created if m.status == OutboxStatus.SKIPPED]


def _creditor_name() -> str:
    from bot.creditor import get_creditor

    return get_creditor().name


def _priority(due: DueStep, scores: Mapping[int, Score], order: Mapping[str, tuple[int, int]]) -> tuple:
    score = scores.get(due.subject.debtor_id)
    # Unscored debtors keep ledger order; scored ones: most likely to respond first.
    return (-(score.p30 if score else 0.0), order[due.step.name], due.subject.debtor_id, due.subject.subject_id)


def plan_day(session: Session, day: date, now: datetime, config: OutreachConfig,
             available_channels: Collection[str] = CHANNELS, scorer: Scorer | None = None,
             creditor_id: str = DEFAULT_CREDITOR, creditor_name: str | None = None) -> PlanResult:
    """Create the outbox rows for the steps due on ``day`` (``now`` aware: the earliest send)."""
    result = PlanResult()
    if not config.enabled:
        return result
    subjects = facts.load_subjects(session, creditor_id, day, config)
    due = due_steps(subjects, config.steps, day, config.thanks_lookback_days)
    due += lifecycle.catch_ups(session, creditor_id, day, config, due)
    if not due:
        return result
    keys = {d.idempotency_key(creditor_id): d for d in due}
    existing = set(session.execute(select(OutboxMessage.idempotency_key).where(
        OutboxMessage.idempotency_key.in_(list(keys)))).scalars())
    result.already_planned = len(existing)
    todo = [d for k, d in keys.items() if k not in existing]
    scores = scorer(session, {d.subject.debtor_id for d in todo}, day) if scorer and todo else {}
    # Cadence order, but a closing step first: it opens the task that quiets the other reminders.
    order = {s.name: (0 if s.task else 1, i) for i, s in enumerate(config.steps)}
    order.setdefault(lifecycle.CATCH_UP_NAME, (1, len(order)))
    name = creditor_name or _creditor_name()
    for item in sorted(todo, key=lambda d: _priority(d, scores, order)):
        row = build_row(session, item, day, now, config, available_channels, scores.get(item.subject.debtor_id),
                        creditor_id, name)
        if row is None:
            continue
        task = None
        try:
            with session.begin_nested():
                session.add(row)
                if item.step.task:
                    session.flush()  # the row first: the task is opened only if this process planned it
                    task = lifecycle.open_task(session, row, creditor_id)
        except IntegrityError:  # planned meanwhile by another process: theirs stands
            result.already_planned += 1
            continue
        result.created.append(row)
        if task is not None:
            result.tasks.append(task)
    return result


def build_row(session: Session, item: DueStep, day: date, now: datetime, config: OutreachConfig,
              available_channels: Collection[str], score: Score | None, creditor_id: str,
              creditor_name: str) -> OutboxMessage | None:
    """The outbox row for one due step, not yet added; ``skipped`` with its reason when a rule forbids sending.

    None when the debtor no longer exists. A number never heard from gets the ``first_contact`` template.
    """
    debtor = session.get(Debtor, item.subject.debtor_id)
    if debtor is None:
        return None
    tz = timezone_for(debtor.phone, config)
    start = max(now, datetime.combine(day, time(0), tz))
    moment = next_contact_moment(start, tz, config)
    lang = supported_language(debtor.language)
    row = OutboxMessage(
        creditor_id=creditor_id, idempotency_key=item.idempotency_key(creditor_id), debtor_id=debtor.id,
        subject_kind=item.subject.kind, subject_id=item.subject.subject_id, invoice_id=item.subject.invoice_id,
        step=item.step.name, scheduled_for=item.scheduled_for, language=lang, template=item.step.template,
        propensity=score.p30 if score else None, status=OutboxStatus.QUEUED, attempts=0,
        send_after=to_naive_utc(moment or start), send_on=(moment or start).astimezone(tz).date(),
    )
    reason = None if moment else "no_contact_hours"
    reason = reason or suppression_reason(item.step, facts.subject_facts(session, debtor, item.subject, day, creditor_id,
                                                                         item.step.every_days))
    reason = reason or cap_reason(facts.other_send_days(session, debtor.id, row.send_on), row.send_on, config)
    choice = choose_channel(facts.reachability(session, debtor, now), item.step.template, config, available_channels)
    if choice.channel in ("whatsapp", "sms") and choice.address \
            and facts.is_first_contact(session, choice.channel, choice.address):
        row.template = "first_contact"
        choice = choose_channel(facts.reachability(session, debtor, now), "first_contact", config, available_channels)
    reason = reason or choice.reason
    row.channel, row.address, row.mode, row.content_sid = choice.channel, choice.address, choice.mode, choice.content_sid
    row.variant = assign_variant(session, creditor_id, debtor.id, item.step) if len(item.step.variants) > 1 else \
        item.step.variants[0]
    supportive = bool(score and score.p30 < config.supportive_below)
    row.text = render_outreach(row.template, lang, creditor=creditor_name, variant=row.variant,
                               supportive=supportive, **item.subject.context)
    if reason:
        row.status, row.skip_reason = "skipped", reason
    return row


def plan_range(session: Session, days: list[date], now_for: Callable[[date], datetime], config: OutreachConfig,
               **kwargs: object) -> list[PlanResult]:
    """``plan_day`` for each day in order, ``now_for(day)`` giving that day's earliest send moment."""
    return [plan_day(session, d, now_for(d), config, **kwargs) for d in days]  # type: ignore[arg-type]
