"""Console pages for proactive outreach: the schedule, what was sent or skipped, pauses (supervisors)."""
from __future__ import annotations

import asyncio
from typing import Mapping

from markupsafe import Markup
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.web import BASE_PATH, render, requires
from bot.ledger.db import session_scope

# Codes the page may show after a redirect (never free text from the URL).
FLASH = {"ok": {"it": "Fatto.", "en": "Done."}}


def _body(lang: str, csrf: str) -> str:
    from bot.outreach.views import render_outreach_page

    with session_scope() as session:
        return render_outreach_page(session, lang, csrf_token=csrf, inline_style=False)


def _apply(handler_name: str, fields: Mapping[str, str], actor: str) -> None:
    from bot.outreach import views

    with session_scope() as session:
        getattr(views, handler_name)(session, fields, actor)


def register_outreach_routes(bp: Blueprint) -> None:
    """/outreach (page), /outreach/pause and /outreach/resume (forms)."""

    @bp.route("/outreach", methods=["GET"])
    @requires("supervisor")
    async def outreach_page(request: Request) -> HTTPResponse:
        session, sign = request.ctx.console_session, request.ctx.signer
        body = await asyncio.to_thread(_body, session.lang, sign.csrf_token(session))
        done = FLASH.get(request.args.get("msg", ""), {}).get(session.lang)
        return render("page.html", session, sign, body=Markup(body), agent=request.ctx.agent_info,
                      active="outreach", page_msg=done)

    async def _post(request: Request, handler_name: str) -> HTTPResponse:
        fields = {k: v[0] if isinstance(v, list) else v for k, v in (request.form or {}).items()}
        try:
            await asyncio.to_thread(_apply, handler_name, fields, f"agent:{request.ctx.console_session.username}")
        except ValueError as exc:  # bad input changes nothing and says why, on the page itself
            session, sign = request.ctx.console_session, request.ctx.signer
            body = await asyncio.to_thread(_body, session.lang, sign.csrf_token(session))
            return render("page.html", session, sign, status=400, body=Markup(body), agent=request.ctx.agent_info,
                          active="outreach", page_err=str(exc))
        return response.redirect(f"{BASE_PATH}/outreach?msg=ok")

    @bp.route("/outreach/pause", methods=["POST"])
    @requires("supervisor")
    async def outreach_pause(request: Request) -> HTTPResponse:
        return await _post(request, "handle_pause_form")

    @bp.route("/outreach/resume", methods=["POST"])
    @requires("supervisor")
    async def outreach_resume(request: Request) -> HTTPResponse:
        return await _post(request, "handle_resume_form")
