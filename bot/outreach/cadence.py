"""Which cadence step falls on which day: pure date arithmetic over ledger subjects.

A subject is what a step is about: an invoice (reference date: due date), a promise
(promised date), a plan instalment (its due date) or a payment (the day the ledger
learned of it). A step is due on ``reference + offset_days``. A thank-you is also planned
a few days late (``lookback``) so a worker that was down on the day still says it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

from bot.outreach.config import Step


@dataclass(frozen=True)
class Subject:
    kind: str  # invoice | promise | instalment | payment
    subject_id: int
    debtor_id: int
    reference_date: date
    invoice_id: int | None = None
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class DueStep:
    step: Step
    subject: Subject
    scheduled_for: date

    def idempotency_key(self, creditor_id: str) -> str:
        """Debtor, subject, step and cadence date: the same message can exist only once."""
        s = self.subject
        return f"{creditor_id}:{s.debtor_id}:{s.kind}{s.subject_id}:{self.step.name}:{self.scheduled_for.isoformat()}"


def due_steps(subjects: Iterable[Subject], steps: Sequence[Step], day: date, lookback_days: int = 0) -> list[DueStep]:
    """Steps whose cadence date is ``day`` (for thank-yous, up to ``lookback_days`` earlier), per matching subject."""
    due: list[DueStep] = []
    for subject in subjects:
        for step in steps:
            if step.kind != subject.kind:
                continue
            late_allowed = lookback_days if step.kind == "payment" else 0
            for offset in step.offsets():
                on = subject.reference_date + timedelta(days=offset)
                if on <= day <= on + timedelta(days=late_allowed):
                    due.append(DueStep(step, subject, on))
    return due


def reference_window(steps: Sequence[Step], kind: str, day: date, lookback_days: int = 0) -> tuple[date, date] | None:
    """Range of reference dates that can produce a step on ``day`` (to narrow queries)."""
    offsets = [o for s in steps if s.kind == kind for o in (s.offset_days, s.last_offset)]
    if not offsets:
        return None
    late = lookback_days if kind == "payment" else 0
    return day - timedelta(days=max(offsets) + late), day - timedelta(days=min(offsets))
