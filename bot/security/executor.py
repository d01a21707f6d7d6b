"""rasa_sdk's action executor, acting only for the identity recorded server-side.

Before an action runs, the conversation's verification record is loaded (off the event
loop) for the tracker's current session and kept for the call (bot.security.identity).
The tracker's ``verified`` / ``debtor_id`` / ``verified_invoice`` slots are overwritten with
what the record says before the action sees them, and the response starts with the
``slot`` events that correct Rasa's copy: when slots and record disagree, the record wins.
An action that itself claims a verification the record does not hold is corrected too.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, Optional, Text

from rasa_sdk.executor import ActionExecutor

from bot.security import identity as conversation_identity

logger = logging.getLogger(__name__)


def _slot_events(fixes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"event": "slot", "timestamp": None, "name": k, "value": v} for k, v in fixes.items()]


def _claims_verification(events: list[dict[str, Any]]) -> bool:
    return any(e.get("event") == "slot" and e.get("name") in ("verified", "debtor_id") and e.get("value")
               for e in events)


class IdentityExecutor(ActionExecutor):
    """Runs an action for the verification recorded for its conversation, never for its slots."""

    async def run(self, action_call: Dict[Text, Any]) -> Optional[Dict[Text, Any]]:
        tracker = action_call.get("tracker")
        if not action_call.get("next_action") or not isinstance(tracker, dict):
            return await super().run(action_call)
        conversation_id = str(tracker.get("sender_id") or action_call.get("sender_id") or "")
        events = tracker.get("events") or []
        identity = await conversation_identity.load_async(conversation_id, events, datetime.utcnow())
        slots = tracker.setdefault("slots", {})
        if not isinstance(slots, dict):
            slots = tracker["slots"] = {}
        before = conversation_identity.slot_corrections(slots, identity)
        if before:
            # Only the names, never the values: the log must not tie a debtor to a conversation.
            logger.warning("slots %s disagreed with the verification record; the record wins", sorted(before))
            slots.update(before)
        result = await super().run(action_call)
        if result is None:
            return None
        produced = result.get("events") or []
        after: dict[str, Any] = {}
        if _claims_verification(produced):
            # A verification in this call was recorded first; anything else is not believed.
            recorded = await conversation_identity.load_async(conversation_id, events, datetime.utcnow())
            claimed = dict(slots)
            for e in produced:
                if e.get("event") == "slot":
                    claimed[e.get("name")] = e.get("value")
            after = conversation_identity.slot_corrections(claimed, recorded)
        result["events"] = _slot_events(before) + list(produced) + _slot_events(after)
        return result
