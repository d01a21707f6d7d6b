"""What an agent needs to see first when taking over a conversation (docs/architecture.md §7).

The queue adds the reason, channel, language and the transcript tail itself
(bot.handoff.summary.enrich); this is what only the dialogue knows.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from bot.dialogue.views import balance_view


def build_summary(state: dict[str, Any], debtor_id: int | None) -> dict[str, Any]:
    """``state`` is the tracker's current_state(); ``debtor_id`` only when verified."""
    slots = state.get("slots") or {}
    latest = (state.get("latest_message") or {}).get("intent") or {}
    summary: dict[str, Any] = {
        "intent": latest.get("name"),
        "verified": debtor_id is not None,
        "vulnerable": bool(slots.get("vulnerable")),
        "journey": slots.get("journey"),
        "tried": [f"{slots.get('journey')}: {slots.get('outcome')}"] if slots.get("journey") else [],
    }
    if slots.get("plan_options"):
        summary["tried"].append(f"plans offered: {len(slots['plan_options'])}")
    if debtor_id is not None:
        view = balance_view(debtor_id, date.today(), state.get("sender_id") or "", "handoff_summary")
        summary.update(
            debtor_name=view.name, debtor_ref=view.debtor_ref, balance=str(view.total),
            open_invoices=[{"number": i["number"], "open_amount": str(i["open_amount"]),
                            "due_date": i["due_date"].isoformat(), "hold": i["hold"]} for i in view.invoices],
        )
    return summary
