"""``outreach preview --days N``: day by day, who would be contacted, on which channel,
with which text, and who would be skipped and why.

It runs the real planner inside a transaction that is rolled back at the end, treating
each day's queued messages as sent so caps and first-contact rules carry over to the next
day. Nothing is written and nothing is sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Collection

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.ledger.states import OutboxStatus
from bot.ledger.models import Debtor
from bot.logs import mask_text
from bot.outreach.config import CHANNELS, OutreachConfig
from bot.outreach.models import ACTIVE_STATUSES, OutboxMessage
from bot.outreach.planner import Scorer, plan_day
from bot.outreach.rules import Clock, is_contact_day, timezone_for, utc_now


@dataclass(frozen=True)
class PreviewLine:
    day: date
    debtor: str
    step: str
    status: str  # queued | skipped
    channel: str | None
    address: str | None
    variant: str
    template: str
    text: str
    reason: str | None
    propensity: float | None
    task: bool = False  # the message closes the cadence and opened a task for a person


def preview(engine: Engine, days: int, config: OutreachConfig, clock: Clock = utc_now,
            available_channels: Collection[str] = CHANNELS, scorer: Scorer | None = None,
            creditor_name: str | None = None, start: date | None = None) -> list[PreviewLine]:
    """What the planner would queue or skip on each of ``days`` days from ``start`` (default: today).

    Runs in a transaction that is rolled back: nothing is written or sent. Rows the worker already
    planned for a day are listed as they stand.
    """
    tz = timezone_for(None, config)
    now = clock()
    first = start or now.astimezone(tz).date()
    lines: list[PreviewLine] = []
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # pysqlite opens no transaction before the first write, so a SAVEPOINT would be the
            # outermost transaction and RELEASE would commit it: open one explicitly.
            conn.exec_driver_sql("BEGIN")
        session = Session(bind=conn, future=True, autoflush=True)
        simulated: set[int] = set()
        task_steps = {s.name for s in config.steps if s.task}
        try:
            for offset in range(days):
                day = first + timedelta(days=offset)
                day_now = max(now, datetime.combine(day, time(0), tz))
                result = plan_day(session, day, day_now, config, available_channels, scorer,
                                  creditor_name=creditor_name)
                simulated.update(row.id for row in result.created)
                task_debtors = {task.debtor_id for task in result.tasks}
                # Rows the real worker planned before this preview show as they stand.
                earlier = session.execute(select(OutboxMessage).where(
                    OutboxMessage.send_on == day, OutboxMessage.id.not_in(simulated or {0}))).scalars().all()
                for row in list(result.created) + list(earlier):
                    debtor = session.get(Debtor, row.debtor_id)
                    status = "queued" if row.status in ACTIVE_STATUSES else "skipped"
                    lines.append(PreviewLine(row.send_on if status == "queued" else day, debtor.name, row.step,
                                             status, row.channel, row.address, row.variant, row.template,
                                             row.text, row.skip_reason, row.propensity,
                                             row.step in task_steps and row.debtor_id in task_debtors))
                    if row.status == OutboxStatus.QUEUED and row.id in simulated:  # as if delivered, for later caps
                        row.status, row.sent_at = "sent", row.send_after
                session.flush()
        finally:
            session.close()
            conn.rollback()
    return lines


def format_preview(lines: list[PreviewLine], first: date, days: int, config: OutreachConfig,
                   show_text: bool = True) -> str:
    """The preview as text, one block per day (empty days included), addresses masked, with totals."""
    out = []
    by_day: dict[date, list[PreviewLine]] = {}
    for line in lines:
        by_day.setdefault(line.day, []).append(line)
    for offset in range(days):
        day = first + timedelta(days=offset)
        label = day.strftime("%a %Y-%m-%d")
        todays = by_day.get(day, [])
        closed = "" if is_contact_day(day, config) else "  (no contact: Sunday, holiday or no hours)"
        out.append(f"{label}{closed}" + ("" if todays else "  - nothing due"))
        for line in sorted(todays, key=lambda item: (item.status != "queued", item.debtor)):
            where = f"{line.channel} {mask_text(line.address or '')}" if line.channel else "-"
            score = f" p30={line.propensity:.2f}" if line.propensity is not None else ""
            if line.status == "queued":
                out.append(f"  SEND  {line.debtor} | {line.step} ({line.template}/{line.variant}) | {where}{score}")
                if show_text:
                    out.extend(f"        > {text_line}" for text_line in line.text.splitlines())
            else:
                out.append(f"  SKIP  {line.debtor} | {line.step} | {where} | reason: {line.reason}")
            if line.task:
                out.append(f"  TASK  {line.debtor} | end of the automatic reminders: a person takes over")
    sent = sum(1 for line in lines if line.status == "queued")
    tasks = sum(1 for line in lines if line.task)
    out.append(f"\n{sent} messages would be sent, {len(lines) - sent} skipped, {tasks} tasks opened for a person, "
               f"over {days} days.")
    return "\n".join(out)
