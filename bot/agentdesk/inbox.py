"""One task inbox: callbacks, NPS detractor follow-ups, hardship pauses, disputes, reconciliation cases.

Callbacks ("Richiamatemi"), detractors and payment pauses already open ``followup_tasks``
rows (bot.dialogue.records, bot.nps.survey). Disputes and reconciliation cases live in
their own tables; ``sync_cases`` gives each open one a task of its own once (``task_sources``
remembers which), so every piece of work has an owner, a due date and a closing note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ledger.states import DisputeStatus, ReconciliationStatus, TaskStatus
from bot.agentdesk.models import TaskSource
from bot.ledger.db import session_scope
from bot.ledger.models import Debtor, Dispute, FollowUpTask, Handoff, Invoice, ReconciliationCase
from bot.nps.tasks import assign_task, close_task
from bot.plans.calendar import add_business_days

VIEWS = ("mine", "all", "overdue", "done")
KINDS = ("callback", "nps_detractor", "hardship", "dispute", "reconciliation", "last_notice", "overpayment",
         "invoice_copy")
RECONCILIATION_DAYS = 2  # business days to check a claimed payment


@dataclass(frozen=True)
class InboxRow:
    id: int
    kind: str
    status: str
    owner: str | None
    due_on: date | None
    created_at: datetime
    note: str
    resolution: str | None
    debtor_id: int | None
    debtor_name: str
    conversation_id: str | None
    handoff_id: int | None
    overdue: bool


def sync_cases(session: Session, today: date) -> int:
    """Open a task for every open dispute and reconciliation case that has none; how many were opened."""
    opened = 0
    cases: list[tuple[str, Any, date]] = []
    linked = select(TaskSource.source_id).where(TaskSource.source == "dispute")
    for d in session.execute(select(Dispute).where(Dispute.status == DisputeStatus.OPEN, Dispute.id.not_in(linked))).scalars():
        cases.append(("dispute", d, d.respond_by or add_business_days(today, RECONCILIATION_DAYS)))
    linked = select(TaskSource.source_id).where(TaskSource.source == "reconciliation")
    for r in session.execute(select(ReconciliationCase).where(ReconciliationCase.status == ReconciliationStatus.OPEN,
                                                              ReconciliationCase.id.not_in(linked))).scalars():
        cases.append(("reconciliation", r, add_business_days(r.created_at.date(), RECONCILIATION_DAYS)))
    for kind, case, due in cases:
        invoice = session.get(Invoice, case.invoice_id)
        number = invoice.invoice_number if invoice else ""
        task = FollowUpTask(kind=kind, debtor_id=invoice.debtor_id if invoice else None,
                            creditor_id=case.creditor_id, conversation_id=case.conversation_id, due_on=due,
                            note=number)  # the page says "invoice <number>" in the agent's language
        session.add(task)
        session.flush()
        session.add(TaskSource(followup_task_id=task.id, source=kind, source_id=case.id, invoice_id=case.invoice_id))
        opened += 1
    session.flush()
    return opened


def list_inbox(session: Session, view: str, username: str, today: date, kind: str | None = None) -> list[InboxRow]:
    """The inbox for ``view``: mine (open, mine or nobody's), all (open), overdue (open, past due), done."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}")
    stmt = select(FollowUpTask, Debtor.name).outerjoin(Debtor, Debtor.id == FollowUpTask.debtor_id)
    if view == "done":
        stmt = stmt.where(FollowUpTask.status == TaskStatus.DONE).order_by(FollowUpTask.closed_at.desc()).limit(200)
    else:
        stmt = stmt.where(FollowUpTask.status == TaskStatus.OPEN)
        if view == "mine":
            stmt = stmt.where((FollowUpTask.owner == username) | FollowUpTask.owner.is_(None))
        if view == "overdue":
            stmt = stmt.where(FollowUpTask.due_on < today)
        stmt = stmt.order_by(FollowUpTask.due_on.is_(None), FollowUpTask.due_on, FollowUpTask.id)
    if kind:
        stmt = stmt.where(FollowUpTask.kind == kind)
    rows = session.execute(stmt).all()
    cids = {t.conversation_id for t, _ in rows if t.conversation_id}
    latest = dict(session.execute(select(Handoff.conversation_id, func.max(Handoff.id))
                                  .where(Handoff.conversation_id.in_(cids)).group_by(Handoff.conversation_id)).all()
                  ) if cids else {}
    return [InboxRow(id=t.id, kind=t.kind, status=t.status, owner=t.owner, due_on=t.due_on, created_at=t.created_at,
                     note=t.note or "", resolution=t.resolution, debtor_id=t.debtor_id, debtor_name=name or "",
                     conversation_id=t.conversation_id, handoff_id=latest.get(t.conversation_id),
                     overdue=t.status == TaskStatus.OPEN and t.due_on is not None and t.due_on < today)
            for t, name in rows]


def inbox_for_console(view: str, username: str, today: date, kind: str | None = None) -> list[InboxRow]:
    """Bring disputes and reconciliation cases in, then list (one transaction)."""
    with session_scope() as session:
        sync_cases(session, today)
        return list_inbox(session, view, username, today, kind if kind in KINDS else None)


def open_count(username: str, today: date) -> dict[str, int]:
    """Open tasks that are mine (or nobody's) and how many of them are overdue."""
    with session_scope() as session:
        rows = list_inbox(session, "mine", username, today)
        return {"open": len(rows), "overdue": sum(1 for r in rows if r.overdue)}


def complete(task_id: int, note: str, username: str) -> None:
    """Done with a note; audited as the agent. ValueError on an empty note or a closed task."""
    with session_scope() as session:
        close_task(session, task_id, note, actor=f"agent:{username}")


def take(task_id: int, username: str, due_on: date | None = None) -> None:
    """Make the agent the task's owner (optionally moving its due date)."""
    with session_scope() as session:
        assign_task(session, task_id, username, due_on, actor=f"agent:{username}")
