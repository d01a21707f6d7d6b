"""Console pages for data protection: admins export or erase a debtor, supervisors read the audit.

Registered on the console blueprint with ``register_privacy_routes(bp)``. Roles come from the
agent record (``request.ctx.agent_info.role``); an agent without a role gets neither page.
Every export, erasure and audit view is itself written to the audit log.
"""
from __future__ import annotations

import asyncio
import html
import json
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.web import BASE_PATH, framed, requires
from bot.ledger.db import session_scope
from bot.ledger.repository import audit

ADMIN = frozenset({"admin"})
SUPERVISOR = frozenset({"admin", "supervisor"})


def role_of(request: Request) -> str:
    """The logged-in agent's role, "" when the account has none."""
    return str(getattr(getattr(request.ctx, "agent_info", None), "role", "") or "")


def _actor(request: Request) -> str:
    return f"agent:{request.ctx.console_session.username}"


def export_for_console(debtor_ref: str, actor: str) -> str:
    """The export JSON, recorded as a disclosure to the requesting admin."""
    from bot.privacy.export import export_debtor, export_json
    from bot.privacy.inventory import debtor_keys
    with session_scope() as session:
        document = export_debtor(session, debtor_ref)
        audit(session, actor=actor, action="privacy.export", entity="debtor",
              entity_id=debtor_keys(session, debtor_ref).debtor_id, creditor_id=document["creditor_id"],
              details={"channel": "console"})
    return export_json(document)


def erase_for_console(debtor_ref: str, actor: str) -> list[str]:
    """Run the erasure; the receipt lines for the page."""
    from bot.privacy.erase import erase_debtor
    with session_scope() as session:
        return erase_debtor(session, debtor_ref, actor=actor).lines()


def audit_for_console(debtor_ref: str, actor: str) -> list[dict[str, Any]]:
    """The debtor's audit entries; reading them is audited too."""
    from bot.privacy.audit_view import debtor_audit
    from bot.privacy.inventory import debtor_keys
    with session_scope() as session:
        entries = debtor_audit(session, debtor_ref)
        audit(session, actor=actor, action="privacy.audit_view", entity="debtor",
              entity_id=debtor_keys(session, debtor_ref).debtor_id)
    return entries


def render_page(title: str, body: str) -> str:
    """A small self-contained console page (escaped by the callers)."""
    form = (f'<form method="get" action="{BASE_PATH}/privacy"><label>Debtor reference '
            f'<input name="debtor" required></label> <button>Open</button></form>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="{BASE_PATH}/static/console.css"></head><body>'
            f'<nav><a href="{BASE_PATH}/queue">Back to the queue</a></nav><main><h1>{html.escape(title)}</h1>'
            f'{form}{body}</main></body></html>')


def render_debtor(ref: str, entries: list[dict[str, Any]], admin: bool, csrf: str) -> str:
    """Audit table, plus export and erase buttons for admins."""
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            e["created_at"], e["actor"], e["action"], e.get("conversation_id") or "",
            json.dumps(e["details"], ensure_ascii=False) if e["details"] else "")) + "</tr>"
        for e in entries)
    q = html.escape(ref, quote=True)
    actions = ""
    if admin:
        actions = (f'<p><a href="{BASE_PATH}/privacy/export?debtor={q}">Download export (JSON)</a></p>'
                   f'<form method="post" action="{BASE_PATH}/privacy/erase">'
                   f'<input type="hidden" name="csrf" value="{html.escape(csrf, quote=True)}">'
                   f'<input type="hidden" name="debtor" value="{q}">'
                   f'<label><input type="checkbox" name="confirm" value="yes" required> '
                   f'Erase the personal data of {q} (invoices and payments stay under legal hold)</label> '
                   f'<button>Erase</button></form>')
    return (f"<h2>Debtor {q}</h2>{actions}<table><caption>Audit entries</caption><thead><tr><th>When</th>"
            f"<th>Who</th><th>What</th><th>Conversation</th><th>Details</th></tr></thead><tbody>{rows}"
            f"</tbody></table>")


def register_privacy_routes(bp: Blueprint) -> None:
    """Add /privacy (audit view), /privacy/export and /privacy/erase to the console."""

    @bp.route("/privacy", methods=["GET"])
    @requires("supervisor")
    async def privacy_page(request: Request) -> HTTPResponse:
        ref = (request.args.get("debtor") or "").strip()
        csrf = request.ctx.signer.csrf_token(request.ctx.console_session)
        if not ref:
            return framed(request, render_page("Data protection", ""), "audit")
        try:
            entries = await asyncio.to_thread(audit_for_console, ref, _actor(request))
        except ValueError as exc:
            return framed(request, render_page("Data protection", f"<p role='alert'>{html.escape(str(exc))}</p>"),
                          "audit", status=404)
        return framed(request, render_page("Data protection",
                                           render_debtor(ref, entries, role_of(request) in ADMIN, csrf)), "audit")

    @bp.route("/privacy/export", methods=["GET"])
    @requires("admin")
    async def privacy_export(request: Request) -> HTTPResponse:
        ref = (request.args.get("debtor") or "").strip()
        try:
            text = await asyncio.to_thread(export_for_console, ref, _actor(request))
        except ValueError as exc:
            return response.text(str(exc), status=404)
        safe = "".join(c for c in ref if c.isalnum() or c in "-_") or "debtor"
        return response.text(text, content_type="application/json; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="export-{safe}.json"',
                                      "Cache-Control": "no-store"})

    @bp.route("/privacy/erase", methods=["POST"])
    @requires("admin")
    async def privacy_erase(request: Request) -> HTTPResponse:
        ref = ((request.form or {}).get("debtor") or "").strip()
        if (request.form or {}).get("confirm") != "yes":
            return response.text("tick the confirmation box to erase", status=400)
        try:
            lines = await asyncio.to_thread(erase_for_console, ref, _actor(request))
        except ValueError as exc:
            return response.text(str(exc), status=404)
        body = "<h2>Erasure receipt</h2><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>"
        return framed(request, render_page("Data protection", body), "privacy")
