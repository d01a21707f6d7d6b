"""Base of every journey form: asks invoice number and tax code until verified (docs/architecture.md §5.2)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker, utils
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.turn import Turn, base_action
from bot.dialogue import extract
from bot.dialogue.identity import check_pair
from bot.dialogue.language import has_signal
from bot.dialogue.requests import requested_journey
from bot.dialogue.turn_events import session_user_texts
from bot.dialogue.views import known_keys
from bot.parsing.tax_codes import BUSINESS
from bot.security import identity as conversation_identity
from bot.security.verified import Identity, session_key

VERIFY_SLOTS = ["invoice_number", "tax_code"]
# The form that carries each journey asked for beside the credentials (bot.dialogue.requests).
JOURNEY_FORMS = {"request_plan": "plan_form", "payment_difficulty": "plan_form", "dispute": "dispute_form",
                 "already_paid": "paid_form", "promise_to_pay": "promise_form",
                 "request_invoice_copy": "copy_form"}


# Turns on which an invoice number or tax code in the message is taken: besides its own
# questions, the hardship offer, where typing the invoice number means "let's go on".
CREDENTIAL_TURNS = (None, "invoice_number", "tax_code", "difficulty_choice")


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
    action_name = ""  # "validate_<form>", written out in each subclass

    def name(self) -> Text:
        return self.action_name

    def journey_slots(self, tracker: Tracker) -> List[Text]:
        return []

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("locked"):
            return []
        # The recorded verification decides, not the slot (bot.security.identity).
        base = [] if Turn(dispatcher, tracker).verified else list(VERIFY_SLOTS)
        if tracker.get_slot("outcome") == "nothing_due":
            return base
        return base + self.journey_slots(tracker)

    # extraction: both factors may come in one message, in any order
    async def extract_invoice_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") not in CREDENTIAL_TURNS:
            return {}
        turn = Turn(dispatcher, tracker)
        text = turn.text if not turn.text.startswith("/") else ""
        if tracker.get_slot("requested_slot") == "tax_code" and \
                extract.pick_invalid_tax_code(text, turn.entities, expecting=True) == BUSINESS:
            return {}  # eleven digits typed as the partita IVA are not a new invoice number
        found = await Turn.db(extract.pick_invoice, text, turn.entities, known_keys) if text else None
        found = found or turn.metadata.get("link_invoice")
        if not found or found == tracker.get_slot("invoice_number"):
            return {}
        return {"invoice_number": found[:64]}

    async def extract_tax_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") not in CREDENTIAL_TURNS:
            return {}
        turn = Turn(dispatcher, tracker)
        found = extract.pick_tax_code(turn.text, turn.entities)
        if found:
            return {"tax_code": found}
        expecting = tracker.get_slot("requested_slot") == "tax_code"
        kind = extract.pick_invalid_tax_code(turn.text, turn.entities, expecting) if not turn.text.startswith("/") else None
        if kind is None:
            return {}
        # A code failing its own check character is a typo: say so (it tells nothing about the
        # ledger) and ask again; no pair is checked, so no attempt is spent.
        turn.say("tax_code_invalid_business" if kind == BUSINESS else "tax_code_invalid_consumer")
        return {e["name"]: e["value"] for e in turn.events if e.get("event") == "slot"}

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
        return await attempt_pair(Turn(dispatcher, tracker), invoice, tax_code)


async def attempt_pair(turn: Turn, invoice: str, tax_code: str) -> Dict[Text, Any]:
    """Check one complete pair, say the outcome; the slots to set (the record is written on success)."""
    tracker = turn.tracker
    # The client as the channel saw it, else channel + sender id: limits enumeration across conversations.
    client = str(turn.metadata.get("client") or f"{turn.channel}:{tracker.sender_id}")
    outcome = await Turn.db(check_pair, turn.conversation_id, invoice, tax_code, turn.now, client,
                            turn.channel, session_key(tracker.events))
    slots: Dict[Text, Any] = {"tax_code": None}
    if outcome.status == "verified":
        if outcome.debtor_id is None:  # check_pair names the debtor of every verified pair
            raise RuntimeError("verified pair without a debtor")
        # Later steps of this same call (a journey slot given in the same message) act for it.
        conversation_identity.remember(turn.conversation_id,
                                       Identity(outcome.debtor_id, outcome.invoice_number))
        if outcome.language in ("it", "en") and not any(map(has_signal, session_user_texts(tracker.events))):
            # Only codes so far ("INV-88213 SMTJHN82C14Z114S"): the ledger knows the debtor's language.
            turn.lang = outcome.language
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
    slots["language"] = turn.lang
    return slots


class VerifyCredentials(Action):
    """Credentials given outside any form, often as the very first message: verify at once.

    "FT-2026/00417 RSSMRA85T10A562S" or "Quanto devo? fattura …, codice fiscale …" is read
    by the NLU as ``inform``; without this the pair was dropped and asked for again later.
    A complete pair is checked now (and a balance question in the same message answered);
    a single factor is kept in its slot so the next form asks only for the other one.
    """

    def name(self) -> Text:
        return "action_verify_credentials"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = Turn(dispatcher, tracker)
        slots = await self.verify(turn)
        merged = {e["name"]: e["value"] for e in turn.events if e.get("event") == "slot"}
        merged.update(slots)
        # A journey asked for beside the credentials starts after the slots (FollowupAction).
        return [SlotSet(k, v) for k, v in merged.items()] + [e for e in turn.events if e.get("event") != "slot"]

    async def verify(self, turn: Turn) -> Dict[Text, Any]:
        text = "" if turn.text.startswith("/") else turn.text
        tracker = turn.tracker
        given_invoice = await Turn.db(extract.pick_invoice, text, turn.entities, known_keys) if text else None
        given_code = extract.pick_tax_code(text, turn.entities) if text else None
        invoice = given_invoice or tracker.get_slot("invoice_number") or turn.metadata.get("link_invoice")
        code = given_code or tracker.get_slot("tax_code")
        if turn.verified and not (given_invoice and given_code):
            turn.say("verified_how_can_help")
            return {}
        invalid = extract.pick_invalid_tax_code(text, turn.entities) if text and not given_code else None
        if invalid:
            turn.say("tax_code_invalid_business" if invalid == BUSINESS else "tax_code_invalid_consumer")
            if invoice:
                turn.say("ask_tax_code_retype")
                return {"invoice_number": invoice[:64]}
            turn.say("ask_invoice_number")
            return {}
        if invoice and code:
            slots = await attempt_pair(turn, invoice[:64], code)
            if slots.get("verified"):
                slots.update(await self.answer_pending(turn, text, slots.get("outcome") == "nothing_due"))
            return slots
        if invoice:
            turn.say("ask_tax_code")
            return {"invoice_number": invoice[:64]}
        if code:
            turn.say("need_verification")
            turn.say("ask_invoice_number")
            return {"tax_code": code}
        turn.say("anything_else")
        return {}

    @staticmethod
    async def answer_pending(turn: Turn, text: str, nothing_due: bool) -> Dict[Text, Any]:
        """The question that came with the credentials ("quanto devo?"), answered now; another
        request ("vorrei pagare a rate, fattura …") starts its journey's form."""
        if not extract.asks_for_balance(text):
            journey = requested_journey(text)
            if journey is None:
                turn.say("verified_how_can_help")
                return {}
            if journey == "payment_difficulty":
                from actions.conversation import AcknowledgeDifficulty

                await AcknowledgeDifficulty().speak(turn)
            turn.events.append(FollowupAction(JOURNEY_FORMS[journey]))
            return {}
        from actions.journeys import BalanceSubmit

        if nothing_due:
            turn.say("nothing_due")
            outcome = "nothing_due"
        else:
            outcome = await BalanceSubmit().complete(turn)
        turn.say("anything_else")
        return {"journey": "balance", "outcome": outcome, "journey_done": True}
