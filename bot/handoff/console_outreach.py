"""Console pages for proactive outreach: the schedule, what was sent or skipped, pauses."""
from __future__ import annotations

import asyncio
from typing import Mapping
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.web import BASE_PATH, agent_required, signer
from bot.ledger.db import session_scope


def _page(lang: str, csrf: str) -> str:
    from bot.outreach.views import render_outreach_page

    with session_scope() as session:
        body = render_outreach_page(session, lang, csrf_token=csrf)
    back = "Torna alla coda" if lang == "it" else "Back to the queue"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Outreach</title>'
            f'<link rel="stylesheet" href="{BASE_PATH}/static/console.css"></head><body>'
            f'<nav><a href="{BASE_PATH}/queue">{back}</a></nav><main>{body}</main></body></html>')


def _apply(handler_name: str, fields: Mapping[str, str], actor: str) -> None:
    from bot.outreach import views

    with session_scope() as session:
        getattr(views, handler_name)(session, fields, actor)


def register_outreach_routes(bp: Blueprint) -> None:
    @bp.route("/outreach", methods=["GET"])
    @agent_required
    async def outreach_page(request: Request) -> HTTPResponse:
        session = request.ctx.console_session
        html = await asyncio.to_thread(_page, session.lang, signer().csrf_token(session))
        return response.html(html)

    async def _post(request: Request, handler_name: str) -> HTTPResponse:
        fields = {k: v[0] if isinstance(v, list) else v for k, v in (request.form or {}).items()}
        try:
            await asyncio.to_thread(_apply, handler_name, fields, f"agent:{request.ctx.console_session.username}")
        except ValueError as exc:  # bad input changes nothing and says why
            return response.redirect(f"{BASE_PATH}/outreach?err={quote(str(exc))}")
        return response.redirect(f"{BASE_PATH}/outreach?msg=ok")

    @bp.route("/outreach/pause", methods=["POST"])
    @agent_required
    async def outreach_pause(request: Request) -> HTTPResponse:
        return await _post(request, "handle_pause_form")

    @bp.route("/outreach/resume", methods=["POST"])
    @agent_required
    async def outreach_resume(request: Request) -> HTTPResponse:
        return await _post(request, "handle_resume_form")
