"""The states a record can be in, one type per table, so a misspelt state is a type error.

Each member *is* its string (``str`` mix-in): the database columns stay ``VARCHAR`` with
the same values as before (no migration), rows read back as plain ``str`` compare equal to
the members, and JSON, templates and f-strings show the value, not the member's name.
Python 3.10 has no ``enum.StrEnum`` (3.11), hence the small base class.
"""
from __future__ import annotations

from enum import Enum


class StrState(str, Enum):
    """A state stored as its string value."""

    def __str__(self) -> str:
        return str(self.value)

    __format__ = str.__format__  # type: ignore[assignment]  # f"{state}" is the value on every Python


class PlanStatus(StrState):
    """payment_plans.status: a plan runs until paid, broken by missed instalments, or replaced."""

    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PromiseStatus(StrState):
    """promises_to_pay.status: decided when the promised date has passed."""

    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


class DisputeStatus(StrState):
    """disputes.status: a dispute holds its invoice's reminders until an agent decides it."""

    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class ReconciliationStatus(StrState):
    """reconciliation_cases.status: an "I already paid" claim waiting for its payment."""

    OPEN = "open"
    MATCHED = "matched"
    REJECTED = "rejected"


class TaskStatus(StrState):
    """follow_up_tasks.status: the agents' task inbox."""

    OPEN = "open"
    DONE = "done"


class HandoffStatus(StrState):
    """handoffs.status: a conversation in the agents' queue and what became of it."""

    QUEUED = "queued"
    ASSIGNED = "assigned"
    RETURNED = "returned"
    CLOSED = "closed"
    EXPIRED = "expired"


class OutboxStatus(StrState):
    """outbox_messages.status: one outreach message from planning to the provider."""

    QUEUED = "queued"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"



class StatementLineStatus(StrState):
    """statement_lines.status: an incoming bank credit and how it was placed."""

    UNMATCHED = "unmatched"
    REVIEW = "review"
    APPLIED = "applied"
    REJECTED = "rejected"
    IGNORED = "ignored"


OPEN_HANDOFF_STATUSES: tuple[HandoffStatus, ...] = (HandoffStatus.QUEUED, HandoffStatus.ASSIGNED)
CLOSED_HANDOFF_STATUSES: tuple[HandoffStatus, ...] = (HandoffStatus.RETURNED, HandoffStatus.CLOSED,
                                                      HandoffStatus.EXPIRED)
