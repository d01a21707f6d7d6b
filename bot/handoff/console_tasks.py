"""The task inbox page (``/tasks``): one list of callbacks, detractors, hardship, disputes, payment claims.

Filters: ``view`` = mine (default: mine and unowned) | all | overdue | done, ``kind``.
An agent takes a task (becomes its owner) or marks it done with a note; both are audited.
"""
from __future__ import annotations

import asyncio
from datetime import date
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk import inbox
from bot.agentdesk.fmt import local_today
from bot.agentdesk.texts import desk_texts
from bot.handoff import events, streams
from bot.handoff.desk_web import Formats, page
from bot.handoff.web import BASE_PATH, agent_required, form, fragment, wants_json

TASKS_TOPIC = "tasks"


def notify_tasks_changed() -> None:
    """Open inbox pages re-read their rows (other processes' changes arrive with the poll)."""
    events.bus.publish(TASKS_TOPIC)


def rows_version(rows: list[inbox.InboxRow]) -> str:
    """A fingerprint of what the rows show, so a page skips a stream update that changes nothing.

    Without it every page re-rendered its rows when its stream connected, replacing the element
    under the agent's cursor (and any half-typed note field) with an identical copy.
    """
    return streams.fingerprint(rows)


def _filters(request: Request) -> tuple[str, str]:
    view = request.args.get("view") or "mine"
    kind = request.args.get("kind") or ""
    return (view if view in inbox.VIEWS else "mine"), (kind if kind in inbox.KINDS else "")


def _back(request: Request, code: str, ok: bool, detail: str = "") -> HTTPResponse:
    d = desk_texts(request.ctx.console_session.lang)
    message = d.get(code, d["t_error"]) + (f" {detail}" if detail else "")
    if wants_json(request):
        return response.json({"ok": ok, "code": code, "message": message}, status=200 if ok else 400)
    view = form(request, "view") if form(request, "view") in inbox.VIEWS else "mine"
    key = "ok" if ok else "fail"
    return response.redirect(f"{BASE_PATH}/tasks?view={view}&{key}={quote(code)}")


def register_task_routes(bp: Blueprint) -> None:
    """Add /tasks, /tasks/<id>/take and /tasks/<id>/done to the console."""

    @bp.route("/tasks", methods=["GET"])
    @agent_required
    async def task_inbox(request: Request) -> HTTPResponse:
        view, kind = _filters(request)
        rows = await asyncio.to_thread(inbox.inbox_for_console, view, request.ctx.agent_info.username,
                                       local_today(), kind or None)
        d = desk_texts(request.ctx.console_session.lang)
        ok, fail = request.args.get("ok"), request.args.get("fail")
        note = d.get(ok, "") if ok in ("t_done", "t_taken") else ""
        alert = d["t_error"] if fail else ""
        return page(request, "desk_tasks.html", rows=rows, version=rows_version(rows), view=view, kind=kind,
                    views=inbox.VIEWS,
                    kinds=inbox.KINDS, note=note, alert=alert)

    @bp.route("/tasks/<task_id:int>/done", methods=["POST"])
    @agent_required
    async def task_done(request: Request, task_id: int) -> HTTPResponse:
        try:
            await asyncio.to_thread(inbox.complete, task_id, form(request, "note"), request.ctx.agent_info.username)
        except ValueError as exc:
            return _back(request, "t_error", False, str(exc))
        notify_tasks_changed()
        return _back(request, "t_done", True)

    @bp.route("/tasks/<task_id:int>/take", methods=["POST"])
    @agent_required
    async def task_take(request: Request, task_id: int) -> HTTPResponse:
        raw = form(request, "due_on")
        try:
            due = date.fromisoformat(raw) if raw else None
            await asyncio.to_thread(inbox.take, task_id, request.ctx.agent_info.username, due)
        except ValueError as exc:
            return _back(request, "t_error", False, str(exc))
        notify_tasks_changed()
        return _back(request, "t_taken", True)

    @bp.route("/tasks/stream", methods=["GET"])
    @agent_required
    async def task_stream(request: Request) -> None:
        """Server-sent rows of the inbox, so two agents' pages stay current without reloads."""
        session, sign = request.ctx.console_session, request.ctx.signer
        view, kind = _filters(request)
        username = request.ctx.agent_info.username
        d, f = desk_texts(session.lang), Formats(session.lang)

        async def produce() -> dict:
            rows = await asyncio.to_thread(inbox.inbox_for_console, view, username, local_today(), kind or None)
            return {"count": len(rows), "ids": [r.id for r in rows], "version": rows_version(rows),
                    "html": fragment("_desk_task_rows.html", session, sign, rows=rows, view=view, d=d, f=f)}

        await streams.sse(request, produce, (TASKS_TOPIC,))
