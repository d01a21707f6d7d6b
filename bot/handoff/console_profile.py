"""Debtor search (``/debtors?q=``) and profile (``/debtors/<id>``) pages of the console.

Both are audited: a search records that one happened (not what was typed), a profile view
records who read which debtor's file. ``profile_url`` is the link other pages use.
"""
from __future__ import annotations

import asyncio

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk.fmt import local_today
from bot.agentdesk.profile import load_profile, profile_url, search_for_console
from bot.handoff.desk_web import page, register_desk_static
from bot.handoff.web import agent_required

__all__ = ["profile_url", "register_profile_routes"]


def _actor(request: Request) -> str:
    return f"agent:{request.ctx.agent_info.username}"


def register_profile_routes(bp: Blueprint) -> None:
    """Add /debtors, /debtors/<id> and the desk's static files to the console."""
    register_desk_static(bp)

    @bp.route("/debtors", methods=["GET"])
    @agent_required
    async def debtor_search(request: Request) -> HTTPResponse:
        query = (request.args.get("q") or "").strip()[:100]
        hits = await asyncio.to_thread(search_for_console, query, _actor(request)) if query else []
        return page(request, "desk_debtors.html", q=query, hits=hits, searched=bool(query))

    @bp.route("/debtors/<debtor_id:int>", methods=["GET"])
    @agent_required
    async def debtor_profile(request: Request, debtor_id: int) -> HTTPResponse:
        profile = await asyncio.to_thread(load_profile, debtor_id, _actor(request))
        if profile is None:
            return page(request, "desk_message.html", status=404, message="—")
        return page(request, "desk_profile.html", p=profile, today=local_today())
