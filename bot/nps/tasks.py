"""The closed loop: follow-up tasks for detractors, who owns them, when they are due, what was done."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.states import TaskStatus
from bot.ledger.models import AuditLog, FollowUpTask, NpsResponse

STATUSES = tuple(TaskStatus)


@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str
    status: str
    owner: str | None
    due_on: date | None
    created_at: datetime
    score: int | None
    channel: str | None
    journey: str | None
    language: str | None
    comment: str
    resolution: str | None
    closed_at: datetime | None

    def overdue(self, today: date) -> bool:
        return self.status == TaskStatus.OPEN and self.due_on is not None and self.due_on < today


def list_tasks(session: Session, status: str | None = "open", kind: str | None = "nps_detractor",
               owner: str | None = None, limit: int | None = None) -> list[TaskView]:
    """Tasks with their survey answer, most urgent (earliest due) first."""
    stmt = select(FollowUpTask, NpsResponse).outerjoin(NpsResponse, NpsResponse.id == FollowUpTask.nps_response_id)
    if status:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        stmt = stmt.where(FollowUpTask.status == status)
    if kind:
        stmt = stmt.where(FollowUpTask.kind == kind)
    if owner:
        stmt = stmt.where(FollowUpTask.owner == owner)
    # NULL due dates last on every backend: order by "is null" first.
    stmt = stmt.order_by(FollowUpTask.due_on.is_(None), FollowUpTask.due_on, FollowUpTask.id)
    if limit:
        stmt = stmt.limit(limit)
    views = []
    for task, answer in session.execute(stmt):
        comment = " ".join(p for p in ((answer.reason, answer.improvement) if answer else ()) if p)
        views.append(TaskView(
            id=task.id, kind=task.kind, status=task.status, owner=task.owner, due_on=task.due_on,
            created_at=task.created_at, score=answer.score if answer else None,
            channel=answer.channel if answer else None, journey=answer.journey if answer else None,
            language=answer.language if answer else None, comment=comment, resolution=task.resolution,
            closed_at=task.closed_at))
    return views


def _task(session: Session, task_id: int) -> FollowUpTask:
    task = session.get(FollowUpTask, task_id)
    if task is None:
        raise ValueError(f"no follow-up task with id {task_id}")
    return task


def close_task(session: Session, task_id: int, note: str, actor: str = "cli", now: datetime | None = None) -> FollowUpTask:
    """Mark a task done and record what was done; the note is required because the loop is only
    closed when someone can read what happened."""
    note = (note or "").strip()
    if not note:
        raise ValueError("a note saying what was done is required to close a task")
    task = _task(session, task_id)
    if task.status == TaskStatus.DONE:
        raise ValueError(f"task {task_id} is already closed")
    task.status, task.resolution, task.closed_at = "done", note[:2000], now or datetime.utcnow()
    session.add(AuditLog(creditor_id=task.creditor_id, actor=actor, action="followup_closed", entity="followup_task",
                         entity_id=str(task.id), conversation_id=task.conversation_id,
                         details=json.dumps({"kind": task.kind})))
    session.flush()
    return task


def assign_task(session: Session, task_id: int, owner: str, due_on: date | None = None,
                actor: str = "cli") -> FollowUpTask:
    """Set a task's owner (and its due date when given), with an audit entry; flushed, not committed.

    Raises ValueError for an unknown task id or a blank owner.
    """
    owner = (owner or "").strip()
    if not owner:
        raise ValueError("owner is required")
    task = _task(session, task_id)
    task.owner = owner[:64]
    if due_on:
        task.due_on = due_on
    session.add(AuditLog(creditor_id=task.creditor_id, actor=actor, action="followup_assigned",
                         entity="followup_task", entity_id=str(task.id), details=json.dumps({"owner": task.owner})))
    session.flush()
    return task
