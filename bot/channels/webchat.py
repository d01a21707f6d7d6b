"""Web chat widget channel: signed invoice-page tokens, origin checks, long-poll delivery.

Routes under ``/webhooks/webchat/``: ``widget.js``/``widget.css`` (static), ``demo`` (the
demo invoice page), ``history`` and ``events`` (transcript rows, long-polled), ``message``
(the debtor speaks). Every call but the static files needs ``Authorization: Bearer
<token>``; the conversation id is derived from the verified token, never sent by the client.
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

from bot.channels.demo_page import WEB_DIR, load_invoice, render_error, render_page
from bot.channels.formatting import Reply
from bot.channels.inbound import MAX_INBOUND_CHARS, InboundMessage, handle_inbound
from bot.channels.outbound import ChannelOutput, PushTarget
from bot.channels.tokens import InvalidToken, WebchatClaims, conversation_id_for, verify_token
from bot.channels.webchat_hub import HUB
from bot.ledger.db import session_scope
from bot.logs import mask_text
from bot.settings import get_settings

log = logging.getLogger(__name__)

START_TEXT = "/start"      # what the transcript shows when the widget opens a new conversation
LONG_POLL_SECONDS = 25.0
DB_RECHECK_SECONDS = 2.0   # other processes (the console) may write the transcript too
VISIBLE_SENDERS = ("debtor", "bot", "agent")
MAX_PAYLOAD_CHARS = 200


def configured() -> bool:
    s = get_settings()
    return bool(s.webchat_token_secret and s.webchat_allowed_origins)


class WebchatOutput(ChannelOutput):
    channel_name = "webchat"

    async def deliver(self, recipient_id: str, reply: Reply, record_id: int) -> None:
        HUB.remember(record_id, reply)
        HUB.notify(recipient_id)


async def push(target: PushTarget, reply: Reply) -> None:
    # The caller records the transcript row; open widgets fetch it now, others on reconnect.
    HUB.remember_push(target.conversation_id, reply)
    HUB.notify(target.conversation_id)
    asyncio.get_running_loop().call_later(0.5, HUB.notify, target.conversation_id)


def output_for(conversation_id: str) -> OutputChannel:
    return WebchatOutput()


# --- helpers ----------------------------------------------------------------------------
def _cors_headers(request: Request) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if origin and origin in get_settings().webchat_allowed_origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
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


def _rows(conversation_id: str, after: int) -> list[dict[str, Any]]:
    from bot.conversations import transcript

    with session_scope() as session:
        rows = [(m.id, m.sender, m.text) for m in transcript(session, conversation_id, after_id=after)]
    messages = []
    for record_id, sender, text in rows:
        if sender not in VISIBLE_SENDERS or (sender == "debtor" and text == START_TEXT):
            continue
        rich = HUB.rich_for(conversation_id, record_id, sender, text) if sender != "debtor" else {"text": text}
        messages.append({"id": record_id, "sender": sender, "text": rich["text"], "buttons": rich.get("buttons", [])})
    return messages


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

        def guard(request: Request) -> tuple[WebchatClaims | None, HTTPResponse | None]:
            """The claims of the request's link, or the reply to give instead (a CORS preflight, a refusal)."""
            headers = _cors_headers(request)
            if request.method == "OPTIONS":
                return None, response.empty(headers=headers)
            if not configured():
                return None, response.json({"error": "channel not configured"}, status=503, headers=headers)
            if not _origin_allowed(request):
                log.warning("webchat refused origin=%s", request.headers.get("Origin"))
                return None, response.json({"error": "origin not allowed"}, status=403)
            try:
                return _claims(request), None
            except InvalidToken as exc:
                log.info("webchat token refused: %s", exc)
                return None, response.json({"error": "invalid or expired link"}, status=401, headers=headers)

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

        @bp.route("/demo", methods=["GET"])
        async def demo(request: Request) -> HTTPResponse:
            if not configured():
                return response.json({"error": "channel not configured"}, status=503)
            token = request.args.get("token", "")
            try:
                claims = verify_token(token, get_settings().webchat_token_secret)
            except InvalidToken:
                return response.html(render_error(), status=403)
            view = await asyncio.to_thread(load_invoice, claims)
            if view is None:
                return response.html(render_error(claims.language or "it"), status=404)
            from bot.creditor import get_creditor

            page = render_page(view, token, get_creditor().name, "/webhooks/webchat/widget.js")
            return response.html(page, headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})

        @bp.route("/history", methods=["GET", "OPTIONS"])
        async def history(request: Request) -> HTTPResponse:
            claims, early_reply = guard(request)
            if early_reply:
                return early_reply
            conversation_id = conversation_id_for(claims, get_settings().webchat_token_secret)
            rows = await asyncio.to_thread(_rows, conversation_id, 0)
            body = {"invoice": claims.invoice_number, "language": claims.language, "messages": rows,
                    "last_id": _last_id(rows, 0), "max_chars": MAX_INBOUND_CHARS}
            return response.json(body, headers=_cors_headers(request))

        @bp.route("/events", methods=["GET", "OPTIONS"])
        async def events(request: Request) -> HTTPResponse:
            claims, early_reply = guard(request)
            if early_reply:
                return early_reply
            conversation_id = conversation_id_for(claims, get_settings().webchat_token_secret)
            after = _int_arg(request, "after", 0)
            wait = min(float(_int_arg(request, "wait", int(LONG_POLL_SECONDS))), LONG_POLL_SECONDS)
            deadline = time.monotonic() + wait
            rows = await asyncio.to_thread(_rows, conversation_id, after)
            while not rows and (remaining := deadline - time.monotonic()) > 0:
                await HUB.wait(conversation_id, min(remaining, DB_RECHECK_SECONDS))
                rows = await asyncio.to_thread(_rows, conversation_id, after)
            return response.json({"messages": rows, "last_id": _last_id(rows, after)}, headers=_cors_headers(request))

        @bp.route("/message", methods=["POST", "OPTIONS"])
        async def message(request: Request) -> HTTPResponse:
            claims, early_reply = guard(request)
            if early_reply:
                return early_reply
            headers = _cors_headers(request)
            try:
                body = request.json or {}
            except InvalidUsage:
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "expected a JSON object"}, status=400, headers=headers)
            secret = get_settings().webchat_token_secret
            conversation_id = conversation_id_for(claims, secret)
            if body.get("start"):
                text, display = "/greet", START_TEXT
            elif isinstance(body.get("payload"), str) and body["payload"].strip():
                text = body["payload"].strip()[:MAX_PAYLOAD_CHARS]  # a button tap: its payload, shown as its title
                display = str(body.get("title") or text)[:MAX_PAYLOAD_CHARS]
            elif isinstance(body.get("text"), str) and body["text"].strip():
                text, display = body["text"].strip(), None
            else:
                return response.json({"error": "empty message"}, status=400, headers=headers)
            msg = InboundMessage(channel="webchat", conversation_id=conversation_id, text=text, display_text=display,
                                 language_hint=claims.language, link_invoice=claims.invoice_number)
            result = await handle_inbound(msg, WebchatOutput(), on_new_message)
            HUB.notify(conversation_id)
            log.info("webchat message conversation=%s result=%s", mask_text(conversation_id), result)
            return response.json({"ok": True, "result": result}, headers=headers)

        return bp
