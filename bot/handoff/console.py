"""The agent console, served by the Rasa server as the ``console`` input channel.

Rasa mounts the blueprint under ``/webhooks/console/``. Agents log in, watch the queue
live, take a conversation, talk to the debtor on the debtor's own channel, record what
was agreed and give the conversation back to the bot. The SLA sweep runs here too, as a
background task of the server process.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import service, sla, typing as agent_typing
from bot.handoff.auth import verify_password
from bot.handoff.console_actions import register_action_routes
from bot.handoff.console_outreach import register_outreach_routes
from bot.handoff.console_desk import register_desk_routes
from bot.handoff.console_inbound import register_inbound_routes
from bot.handoff.console_pages import register_page_routes
from bot.handoff.console_payments import register_payments_routes
from bot.handoff.console_privacy import register_privacy_routes
from bot.handoff.revocations import LoginThrottle
from bot.handoff.service import HandoffError
from bot.handoff.web import (
    BASE_PATH, STATIC, add_security_headers, form, read_session, render, requires, revoke, set_registered_paths, set_session, signer,
)
from bot.ledger.db import session_scope

log = logging.getLogger(__name__)
STATIC_FILES = {"console.css": "text/css", "console.js": "application/javascript",
                "console_attention.js": "application/javascript"}
_throttle = LoginThrottle()


def client_address(request: Request) -> str:
    """The client's address: the proxy-reported one only when Sanic is told to trust the proxy
    (``FORWARDED_SECRET``/``REAL_IP_HEADER``/``PROXIES_COUNT``), never a raw header."""
    return request.remote_addr or request.ip or ""


def _check_login(username: str, password: str) -> Optional[tuple[str, str]]:
    with session_scope() as session:
        agent = service.find_agent(session, username)
        ok = verify_password(password, agent.password_hash if agent and agent.active else None)
        return (agent.username, agent.language) if ok and agent else None


async def _db(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(fn, *args, **kwargs)


class ConsoleInput(InputChannel):
    """Not a debtor channel: no message from here ever reaches the dialogue as user text."""

    @classmethod
    def name(cls) -> Text:
        return "console"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("console_webhook", __name__)
        bp.middleware(add_security_headers, "response")
        _register_lifecycle(bp)
        _register_auth_routes(bp)
        register_page_routes(bp)
        register_action_routes(bp)
        register_outreach_routes(bp)
        register_privacy_routes(bp)
        register_payments_routes(bp)
        register_desk_routes(bp)
        register_inbound_routes(bp)
        _register_typing_route(bp)
        # Modules that add pages register here the same way: register_<name>_routes(bp).
        set_registered_paths({route.uri for route in bp._future_routes if route.methods and "GET" in route.methods})
        return bp


def _register_lifecycle(bp: Blueprint) -> None:
    @bp.listener("after_server_start")
    async def start_sla(app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        app.ctx.handoff_sla_task = asyncio.get_running_loop().create_task(sla.sla_loop())

    @bp.listener("before_server_stop")
    async def stop_sla(app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        task = getattr(app.ctx, "handoff_sla_task", None)
        if task is not None:
            task.cancel()

    @bp.route("/static/<name>", methods=["GET"])
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in STATIC_FILES:
            return response.text("not found", status=404)
        return await response.file(str(STATIC / name), mime_type=STATIC_FILES[name])


def _register_typing_route(bp: Blueprint) -> None:
    @bp.route("/h/<handoff_id:int>/typing", methods=["POST"])
    @requires("agent")
    async def typing_signal(request: Request, handoff_id: int) -> HTTPResponse:
        """The holder is typing a reply: a hint to the debtor (bot.handoff.typing); nothing recorded."""
        try:
            target = await _db(agent_typing.target_for, handoff_id, request.ctx.agent_info.username)
        except HandoffError as exc:
            return response.json({"ok": False, "code": exc.code}, status=exc.status)
        return response.json({"ok": True, "result": await agent_typing.announce(target)})


def _register_auth_routes(bp: Blueprint) -> None:
    @bp.route("/", methods=["GET"])
    async def index(request: Request) -> HTTPResponse:
        sign = signer()
        session = await read_session(request, sign) if sign else None
        return response.redirect(f"{BASE_PATH}/queue" if session and session.logged_in else f"{BASE_PATH}/login")

    @bp.route("/login", methods=["GET"])
    async def login_page(request: Request) -> HTTPResponse:
        sign = signer()
        if sign is None:
            return response.text("console not configured", status=503)
        lang = request.args.get("lang", "it")
        session = await read_session(request, sign) or sign.new(lang=lang)
        session = sign.with_lang(session, lang) if "lang" in request.args else session
        return set_session(render("login.html", session, sign, error=request.args.get("err")), sign, session)

    @bp.route("/login", methods=["POST"])
    async def login(request: Request) -> HTTPResponse:
        sign = signer()
        if sign is None:
            return response.text("console not configured", status=503)
        session = await read_session(request, sign)
        if session is None or not sign.check_csrf(session, form(request, "csrf")):
            return response.redirect(f"{BASE_PATH}/login?err=csrf")
        username = form(request, "username").strip().lower()[:64]
        address = client_address(request)
        if await _db(_throttle.locked, username, address):
            return response.redirect(f"{BASE_PATH}/login?err=locked")
        found = await _db(_check_login, username, form(request, "password"))
        if found is None:
            await _db(_throttle.failed, username, address)
            log.info("console login failed")
            return response.redirect(f"{BASE_PATH}/login?err=login")
        await _db(_throttle.succeeded, username, address)
        await revoke(session, sign)  # a fresh session id after login: no fixation
        fresh = sign.new(username=found[0], lang=found[1])
        return set_session(response.redirect(f"{BASE_PATH}/queue"), sign, fresh)

    @bp.route("/logout", methods=["POST"])
    @requires("agent")
    async def logout(request: Request) -> HTTPResponse:
        await revoke(request.ctx.console_session, request.ctx.signer)
        return set_session(response.redirect(f"{BASE_PATH}/login"), request.ctx.signer, None)

    @bp.route("/lang", methods=["POST"])
    @requires("agent")
    async def switch_language(request: Request) -> HTTPResponse:
        sign, session = request.ctx.signer, request.ctx.console_session
        back = form(request, "back")
        target = back if back.startswith(BASE_PATH + "/") else f"{BASE_PATH}/queue"
        return set_session(response.redirect(target), sign, sign.with_lang(session, form(request, "lang")))
