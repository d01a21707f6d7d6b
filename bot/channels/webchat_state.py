"""What the web chat server knows about one browser's visit: device, link, verification, agent.

- **Device token.** The server issues every browser an opaque random id in an HttpOnly
  cookie (``SameSite=Lax`` on http, ``SameSite=None; Secure`` on https so the widget also
  works embedded in another site). The conversation id is derived from the link *and* this
  id, so verification binds to the browser that did it: the same link in another browser
  opens its own, unverified conversation and sees none of this one's history.
- **Verification** is read from the server-side record (``bot.security.verified``), never
  from anything the client sends; the invoice page shows amounts only to a verified browser.
- **Offered buttons.** A tap sends a payload and a title; the transcript records the title
  only if the bot really offered that button in its last turn (else the raw payload).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from bot.ledger.states import HandoffStatus
from bot.channels.tokens import WebchatClaims, new_device_id, valid_device_id
from bot.channels.webchat_hub import HUB
from bot.ledger.db import session_scope
from bot.ledger.models import Agent, Debtor, Handoff, TranscriptMessage
from bot.settings import get_settings

DEVICE_COOKIE = "ccw_device"
DEVICE_COOKIE_PATH = "/webhooks/webchat/"
DEVICE_COOKIE_DAYS = 90
LAST_TURN_ROWS = 40   # a bot turn is a handful of messages; this bounds the lookup


# --- device token ------------------------------------------------------------------------
def device_of(request: Request) -> tuple[str, bool]:
    """The browser's device token and whether it was issued just now (no valid cookie came)."""
    value = request.cookies.get(DEVICE_COOKIE)
    if valid_device_id(value):
        return str(value), False
    return new_device_id(), True


def _secure(request: Request) -> bool:
    return request.scheme == "https" or get_settings().public_base_url.startswith("https://")


def set_device_cookie(response: HTTPResponse, request: Request, device: str) -> HTTPResponse:
    """Attach the device cookie: HttpOnly always, Secure and cross-site capable on https."""
    response.cookies[DEVICE_COOKIE] = device
    cookie = response.cookies[DEVICE_COOKIE]
    cookie["httponly"] = True
    cookie["path"] = DEVICE_COOKIE_PATH
    cookie["max-age"] = DEVICE_COOKIE_DAYS * 86400
    if _secure(request):
        cookie["secure"] = True
        cookie["samesite"] = "None"
    else:
        cookie["samesite"] = "Lax"
    return response


# --- verification -------------------------------------------------------------------------
def is_verified(conversation_id: str, claims: WebchatClaims) -> bool:
    """True when this browser's conversation is verified, server-side, for the link's debtor."""
    from bot.security.verified import verified_debtor

    with session_scope() as session:
        debtor = verified_debtor(session, conversation_id, datetime.utcnow())
        if debtor is None:
            return False
        link_debtor = session.execute(
            select(Debtor.id).where(Debtor.debtor_ref == claims.debtor_ref)).scalar_one_or_none()
        return link_debtor is not None and int(link_debtor) == debtor


# --- the agent who has the conversation ---------------------------------------------------
def agent_names(conversation_id: str) -> tuple[str | None, str | None]:
    """(name of the agent who has the conversation now, name of the latest agent who had it)."""
    with session_scope() as session:
        row = session.execute(
            select(Handoff.status, Agent.display_name)
            .join(Agent, Agent.username == Handoff.assigned_to)
            .where(Handoff.conversation_id == conversation_id)
            .order_by(Handoff.id.desc()).limit(1)
        ).first()
    if row is None:
        return None, None
    status, name = row
    return (name if status == HandoffStatus.ASSIGNED else None), name


# --- buttons the bot really offered ------------------------------------------------------
def _transcript_offer(conversation_id: str) -> list[dict[str, str]]:
    """Buttons of every message of the last bot turn (after the debtor's last message)."""
    with session_scope() as session:
        latest = session.execute(
            select(TranscriptMessage.id, TranscriptMessage.sender, TranscriptMessage.text)
            .where(TranscriptMessage.conversation_id == conversation_id)
            .order_by(TranscriptMessage.id.desc()).limit(LAST_TURN_ROWS)).all()
    rows = [tuple(r) for r in reversed(latest)]
    turn: list[tuple[int, str, str]] = []
    for row in rows:
        if row[1] == "debtor":
            turn = []
        elif row[1] in ("bot", "agent"):
            turn.append(row)
    buttons: list[dict[str, str]] = []
    for record_id, sender, text in turn:
        buttons.extend(HUB.rich_for(conversation_id, record_id, sender, text).get("buttons", []))
    return buttons


async def _tracker_offer(agent: Any, conversation_id: str) -> list[dict[str, str]]:
    """Buttons of the bot messages since the last user message in Rasa's tracker, if there is one."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    from bot.rasa.typed_buttons import offered

    tracker = await store.retrieve(conversation_id)
    return [] if tracker is None else offered(tracker)


def title_for(payload: str, offered: Iterable[dict[str, Any]]) -> str | None:
    """The title of the offered button with this payload, or None if none was offered."""
    for button in offered:
        if str(button.get("payload") or "").strip() == payload:
            return str(button.get("title") or "").strip() or None
    return None


async def offered_buttons(request: Request, conversation_id: str) -> list[dict[str, str]]:
    """What the bot offered in its last turn: Rasa's tracker (any process) and this process's memory."""
    import asyncio

    agent = getattr(request.app.ctx, "agent", None)
    try:
        from_tracker = await _tracker_offer(agent, conversation_id)
    except Exception:  # noqa: BLE001 - an unreachable tracker store must not stop the message
        from_tracker = []
    return from_tracker + await asyncio.to_thread(_transcript_offer, conversation_id)
