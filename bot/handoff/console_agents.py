"""Per-agent figures for supervisors (``/agents?from=YYYY-MM-DD&to=YYYY-MM-DD``, default last 30 days).

The period is in the creditor's calendar: ``from`` and ``to`` are whole local days.
"""
from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk.figures import AgentFigures, agent_figures
from bot.agentdesk.fmt import local_today
from bot.creditor import get_creditor
from bot.handoff.desk_web import forbidden, is_supervisor, page
from bot.handoff.web import agent_required
from bot.ledger.db import session_scope

DEFAULT_DAYS = 30


def period(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """The chosen local days (inclusive); bad or missing values fall back to the last 30 days."""
    try:
        until = date.fromisoformat(raw_to) if raw_to else today
    except ValueError:
        until = today
    try:
        since = date.fromisoformat(raw_from) if raw_from else until - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        since = until - timedelta(days=DEFAULT_DAYS - 1)
    return (since, until) if since <= until else (until, since)


def utc_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """Local midnight of ``since`` to local midnight after ``until``, as naive UTC (how times are stored)."""
    zone = ZoneInfo(get_creditor().timezone)

    def utc(d: date) -> datetime:
        return datetime.combine(d, time(0), zone).astimezone(timezone.utc).replace(tzinfo=None)

    return utc(since), utc(until + timedelta(days=1))


def figures_for(since: date, until: date) -> list[AgentFigures]:
    """Per-agent figures for the local days ``since`` to ``until``, both included."""
    start, end = utc_bounds(since, until)
    with session_scope() as session:
        return agent_figures(session, start, end)


def register_agent_routes(bp: Blueprint) -> None:
    """Add /agents (supervisors and admins) to the console."""

    @bp.route("/agents", methods=["GET"])
    @agent_required
    async def agents_page(request: Request) -> HTTPResponse:
        if not is_supervisor(request):
            return forbidden(request)
        since, until = period(request.args.get("from"), request.args.get("to"), local_today())
        rows = await asyncio.to_thread(figures_for, since, until)
        return page(request, "desk_agents.html", rows=rows, since=since, until=until)
