"""Canned replies: managed by supervisors (``/canned``), offered on the conversation page.

``/h/<id>/canned.json`` gives the replies of the conversation's language with the variables
filled for that conversation (debtor facts only when it is verified server-side), plus the
debtor's profile link; the desk script puts the chosen text into the reply box, where the
agent reads and may edit it before sending it through the ordinary reply route.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk import canned
from bot.agentdesk.profile import profile_url
from bot.agentdesk.texts import desk_texts
from bot.handoff.desk_web import forbidden, is_supervisor, page
from bot.handoff.web import BASE_PATH, agent_required, form
from bot.ledger.db import session_scope
from bot.ledger.models import Handoff
from bot.security.verified import verified_debtor


def _replies() -> list[canned.CannedReply]:
    with session_scope() as session:
        rows = canned.all_replies(session)
        session.expunge_all()
        return rows


def _save(reply_id: int | None, language: str, title: str, body: str, actor: str) -> None:
    with session_scope() as session:
        canned.save(session, language=language, title=title, body=body, actor=actor, reply_id=reply_id)


def _retire(reply_id: int, actor: str) -> None:
    with session_scope() as session:
        canned.retire(session, reply_id, actor)


def _offer(handoff_id: int, agent_name: str) -> dict | None:
    now = datetime.utcnow()
    found = canned.offered_for_handoff(handoff_id, agent_name, now)
    if found is None:
        return None
    language, offered = found
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        debtor_id = verified_debtor(session, handoff.conversation_id, now) if handoff else None
    return {"language": language, "replies": [o.as_json() for o in offered], "verified": debtor_id is not None,
            "profile_url": profile_url(debtor_id)}


def register_canned_routes(bp: Blueprint) -> None:
    """Add /canned (supervisors) and /h/<id>/canned.json to the console."""

    @bp.route("/canned", methods=["GET"])
    @agent_required
    async def canned_page(request: Request) -> HTTPResponse:
        if not is_supervisor(request):
            return forbidden(request)
        d = desk_texts(request.ctx.console_session.lang)
        ok, fail = request.args.get("ok"), request.args.get("fail")
        note = d.get(f"c_{ok}", "") if ok in ("saved", "retired") else ""
        alert = d.get(f"c_{fail}", "") if fail else ""
        if fail == "bad_variable":
            alert += " " + (request.args.get("detail") or "")[:80]
        rows = await asyncio.to_thread(_replies)
        return page(request, "desk_canned.html", rows=rows, note=note, alert=alert, languages=canned.LANGUAGES)

    @bp.route("/canned", methods=["POST"])
    @agent_required
    async def canned_save(request: Request) -> HTTPResponse:
        if not is_supervisor(request):
            return forbidden(request)
        raw_id = form(request, "id")
        try:
            reply_id = int(raw_id) if raw_id.strip() else None
            await asyncio.to_thread(_save, reply_id, form(request, "language"), form(request, "title"),
                                    form(request, "body"), f"agent:{request.ctx.agent_info.username}")
        except canned.CannedError as exc:
            return response.redirect(f"{BASE_PATH}/canned?fail={exc.code}&detail={quote(exc.detail)}")
        except ValueError:
            return response.redirect(f"{BASE_PATH}/canned?fail=not_found")
        return response.redirect(f"{BASE_PATH}/canned?ok=saved")

    @bp.route("/canned/<reply_id:int>/retire", methods=["POST"])
    @agent_required
    async def canned_retire(request: Request, reply_id: int) -> HTTPResponse:
        if not is_supervisor(request):
            return forbidden(request)
        try:
            await asyncio.to_thread(_retire, reply_id, f"agent:{request.ctx.agent_info.username}")
        except canned.CannedError as exc:
            return response.redirect(f"{BASE_PATH}/canned?fail={exc.code}")
        return response.redirect(f"{BASE_PATH}/canned?ok=retired")

    @bp.route("/h/<handoff_id:int>/canned.json", methods=["GET"])
    @agent_required
    async def canned_for_conversation(request: Request, handoff_id: int) -> HTTPResponse:
        found = await asyncio.to_thread(_offer, handoff_id, request.ctx.agent_info.display_name)
        if found is None:
            return response.json({"ok": False, "code": "not_found"}, status=404)
        return response.json({"ok": True, **found}, headers={"Cache-Control": "no-store"})
