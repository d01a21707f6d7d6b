"""Web chat widget channel: signed invoice-page tokens, origin checks, long-poll delivery.

Routes under ``/webhooks/webchat/``: ``widget.js``/``widget.css`` (static), ``demo`` (the
demo invoice page), ``history`` and ``events`` (transcript rows and the agent's typing
signal, long-polled), ``message``
(the debtor speaks). Every call but the static files needs ``Authorization: Bearer
<token>``; the conversation id is derived from the verified token and the browser's device
cookie (``bot.channels.webchat_state``), never sent by the client. Revoked links
(``python -m bot webchat revoke``) are refused like expired ones.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.demo_page import WEB_DIR, PageView, load_page, render_details, render_error, render_page
from bot.channels.formatting import Reply
from bot.channels import durable
from bot.channels.inbound import MAX_INBOUND_CHARS, InboundMessage
from bot.channels.outbound import ChannelOutput, PushTarget
from bot.channels.tokens import InvalidToken, WebchatClaims, conversation_id_for, verify_token
from bot.channels.webchat_hub import HUB
from bot.channels.webchat_links import is_revoked
from bot.channels.webchat_state import (agent_names, device_of, is_verified, offered_buttons, set_device_cookie,
                                        title_for)
from bot.ledger.db import session_scope
from bot.logs import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)

START_TEXT = "/start"      # what the transcript shows when the widget opens a new conversation
LONG_POLL_SECONDS = 25.0
DB_RECHECK_SECONDS = 2.0   # other processes (the console) may write the transcript too
VISIBLE_SENDERS = ("debtor", "bot", "agent")
MAX_PAYLOAD_CHARS = 200
PAGE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def configured() -> bool:
    """True when the token secret and the allowed origins are both set; the routes answer 503 otherwise."""
    s = get_settings()
    return bool(s.webchat_token_secret and s.webchat_allowed_origins)


class WebchatOutput(ChannelOutput):
    channel_name = "webchat"

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        HUB.remember(record_id, reply)
        HUB.notify(recipient_id)


async def push(target: PushTarget, reply: Reply) -> None:
    """Show a pushed reply (agent, reminder) in the widget: keep its buttons and wake the widgets that are open."""
    # The caller records the transcript row; open widgets fetch it now, others on reconnect.
    HUB.remember_push(target.conversation_id, reply)
    HUB.notify(target.conversation_id)
    asyncio.get_running_loop().call_later(0.5, HUB.notify, target.conversation_id)


def output_for(conversation_id: str) -> OutputChannel:
    """The web chat output: replies are recorded and open widgets woken, nothing is sent out."""
    return WebchatOutput()


# --- helpers ----------------------------------------------------------------------------
def _cors_headers(request: Request) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if origin and origin in get_settings().webchat_allowed_origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Headers": "Authorization, Content-Type",
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS", "Access-Control-Max-Age": "600"}
    return {}


def _origin_allowed(request: Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin in get_settings().webchat_allowed_origins


def _claims(request: Request) -> WebchatClaims:
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    return verify_token(token, get_settings().webchat_token_secret)


def check_not_revoked(claims: WebchatClaims) -> None:
    """Raise ``InvalidToken`` for a revoked link (the database is shared by every process)."""
    with session_scope() as session:
        if is_revoked(session, claims):
            raise InvalidToken("revoked")


class Visit:
    """One request's link claims, the browser's device token and the conversation they name."""

    def __init__(self, claims: WebchatClaims, device: str, new_device: bool) -> None:
        self.claims, self.device, self.new_device = claims, device, new_device
        self.conversation_id = conversation_id_for(claims, get_settings().webchat_token_secret, device)

    def reply(self, request: Request, body: dict[str, Any], status: int = 200) -> HTTPResponse:
        resp = response.json(body, status=status, headers=_cors_headers(request))
        return set_device_cookie(resp, request, self.device) if self.new_device else resp


def _rows(conversation_id: str, after: int) -> list[dict[str, Any]]:
    from bot.conversations import transcript

    with session_scope() as session:
        rows = [(m.id, m.sender, m.text) for m in transcript(session, conversation_id, after_id=after)]
    agent_now, agent_last = agent_names(conversation_id) if any(r[1] == "agent" for r in rows) else (None, None)
    messages = []
    for record_id, sender, text in rows:
        if sender not in VISIBLE_SENDERS or (sender == "debtor" and text == START_TEXT):
            continue
        rich = HUB.rich_for(conversation_id, record_id, sender, text) if sender != "debtor" else {"text": text}
        item = {"id": record_id, "sender": sender, "text": rich["text"], "buttons": rich.get("buttons", [])}
        if sender == "agent" and (agent_now or agent_last):
            item["agent_name"] = agent_now or agent_last
        messages.append(item)
    return messages


def _state(conversation_id: str, claims: WebchatClaims) -> dict[str, Any]:
    """What the widget header and the invoice page need: verified or not, who is answering."""
    agent_now, _ = agent_names(conversation_id)
    return {"verified": is_verified(conversation_id, claims), "agent": {"name": agent_now} if agent_now else None}


def _last_id(rows: list[dict[str, Any]], after: int) -> int:
    return max([after, *(r["id"] for r in rows)])


def _int_arg(request: Request, name: str, default: int) -> int:
    try:
        return max(int(request.args.get(name, default)), 0)
    except (TypeError, ValueError):
        return default


class WebchatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def get_output_channel(self) -> OutputChannel | None:
        return WebchatOutput()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat_webhook", __name__)

        async def guard(request: Request) -> Visit | HTTPResponse:
            """The request's visit (link + device), or the reply to give instead (a preflight, a refusal)."""
            headers = _cors_headers(request)
            if request.method == "OPTIONS":
                return response.empty(headers=headers)
            if not configured():
                return response.json({"error": "channel not configured"}, status=503, headers=headers)
            if not _origin_allowed(request):
                log.warning("webchat refused origin=%s", request.headers.get("Origin"))
                return response.json({"error": "origin not allowed"}, status=403)
            try:
                claims = _claims(request)
                await asyncio.to_thread(check_not_revoked, claims)
            except InvalidToken as exc:
                log.info("webchat token refused: %s", exc)
                return response.json({"error": "invalid or expired link"}, status=401, headers=headers)
            return Visit(claims, *device_of(request))

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if configured() else "not configured"})

        @bp.route("/widget.js", methods=["GET"])
        async def widget_js(_: Request) -> HTTPResponse:
            return await response.file(str(WEB_DIR / "widget.js"), mime_type="application/javascript",
                                       headers={"Cache-Control": "public, max-age=300"})

        @bp.route("/widget.css", methods=["GET"])
        async def widget_css(_: Request) -> HTTPResponse:
            return await response.file(str(WEB_DIR / "widget.css"), mime_type="text/css",
                                       headers={"Cache-Control": "public, max-age=300"})

        async def page_visit(request: Request) -> Visit | HTTPResponse:
            """The visit of a demo page request (token in the query), or the error page to show."""
            if not configured():
                return response.json({"error": "channel not configured"}, status=503)
            try:
                claims = verify_token(request.args.get("token", ""), get_settings().webchat_token_secret)
                await asyncio.to_thread(check_not_revoked, claims)
            except InvalidToken:
                return response.html(render_error(), status=403, headers=PAGE_HEADERS)
            return Visit(claims, *device_of(request))

        async def page_view(visit: Visit) -> PageView | None:
            verified = await asyncio.to_thread(is_verified, visit.conversation_id, visit.claims)
            return await asyncio.to_thread(load_page, visit.claims, verified)

        @bp.route("/demo", methods=["GET"])
        async def demo(request: Request) -> HTTPResponse:
            visit = await page_visit(request)
            if isinstance(visit, HTTPResponse):
                return visit
            view = await page_view(visit)
            if view is None:
                return response.html(render_error(visit.claims.language or "it"), status=404, headers=PAGE_HEADERS)
            from bot.creditor import get_creditor

            page = render_page(view, request.args.get("token", ""), get_creditor().name,
                               "/webhooks/webchat/widget.js")
            resp = response.html(page, headers=PAGE_HEADERS)
            return set_device_cookie(resp, request, visit.device) if visit.new_device else resp

        @bp.route("/demo/details", methods=["GET"])
        async def demo_details(request: Request) -> HTTPResponse:
            # The page asks again once the widget reports the browser verified (no reload).
            visit = await page_visit(request)
            if isinstance(visit, HTTPResponse):
                return visit
            view = await page_view(visit)
            if view is None:
                return response.html("", status=404, headers=PAGE_HEADERS)
            return response.html(render_details(view), headers=PAGE_HEADERS)

        @bp.route("/history", methods=["GET", "OPTIONS"])
        async def history(request: Request) -> HTTPResponse:
            visit = await guard(request)
            if isinstance(visit, HTTPResponse):
                return visit
            claims = visit.claims
            rows = await asyncio.to_thread(_rows, visit.conversation_id, 0)
            body = {"invoice": claims.invoice_number, "language": claims.language, "messages": rows,
                    "last_id": _last_id(rows, 0), "max_chars": MAX_INBOUND_CHARS,
                    **await asyncio.to_thread(_state, visit.conversation_id, claims)}
            return visit.reply(request, body)

        @bp.route("/events", methods=["GET", "OPTIONS"])
        async def events(request: Request) -> HTTPResponse:
            visit = await guard(request)
            if isinstance(visit, HTTPResponse):
                return visit
            conversation_id = visit.conversation_id
            after = _int_arg(request, "after", 0)
            wait = min(float(_int_arg(request, "wait", int(LONG_POLL_SECONDS))), LONG_POLL_SECONDS)
            typing_seen = _int_arg(request, "typing", 0)  # the agent typing signal the widget already shows
            deadline = time.monotonic() + wait
            rows = await asyncio.to_thread(_rows, conversation_id, after)
            while not rows and HUB.typing_id(conversation_id) <= typing_seen and \
                    (remaining := deadline - time.monotonic()) > 0:
                await HUB.wait(conversation_id, min(remaining, DB_RECHECK_SECONDS))
                rows = await asyncio.to_thread(_rows, conversation_id, after)
            body = {"messages": rows, "last_id": _last_id(rows, after),
                    **await asyncio.to_thread(_state, conversation_id, visit.claims)}
            typing_id = HUB.typing_id(conversation_id)
            if typing_id > typing_seen:
                # With messages the typing is over: the widget notes the signal as seen, not shown.
                body["typing"] = {"id": typing_id, "done": bool(rows)}
            return visit.reply(request, body)

        @bp.route("/message", methods=["POST", "OPTIONS"])
        async def message(request: Request) -> HTTPResponse:
            visit = await guard(request)
            if isinstance(visit, HTTPResponse):
                return visit
            try:
                body = request.json or {}
            except InvalidUsage:
                body = None
            if not isinstance(body, dict):
                return visit.reply(request, {"error": "expected a JSON object"}, status=400)
            conversation_id, claims = visit.conversation_id, visit.claims
            if body.get("start"):
                text, display = "/greet", START_TEXT
            elif isinstance(body.get("payload"), str) and body["payload"].strip():
                text = body["payload"].strip()[:MAX_PAYLOAD_CHARS]
                # A tap shows the title of the button the bot really offered with this payload;
                # a title the client made up (or a payload never offered) is recorded as the raw payload.
                display = title_for(text, await offered_buttons(request, conversation_id)) or text
            elif isinstance(body.get("text"), str) and body["text"].strip():
                text, display = body["text"].strip(), None
            else:
                return visit.reply(request, {"error": "empty message"}, status=400)
            msg = InboundMessage(channel="webchat", conversation_id=conversation_id, text=text, display_text=display,
                                 language_hint=claims.language, link_invoice=claims.invoice_number)
            client_id = body.get("client_id")
            # Stored before it is processed, once per client message id: a resend after a lost
            # answer is recognised, and a failure is retried from the database.
            result = await durable.handle_message_now(msg, client_id if isinstance(client_id, str) else None,
                                                      WebchatOutput(), on_new_message)
            HUB.notify(conversation_id)
            log.info("webchat message conversation=%s result=%s", mask_text(conversation_id), result)
            return visit.reply(request, {"ok": True, "result": result})

        return bp
