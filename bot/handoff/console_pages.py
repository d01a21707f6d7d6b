"""The console's reading pages: the lists (queue), one conversation, the KPI dashboard.

Lists and conversations stay current without reloads through server-sent events
(``bot.handoff.streams``), woken by in-process events and re-read on a short timer.
"""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Callable, Optional
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.ledger.states import HandoffStatus
from bot.handoff import OUTCOMES, REASONS, events, streams, views
from bot.handoff.queue_views import VIEWS, Filters, allowed_views
from bot.handoff.web import fragment, render, requires
from bot.privacy.audit_events import record_agent_view

CHANNELS = ("telegram", "whatsapp", "sms", "webchat", "rest")
STATUSES = tuple(HandoffStatus)


async def _db(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def _view(request: Request) -> str:
    """``?view=`` if this role may open it; agents start on Unassigned, supervisors on All open."""
    supervisor = request.ctx.agent_info.can("supervisor")
    wanted = request.args.get("view", "")
    allowed = allowed_views(supervisor)
    return wanted if wanted in allowed else ("open" if supervisor else "unassigned")


def _list_args(request: Request) -> tuple[str, Filters, str]:
    view, filters = _view(request), Filters.from_args(request.args)
    query = urlencode({"view": view, **{k: v for k, v in filters.__dict__.items() if v}})
    return view, filters, query


def _cursor(request: Request) -> Optional[int]:
    """``?after=`` as a non-negative message id (absent means 0); ``None`` when it is not one."""
    raw = request.args.get("after", "0") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


BAD_AFTER = {"ok": False, "code": "bad_after", "message": "after must be a message id"}


def register_page_routes(bp: Blueprint) -> None:
    """/queue (+ .json, /stream), /h/<id> (+ messages.json, /stream), /dashboard."""

    @bp.route("/queue", methods=["GET"])
    @requires("agent")
    async def queue_page(request: Request) -> HTTPResponse:
        info, session = request.ctx.agent_info, request.ctx.console_session
        view, filters, query = _list_args(request)
        items = await _db(views.queue_items, view, info.username, filters, session.lang)
        return render("queue.html", session, request.ctx.signer, items=items, agent=info, view=view,
                      views=[v for v in VIEWS if v in allowed_views(info.can("supervisor"))], filters=filters,
                      query=query, channels=CHANNELS, reasons=sorted(REASONS), statuses=STATUSES,
                      msg=request.args.get("msg"), err=request.args.get("err"))

    @bp.route("/queue.json", methods=["GET"])
    @requires("agent")
    async def queue_json(request: Request) -> HTTPResponse:
        view, filters, _ = _list_args(request)
        items = await _db(views.queue_items, view, request.ctx.agent_info.username, filters,
                          request.ctx.console_session.lang)
        return response.json({"view": view, "items": [i.as_json() for i in items]})

    @bp.route("/queue/stream", methods=["GET"])
    @requires("agent")
    async def queue_stream(request: Request) -> None:
        session, sign, info = request.ctx.console_session, request.ctx.signer, request.ctx.agent_info
        view, filters, _ = _list_args(request)

        async def produce() -> dict:
            items = await _db(views.queue_items, view, info.username, filters, session.lang)
            return {"count": len(items), "ids": [[i.handoff_id, i.status, i.assigned_to, i.waiting_minutes,
                                                  i.debtor_silent_minutes] for i in items],
                    "html": fragment("_queue_rows.html", session, sign, items=items, agent=info, view=view)}

        await streams.sse(request, produce, (events.QUEUE_TOPIC,))

    @bp.route("/h/<handoff_id:int>", methods=["GET"])
    @requires("agent")
    async def conversation_page(request: Request, handoff_id: int) -> HTTPResponse:
        session, info = request.ctx.console_session, request.ctx.agent_info
        view = await _db(views.conversation_view, handoff_id, session.lang, info.username, info.can("supervisor"))
        if view is None:
            return render("error.html", session, request.ctx.signer, status=404, code="not_found", agent=info)
        await _db(record_agent_view, session.username, handoff_id, view["conversation_id"])
        colleagues = await _db(views.colleagues, view["assigned_to"] or info.username)
        return render("conversation.html", session, request.ctx.signer, v=view, agent=info, colleagues=colleagues,
                      msg=request.args.get("msg"), err=request.args.get("err"), outcomes=OUTCOMES,
                      today=date.today().isoformat())

    @bp.route("/h/<handoff_id:int>/messages.json", methods=["GET"])
    @requires("agent")
    async def messages_json(request: Request, handoff_id: int) -> HTTPResponse:
        after = _cursor(request)
        if after is None:
            return response.json(BAD_AFTER, status=400)
        info = request.ctx.agent_info
        state = await _db(views.messages_after, handoff_id, after, request.ctx.console_session.lang,
                          info.username, info.can("supervisor"))
        if state is None:
            return response.json({"ok": False, "code": "not_found"}, status=404)
        state["messages"] = [m.__dict__ for m in state["messages"]]
        return response.json(state)

    @bp.route("/h/<handoff_id:int>/stream", methods=["GET"])
    @requires("agent")
    async def conversation_stream(request: Request, handoff_id: int) -> Optional[HTTPResponse]:
        session, sign, info = request.ctx.console_session, request.ctx.signer, request.ctx.agent_info
        after = _cursor(request)
        if after is None:
            return response.json(BAD_AFTER, status=400)
        supervisor = info.can("supervisor")
        conversation_id = await _db(views.visible_conversation_id, handoff_id, info.username, supervisor)
        if conversation_id is None:
            return response.json({"ok": False, "code": "not_found"}, status=404)
        cursor = {"after": after}

        async def produce() -> Optional[dict]:
            # Re-checked on every round: once transferred away, an agent's open page stops updating.
            state = await _db(views.messages_after, handoff_id, cursor["after"], session.lang, info.username,
                              supervisor)
            if state is None:
                return {"status": "gone", "html": ""}
            if state["messages"]:
                cursor["after"] = state["last_id"]
            state["html"] = fragment("_messages.html", session, sign, messages=state.pop("messages"))
            return state

        await streams.sse(request, produce, (events.conversation_topic(conversation_id),))
        return None

    @bp.route("/dashboard", methods=["GET"])
    @requires("supervisor")
    async def dashboard(request: Request) -> HTTPResponse:
        session = request.ctx.console_session
        html = await _db(views.dashboard_html, session.lang)
        if html is None:
            return render("error.html", session, request.ctx.signer, code="no_dashboard", agent=request.ctx.agent_info)
        return render("dashboard_page.html", session, request.ctx.signer, body=html, agent=request.ctx.agent_info)
