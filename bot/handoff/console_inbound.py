"""Console page of what could not be processed or delivered, with a retry button per row.

Mounted by ``register_inbound_routes(bp)`` on the console blueprint (``/console/inbound``);
every logged-in agent sees it (these are debtors waiting for an answer); a retry is
audited. The data comes from ``bot.channels.dead_letters``.
"""
from __future__ import annotations

import asyncio
from html import escape

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.dead_letters import DeadLetter, dead_letters, retry
from bot.handoff.web import BASE_PATH, agent_required
from bot.ledger.db import session_scope
from bot.ledger.repository import audit
from bot.logs import mask_text

KIND_LABEL = {"inbound": "Message not processed", "outbound": "Reply not delivered"}


def render_inbound_page(letters: list[DeadLetter], csrf: str, message: str = "") -> str:
    """The dead-letter table; every value escaped (texts come from strangers)."""
    hidden = f'<input type="hidden" name="csrf" value="{escape(csrf, quote=True)}">'
    rows = "".join(
        f"<tr><td>{escape(letter.at.strftime('%Y-%m-%d %H:%M'))}</td><td>{KIND_LABEL[letter.kind]}</td>"
        f"<td>{escape(letter.channel)}</td><td>{escape(mask_text(letter.conversation_id or ''))}</td>"
        f"<td>{escape(letter.preview)}</td><td>{letter.attempts}</td><td>{escape(letter.error)}</td>"
        f'<td><form method="post" action="{BASE_PATH}/inbound/{letter.kind}/{letter.id}/retry">{hidden}'
        f'<button type="submit">Retry</button></form></td></tr>'
        for letter in letters)
    head = "".join(f'<th scope="col">{h}</th>' for h in
                   ("When", "What", "Channel", "Conversation", "Text", "Attempts", "Last error", ""))
    table = (f"<table><caption>Given up after the retries</caption><thead><tr>{head}</tr></thead>"
             f"<tbody>{rows}</tbody></table>") if letters else "<p>Nothing waiting: every message was processed and delivered.</p>"
    note = f'<p role="status">{escape(message)}</p>' if message else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Undelivered messages</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="stylesheet" href="{BASE_PATH}/static/console.css"></head><body>'
            f'<nav><a href="{BASE_PATH}/queue">Back to the queue</a></nav><main><h1>Undelivered messages</h1>'
            f"{note}{table}</main></body></html>")


def _load() -> list[DeadLetter]:
    with session_scope() as session:
        return dead_letters(session)


def _retry(kind: str, row_id: int, actor: str) -> bool:
    with session_scope() as session:
        done = retry(session, kind, row_id)
        if done:
            audit(session, actor=actor, action=f"channels.retry_{kind}", entity=f"{kind}_update", entity_id=row_id)
        return done


def register_inbound_routes(bp: Blueprint) -> None:
    """Add /inbound (dead letters) and /inbound/<kind>/<id>/retry to the console."""

    @bp.route("/inbound", methods=["GET"])
    @agent_required
    async def inbound_page(request: Request) -> HTTPResponse:
        letters = await asyncio.to_thread(_load)
        csrf = request.ctx.signer.csrf_token(request.ctx.console_session)
        message = "Put back in line." if request.args.get("msg") == "retried" else ""
        return response.html(render_inbound_page(letters, csrf, message), headers={"Cache-Control": "no-store"})

    @bp.route("/inbound/<kind:str>/<row_id:int>/retry", methods=["POST"])
    @agent_required
    async def inbound_retry(request: Request, kind: str, row_id: int) -> HTTPResponse:
        actor = f"agent:{request.ctx.console_session.username}"
        if not await asyncio.to_thread(_retry, kind, row_id, actor):
            return response.text("no such message waiting", status=404)
        return response.redirect(f"{BASE_PATH}/inbound?msg=retried")
