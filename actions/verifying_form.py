"""Base of every journey form: asks invoice number and tax code until verified (docs/architecture.md §5.2)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker, utils
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.turn import Turn, base_action
from bot.dialogue import extract
from bot.dialogue.identity import check_pair
from bot.dialogue.views import known_keys

VERIFY_SLOTS = ["invoice_number", "tax_code"]


@base_action
class SlotForm(FormValidationAction):
    """Validation that keeps the helper slots an extraction sets next to the requested one.

    rasa-sdk's default drops every extracted slot that is not in ``required_slots`` (e.g.
    the pending foreign amount, a reset of the offered plans) and can even drop a value a
    validator has just set; here every extracted value is kept, each required slot with a
    ``validate_<slot>`` method is validated once, and what a validator sets wins.
    """

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[Dict[Text, Any]]:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        result: Dict[Text, Any] = {}
        set_by_validation: set = set()
        for name, value in tracker.slots_to_validate().items():
            if name in set_by_validation:
                continue  # an earlier validator already decided this slot
            result[name] = value
            method = getattr(self, f"validate_{name}", None)
            if name not in required or method is None:
                continue
            output = await utils.call_potential_coroutine(method(value, dispatcher, tracker, domain))
            if isinstance(output, dict):
                result.update(output)
                set_by_validation.update(output)
                tracker.slots.update(output)
        return [SlotSet(k, v) for k, v in result.items()]


@base_action
class VerifyingForm(SlotForm):
    form = ""

    def name(self) -> Text:
        return f"validate_{self.form}"

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        return []

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("locked"):
            return []
        base = [] if tracker.get_slot("verified") else list(VERIFY_SLOTS)
        if tracker.get_slot("outcome") == "nothing_due":
            return base
        return base + self.journey_slots(tracker)

    # extraction: both factors may come in one message, in any order
    async def extract_invoice_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") not in (None, "invoice_number", "tax_code"):
            return {}
        turn = Turn(dispatcher, tracker)
        text = turn.text if not turn.text.startswith("/") else ""
        found = await Turn.db(extract.pick_invoice, text, turn.entities, known_keys) if text else None
        found = found or turn.metadata.get("link_invoice")
        if not found or found == tracker.get_slot("invoice_number"):
            return {}
        return {"invoice_number": found[:64]}

    async def extract_tax_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") not in (None, "invoice_number", "tax_code"):
            return {}
        turn = Turn(dispatcher, tracker)
        found = extract.pick_tax_code(turn.text, turn.entities)
        return {"tax_code": found} if found else {}

    async def validate_invoice_number(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("tax_code") and "tax_code" not in tracker.slots_to_validate():
            return await self._attempt(dispatcher, tracker, str(value), str(tracker.get_slot("tax_code")))
        return {"invoice_number": value}

    async def validate_tax_code(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        invoice = tracker.get_slot("invoice_number")
        if invoice:
            return await self._attempt(dispatcher, tracker, str(invoice), str(value))
        return {"tax_code": value}

    async def _attempt(self, dispatcher: CollectingDispatcher, tracker: Tracker, invoice: str,
                       tax_code: str) -> Dict[Text, Any]:
        turn = Turn(dispatcher, tracker)
        # The client as the channel saw it, else channel + sender id: limits enumeration across conversations.
        client = str(turn.metadata.get("client") or f"{turn.channel}:{tracker.sender_id}")
        outcome = await Turn.db(check_pair, turn.conversation_id, invoice, tax_code, turn.now, client)
        slots: Dict[Text, Any] = {"tax_code": None, "language": turn.lang}
        if outcome.status == "verified":
            turn.say("verified", name=outcome.name)
            slots.update(verified=True, debtor_id=outcome.debtor_id, verified_invoice=outcome.invoice_number,
                         invoice_number=outcome.invoice_number,
                         outcome="nothing_due" if outcome.payable_zero else None)
        elif outcome.status == "locked":
            turn.say("verification_locked", buttons=[turn.button("btn_agent", "/request_human")],
                     minutes=outcome.lock_minutes, agent_word=turn.agent_word)
            slots.update(locked=True, invoice_number=None)
        else:
            turn.say("verification_failed", attempts_left=outcome.attempts_left)
            # A signed page link keeps its invoice; only the tax code is asked again.
            slots["invoice_number"] = turn.metadata.get("link_invoice")
        slots.update({e["name"]: e["value"] for e in turn.events if e.get("event") == "slot"})
        return slots
