"""Assisted verification from a conversation page: ``/h/<id>/verify``.

The check itself is ``bot.agentdesk.assist`` (same limits and audit as the assistant). This
module adds the web side and tells the dialogue: the tracker gets the same slots the
verification form sets (``verified``, ``debtor_id``, ``verified_invoice``), under the
conversation lock Rasa takes for incoming messages, so when the bot resumes it knows.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk import assist
from bot.agentdesk.texts import desk_texts
from bot.handoff import events
from bot.handoff.service import HandoffError
from bot.handoff.web import BASE_PATH, agent_required, form, render, wants_json

log = logging.getLogger(__name__)


async def set_verified_slots(agent: Any, conversation_id: str, debtor_id: int, invoice_number: str | None) -> bool:
    """Set the verification slots on the conversation's tracker; False when no tracker store is loaded."""
    from rasa.shared.core.events import SlotSet

    store = getattr(agent, "tracker_store", None)
    if store is None:
        return False

    async def apply() -> None:
        tracker = await store.get_or_create_tracker(conversation_id, append_action_listen=False)
        for event in (SlotSet("verified", True), SlotSet("debtor_id", debtor_id),
                      SlotSet("verified_invoice", invoice_number)):
            tracker.update(event)
        await store.save(tracker)

    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None:
        await apply()
    else:
        async with lock_store.lock(conversation_id):
            await apply()
    return True


def register_verify_routes(bp: Blueprint) -> None:
    """Add GET/POST ``/h/<id>/verify`` to the console."""

    @bp.route("/h/<handoff_id:int>/verify", methods=["GET"])
    @agent_required
    async def verify_page(request: Request, handoff_id: int) -> HTTPResponse:
        session = request.ctx.console_session
        try:
            found = await asyncio.to_thread(assist.suggestions, handoff_id)
        except HandoffError:
            return render("error.html", session, request.ctx.signer, status=404, code="not_found")
        return render("desk_verify.html", session, request.ctx.signer, d=desk_texts(session.lang),
                      agent=request.ctx.agent_info, handoff_id=handoff_id, found=found,
                      outcome=request.args.get("r"))

    @bp.route("/h/<handoff_id:int>/verify", methods=["POST"])
    @agent_required
    async def verify_post(request: Request, handoff_id: int) -> HTTPResponse:
        username = request.ctx.agent_info.username
        d = desk_texts(request.ctx.console_session.lang)
        try:
            outcome = await asyncio.to_thread(assist.assisted_verify, handoff_id, username, form(request, "invoice"),
                                              form(request, "tax_code"), datetime.utcnow())
        except HandoffError as exc:
            status = 404 if exc.code == "not_found" else 409 if exc.code in ("not_assigned", "other_agent") else 400
            if wants_json(request):
                return response.json({"ok": False, "code": exc.code, "message": d.get("e_" + exc.code, exc.code)},
                                     status=status)
            return response.redirect(f"{BASE_PATH}/h/{handoff_id}/verify?r={exc.code}")
        slots_set = False
        if outcome.status == "verified":
            try:
                slots_set = await set_verified_slots(getattr(request.app.ctx, "agent", None), outcome.conversation_id,
                                                     int(outcome.debtor_id or 0), outcome.invoice_number)
            except Exception as exc:  # noqa: BLE001 - the record is kept; the agent must know the bot was not told
                log.error("verification slots not set handoff=%s error=%s", handoff_id, type(exc).__name__)
        events.notify_conversation(outcome.conversation_id)
        events.notify_queue_changed()
        if wants_json(request):
            return response.json({"ok": outcome.status == "verified", "code": outcome.status,
                                  "message": d["r_" + outcome.status], "slots": slots_set,
                                  "attempts_left": outcome.attempts_left, "lock_minutes": outcome.lock_minutes})
        if outcome.status == "verified":
            return response.redirect(f"{BASE_PATH}/h/{handoff_id}")
        return response.redirect(f"{BASE_PATH}/h/{handoff_id}/verify?r={outcome.status}")
