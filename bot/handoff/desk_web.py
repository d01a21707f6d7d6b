"""Shared by the desk pages (profile, tasks, canned replies, figures): rendering, roles, static files."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk import fmt
from bot.agentdesk.texts import desk_texts
from bot.handoff.console_privacy import SUPERVISOR, role_of
from bot.handoff.web import render

DESK_STATIC = Path(__file__).resolve().parents[1] / "web" / "desk"
DESK_FILES = {"desk.css": "text/css", "desk.js": "application/javascript"}


@dataclass(frozen=True)
class Formats:
    """Money and dates for the templates, in the console language and the creditor's time zone."""

    lang: str

    def money(self, amount: Decimal | None, currency: str = "EUR") -> str:
        return fmt.money(amount, self.lang, currency)

    def day(self, value: date | None) -> str:
        return fmt.day(value, self.lang)

    def when(self, moment: datetime | None) -> str:
        return fmt.when(moment, self.lang)

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        d = desk_texts(self.lang)
        if seconds < 60:
            return f"{int(seconds)} {d['seconds_short']}"
        return f"{round(seconds / 60)} {d['minutes_short']}"


def is_supervisor(request: Request) -> bool:
    """Supervisors and admins (the role on the agent account)."""
    return role_of(request) in SUPERVISOR


def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTTPResponse:
    """Render a desk page with its wording (``d``), formats (``f``) and the logged-in agent."""
    session = request.ctx.console_session
    return render(template, session, request.ctx.signer, status=status, d=desk_texts(session.lang),
                  f=Formats(session.lang), agent=request.ctx.agent_info, supervisor=is_supervisor(request), **ctx)


def forbidden(request: Request) -> HTTPResponse:
    """403 page saying, in the console language, that the page is for supervisors only."""
    return page(request, "desk_message.html", status=403, message=desk_texts(request.ctx.console_session.lang)
                ["supervisors_only"])


def register_desk_static(bp: Blueprint) -> None:
    """``/desk/<name>``: the desk's script and style sheet (the CSP allows only same-origin files)."""

    @bp.route("/desk/<name>", methods=["GET"])
    async def desk_static(request: Request, name: str) -> HTTPResponse:
        if name not in DESK_FILES:
            return response.text("not found", status=404)
        return await response.file(str(DESK_STATIC / name), mime_type=DESK_FILES[name])
