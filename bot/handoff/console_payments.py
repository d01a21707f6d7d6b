"""Console page for bank-statement lines that wait for a person: accept, reassign, reject.

Mounted by ``register_payments_routes(bp)`` on the console blueprint (``/console/payments``);
the decisions are ``bot.statements.review`` functions, so the page holds no logic.
"""
from __future__ import annotations

import asyncio
import json
from html import escape
from typing import Mapping
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.handoff.web import BASE_PATH, framed, requires
from bot.ledger.db import session_scope
from bot.ledger.models import Invoice

TEXTS = {
    "it": {"title": "Pagamenti da verificare", "back": "Torna alla coda", "date": "Data", "amount": "Importo",
           "text": "Causale", "payer": "Ordinante", "proposal": "Proposta", "why": "Motivo", "act": "Azioni",
           "accept": "Accetta", "reassign": "Assegna a fattura", "reject": "Rifiuta", "none": "Nessuna riga da verificare.",
           "invoice": "Numero fattura", "share": "Importo (facoltativo)"},
    "en": {"title": "Payments to review", "back": "Back to the queue", "date": "Date", "amount": "Amount",
           "text": "Remittance", "payer": "Payer", "proposal": "Proposal", "why": "Reason", "act": "Actions",
           "accept": "Accept", "reassign": "Assign to invoice", "reject": "Reject", "none": "Nothing to review.",
           "invoice": "Invoice number", "share": "Amount (optional)"},
}


def render_payments_page(session: Session, lang: str, csrf: str, message: str = "") -> str:
    """The review table; every value escaped (remittance texts come from strangers)."""
    from bot.statements.review import pending

    t = TEXTS.get(lang, TEXTS["en"])
    hidden = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    rows = []
    for line in pending(session):
        proposal = []
        for alloc in json.loads(line.allocations or "[]"):
            inv = session.get(Invoice, int(alloc["invoice_id"]))
            proposal.append(f"{escape(inv.invoice_number if inv else '?')}: {escape(alloc['amount'])}")
        base = f"{BASE_PATH}/payments/{line.id}"
        accept = (f'<form method="post" action="{base}/accept">{hidden}<button type="submit">{t["accept"]}</button></form>'
                  if proposal else "")
        rows.append(
            f"<tr><td>{line.booked_on}</td><td>{escape(str(line.amount))} {escape(line.currency)}</td>"
            f"<td>{escape(line.remittance)}</td><td>{escape(line.counterparty)}</td><td>{'<br>'.join(proposal)}</td>"
            f"<td>{escape(line.reason)} ({line.confidence:.2f})</td><td>{accept}"
            f'<form method="post" action="{base}/reassign">{hidden}'
            f'<label>{t["invoice"]} <input name="invoice" required></label> '
            f'<label>{t["share"]} <input name="amount" inputmode="decimal"></label> '
            f'<button type="submit">{t["reassign"]}</button></form>'
            f'<form method="post" action="{base}/reject">{hidden}<button type="submit">{t["reject"]}</button></form>'
            f"</td></tr>")
    head = "".join(f"<th scope=\"col\">{t[k]}</th>" for k in ("date", "amount", "text", "payer", "proposal", "why", "act"))
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>" if rows else f"<p>{t['none']}</p>"
    note = f'<p role="status">{escape(message)}</p>' if message else ""
    return (f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{t["title"]}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="stylesheet" href="{BASE_PATH}/static/console.css"></head><body>'
            f'<nav><a href="{BASE_PATH}/queue">{t["back"]}</a></nav><main><h1>{t["title"]}</h1>{note}{table}</main></body></html>')


def decide(line_id: int, action: str, fields: Mapping[str, str], actor: str) -> None:
    """Run one review decision in its own transaction (ValueError: nothing changed)."""
    from bot.statements import review

    with session_scope() as session:
        if action == "accept":
            review.accept(session, line_id, actor)
        elif action == "reassign":
            review.reassign(session, line_id, fields.get("invoice", "")[:64], actor, fields.get("amount") or None)
        elif action == "reject":
            review.reject(session, line_id, actor, fields.get("note", "")[:150])
        else:
            raise ValueError("unknown action")


def _page(lang: str, csrf: str, message: str) -> str:
    with session_scope() as session:
        return render_payments_page(session, lang, csrf, message)


def register_payments_routes(bp: Blueprint) -> None:
    """Add ``GET /payments`` and ``POST /payments/<id>/<accept|reassign|reject>``."""

    @bp.route("/payments", methods=["GET"])
    @requires("supervisor")
    async def payments_page(request: Request) -> HTTPResponse:
        session = request.ctx.console_session
        message = (request.args.get("err") or request.args.get("msg") or "")[:200]
        html = await asyncio.to_thread(_page, session.lang, request.ctx.signer.csrf_token(session), message)
        return framed(request, html, "payments")

    @bp.route("/payments/<line_id:int>/<action:str>", methods=["POST"])
    @requires("supervisor")
    async def payments_decide(request: Request, line_id: int, action: str) -> HTTPResponse:
        fields = {k: v[0] if isinstance(v, list) else v for k, v in (request.form or {}).items()}
        try:
            await asyncio.to_thread(decide, line_id, action, fields, f"agent:{request.ctx.console_session.username}")
        except ValueError as exc:
            return response.redirect(f"{BASE_PATH}/payments?err={quote(str(exc))}")
        return response.redirect(f"{BASE_PATH}/payments?msg=ok")
