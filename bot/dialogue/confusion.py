"""Counting non-answers at a form question and choosing how to reply to the next one.

The first non-answer gets the question rephrased; the second offers a person and a way out
as well; after that the two alternate, so the same line never comes three times in a row.
The count belongs to one question: a new question starts at zero.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# Questions answered with buttons: after a miss the question itself is asked again (so
# its buttons are the latest ones), preceded by a short line that asks nothing.
BUTTON_SLOTS = frozenset({"plan_choice", "plan_confirmed", "difficulty_choice", "dispute_category", "nps_score"})
OFFER_FROM = 2


@dataclass(frozen=True)
class Reply:
    """What to say after a non-answer and whether the form's own question is then skipped."""

    kind: str  # "rephrase" | "pick" | "offer"
    count: int
    asked: bool

    def slot_value(self, slot: str | None, turn_number: int) -> dict[str, Any]:
        """What the ``misunderstood`` slot keeps; ``turn`` tells the ask action it is this turn's."""
        return {"slot": slot, "count": self.count, "asked": self.asked, "turn": turn_number}


def next_reply(previous: Mapping[str, Any] | None, slot: str | None) -> Reply:
    """The reply to one more non-answer at ``slot``, given the stored count."""
    count = 1
    if previous and previous.get("slot") == slot:
        count = int(previous.get("count") or 0) + 1
    if count >= OFFER_FROM and count % 2 == 0:
        return Reply("offer", count, asked=True)
    if slot in BUTTON_SLOTS:
        return Reply("pick", count, asked=False)
    return Reply("rephrase", count, asked=True)
