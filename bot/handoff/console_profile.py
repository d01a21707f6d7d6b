"""Debtor search (``/debtors?q=``) and profile (``/debtors/<id>``) pages of the console.

Both are audited: a search records that one happened (not what was typed), a profile view
records who read which debtor's file. ``profile_url`` is the link other pages use.

An open profile stays current: ``/debtors/<id>/stream`` sends a fingerprint of everything the
page shows (``profile_version``, read without an audit entry) whenever it changes; the page then
fetches itself again (an audited view, once per change) and swaps the sections that differ.
Payments, promises and the rest can be written by any process and raise no live event, so
the stream re-reads on the console's short timer (``streams.POLL_SECONDS``) as well.
"""
from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.agentdesk.fmt import local_today
from bot.agentdesk.profile import conversation_ids, load_profile, profile_url, search_for_console
from bot.handoff import events, streams
from bot.handoff.console_tasks import TASKS_TOPIC
from bot.handoff.desk_web import page, register_desk_static
from bot.handoff.web import agent_required
from bot.ledger.db import session_scope
from bot.ledger.models import (
    ContactPreference, Conversation, Debtor, Dispute, FollowUpTask, Handoff, Invoice, NpsResponse, Payment,
    PaymentPlan, PlanInstalment, PromiseToPay, ReconciliationCase,
)

__all__ = ["profile_url", "register_profile_routes"]


def _actor(request: Request) -> str:
    return f"agent:{request.ctx.agent_info.username}"


def _rows(session: Session, model: Any, *where: Any) -> list[tuple]:
    columns = [c.key for c in model.__table__.columns]
    return [tuple(getattr(r, c) for c in columns)
            for r in session.execute(select(model).where(*where).order_by(model.id)).scalars()]


def profile_version(debtor_id: int) -> str | None:
    """A fingerprint of every row the profile shows (``None`` for an unknown debtor); not audited."""
    with session_scope() as session:
        debtor = session.get(Debtor, debtor_id)
        if debtor is None:
            return None
        cids = conversation_ids(session, debtor_id)
        invoices = _rows(session, Invoice, Invoice.debtor_id == debtor_id)
        invoice_ids = list(session.execute(select(Invoice.id).where(Invoice.debtor_id == debtor_id)).scalars())
        plans = _rows(session, PaymentPlan, PaymentPlan.debtor_id == debtor_id)
        parts = [
            _rows(session, Debtor, Debtor.id == debtor_id), invoices,
            _rows(session, Payment, Payment.invoice_id.in_(invoice_ids)), plans,
            _rows(session, PlanInstalment, PlanInstalment.plan_id.in_(
                select(PaymentPlan.id).where(PaymentPlan.debtor_id == debtor_id))),
            _rows(session, PromiseToPay, PromiseToPay.debtor_id == debtor_id),
            _rows(session, Dispute, Dispute.invoice_id.in_(invoice_ids)),
            _rows(session, ReconciliationCase, ReconciliationCase.invoice_id.in_(invoice_ids)),
            _rows(session, ContactPreference, ContactPreference.debtor_id == debtor_id),
            _rows(session, NpsResponse, NpsResponse.debtor_id == debtor_id),
            _rows(session, FollowUpTask, FollowUpTask.debtor_id == debtor_id), cids,
            [(c.conversation_id, c.channel, c.created_at, c.last_inbound_at) for c in session.execute(
                select(Conversation).where(Conversation.conversation_id.in_(cids))).scalars()],
            _rows(session, Handoff, Handoff.conversation_id.in_(cids)),
        ]
        return streams.fingerprint(parts)


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
        version = await asyncio.to_thread(profile_version, debtor_id)
        profile = await asyncio.to_thread(load_profile, debtor_id, _actor(request))
        if profile is None:
            return page(request, "desk_message.html", status=404, message="—")
        return page(request, "desk_profile.html", p=profile, today=local_today(), version=version or "")

    @bp.route("/debtors/<debtor_id:int>/stream", methods=["GET"])
    @agent_required
    async def debtor_profile_stream(request: Request, debtor_id: int) -> None:
        """Server-sent fingerprints of the profile: the page reloads its sections when one differs."""

        async def produce() -> dict:
            return {"version": await asyncio.to_thread(profile_version, debtor_id) or ""}

        await streams.sse(request, produce, (TASKS_TOPIC, events.QUEUE_TOPIC), poll=streams.POLL_SECONDS)
