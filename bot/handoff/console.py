"""The agent console, served by the Rasa server as the ``console`` input channel.

Rasa mounts the blueprint under ``/webhooks/console/``. Agents log in, watch the queue
live, take a conversation, talk to the debtor on the debtor's own channel, record what
was agreed and give the conversation back to the bot. The SLA sweep runs here too, as a
background task of the server process.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import events, quick_actions, relay, sla, streams, texts
from bot.handoff import service, views
from bot.handoff.auth import verify_password
from bot.handoff.revocations import LoginThrottle
from bot.handoff.console_outreach import register_outreach_routes
from bot.handoff.console_privacy import register_privacy_routes
from bot.privacy.audit_events import record_agent_view
from bot.handoff.console_payments import register_payments_routes
from bot.handoff.service import HandoffError
from bot.handoff.web import (
    BASE_PATH, STATIC, add_security_headers, agent_required, done, form, fragment, read_session, render, revoke,
    set_session, signer,
)
from bot.ledger.db import session_scope

log = logging.getLogger(__name__)
STATIC_FILES = {"console.css": "text/css", "console.js": "application/javascript"}
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


async def resume_bot(request: Request, conversation_id: str, action: str) -> None:
    """Make the assistant speak again in the conversation (hand-back)."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None:
        raise RuntimeError("no dialogue agent loaded")
    output = relay.output_channel(conversation_id)
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None:
        await agent.execute_action(conversation_id, action, output, None, None)
        return
    async with lock_store.lock(conversation_id):  # same lock Rasa takes for incoming messages
        await agent.execute_action(conversation_id, action, output, None, None)


def _changed(conversation_id: str) -> None:
    events.notify_conversation(conversation_id)
    events.notify_queue_changed()


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
        _register_pages(bp)
        _register_actions(bp)
        register_outreach_routes(bp)
        register_privacy_routes(bp)
        register_payments_routes(bp)
        return bp


def _register_lifecycle(bp: Blueprint) -> None:
    @bp.listener("after_server_start")
    async def start_sla(app, _loop) -> None:  # type: ignore[no-untyped-def]
        app.ctx.handoff_sla_task = asyncio.get_running_loop().create_task(sla.sla_loop())

    @bp.listener("before_server_stop")
    async def stop_sla(app, _loop) -> None:  # type: ignore[no-untyped-def]
        task = getattr(app.ctx, "handoff_sla_task", None)
        if task is not None:
            task.cancel()

    @bp.route("/static/<name>", methods=["GET"])
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in STATIC_FILES:
            return response.text("not found", status=404)
        return await response.file(str(STATIC / name), mime_type=STATIC_FILES[name])


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
    @agent_required
    async def logout(request: Request) -> HTTPResponse:
        await revoke(request.ctx.console_session, request.ctx.signer)
        return set_session(response.redirect(f"{BASE_PATH}/login"), request.ctx.signer, None)

    @bp.route("/lang", methods=["POST"])
    @agent_required
    async def switch_language(request: Request) -> HTTPResponse:
        sign, session = request.ctx.signer, request.ctx.console_session
        back = form(request, "back")
        target = back if back.startswith(BASE_PATH + "/") else f"{BASE_PATH}/queue"
        return set_session(response.redirect(target), sign, sign.with_lang(session, form(request, "lang")))


def _register_pages(bp: Blueprint) -> None:
    @bp.route("/queue", methods=["GET"])
    @agent_required
    async def queue_page(request: Request) -> HTTPResponse:
        items = await _db(views.queue_items)
        return render("queue.html", request.ctx.console_session, request.ctx.signer, items=items,
                      agent=request.ctx.agent_info, msg=request.args.get("msg"), err=request.args.get("err"))

    @bp.route("/queue.json", methods=["GET"])
    @agent_required
    async def queue_json(request: Request) -> HTTPResponse:
        items = await _db(views.queue_items)
        return response.json({"items": [i.as_json() for i in items]})

    @bp.route("/queue/stream", methods=["GET"])
    @agent_required
    async def queue_stream(request: Request) -> None:
        session, sign = request.ctx.console_session, request.ctx.signer

        async def produce() -> dict:
            items = await _db(views.queue_items)
            return {"count": len(items), "ids": [[i.handoff_id, i.status, i.waiting_minutes] for i in items],
                    "html": fragment("_queue_rows.html", session, sign, items=items, agent=request.ctx.agent_info)}

        await streams.sse(request, produce, (events.QUEUE_TOPIC,))

    @bp.route("/h/<handoff_id:int>", methods=["GET"])
    @agent_required
    async def conversation_page(request: Request, handoff_id: int) -> HTTPResponse:
        view = await _db(views.conversation_view, handoff_id, request.ctx.console_session.lang)
        if view is None:
            return render("error.html", request.ctx.console_session, request.ctx.signer, status=404, code="not_found")
        await _db(record_agent_view, request.ctx.console_session.username, handoff_id, view["conversation_id"])
        return render("conversation.html", request.ctx.console_session, request.ctx.signer, v=view,
                      agent=request.ctx.agent_info, msg=request.args.get("msg"), err=request.args.get("err"),
                      outcomes=service.OUTCOMES, today=date.today().isoformat())

    @bp.route("/h/<handoff_id:int>/messages.json", methods=["GET"])
    @agent_required
    async def messages_json(request: Request, handoff_id: int) -> HTTPResponse:
        after = _cursor(request)
        if after is None:
            return response.json({"ok": False, "code": "bad_after", "message": "after must be a message id"},
                                 status=400)
        state = await _db(views.messages_after, handoff_id, after)
        if state is None:
            return response.json({"ok": False, "code": "not_found"}, status=404)
        state["messages"] = [m.__dict__ for m in state["messages"]]
        return response.json(state)

    @bp.route("/h/<handoff_id:int>/stream", methods=["GET"])
    @agent_required
    async def conversation_stream(request: Request, handoff_id: int) -> None:
        session, sign = request.ctx.console_session, request.ctx.signer
        after = _cursor(request)
        if after is None:
            return response.json({"ok": False, "code": "bad_after", "message": "after must be a message id"},
                                 status=400)
        cursor = {"after": after}
        conversation_id = await _db(views.conversation_id_of, handoff_id)
        if conversation_id is None:
            return response.json({"ok": False, "code": "not_found"}, status=404)

        async def produce() -> Optional[dict]:
            state = await _db(views.messages_after, handoff_id, cursor["after"])
            if state is None:
                return None
            if state["messages"]:
                cursor["after"] = state["last_id"]
            state["html"] = fragment("_messages.html", session, sign, messages=state.pop("messages"))
            return state

        await streams.sse(request, produce, (events.conversation_topic(conversation_id),))

    @bp.route("/dashboard", methods=["GET"])
    @agent_required
    async def dashboard(request: Request) -> HTTPResponse:
        html = await _db(views.dashboard_html, request.ctx.console_session.lang)
        if html is None:
            return render("error.html", request.ctx.console_session, request.ctx.signer, code="no_dashboard")
        return response.html(html)


def _register_actions(bp: Blueprint) -> None:
    def handoff_action(path: str) -> Callable:
        """POST /h/<id>/<path>: run, map HandoffError to a translated message, refresh pages."""

        def decorate(fn: Callable[[Request, int], Awaitable[tuple[str, str, dict]]]) -> Callable:
            async def route(request: Request, handoff_id: int) -> HTTPResponse:
                back = f"/h/{handoff_id}"
                try:
                    code, conversation_id, extra = await fn(request, handoff_id)
                except HandoffError as exc:
                    status = 409 if exc.code in ("taken", "other_agent", "not_assigned") else 400
                    return done(request, back, exc.code, ok=False, status=404 if exc.code == "not_found" else status)
                if conversation_id:
                    _changed(conversation_id)
                return done(request, extra.pop("back", back), code, **extra)

            route.__name__ = f"handoff_{path.replace('-', '_')}"
            bp.add_route(agent_required(route), f"/h/<handoff_id:int>/{path}", methods=["POST"])
            return fn

        return decorate

    def agent(request: Request) -> str:
        return request.ctx.agent_info.username

    @handoff_action("take")
    async def take(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        return await _db(views.take, handoff_id, agent(request)) + ({},)

    @handoff_action("reply")
    async def reply(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        info = request.ctx.agent_info
        conversation_id, lang = await _db(views.reply_target, handoff_id, info.username, form(request, "text"))
        text = service.check_text(form(request, "text"))
        try:
            await relay.push(conversation_id, texts.render("agent_message", lang, agent_name=info.display_name,
                                                           text=text))
        except Exception as exc:  # noqa: BLE001 - any channel failure: tell the agent, record nothing
            log.error("agent reply not delivered handoff=%s error=%s", handoff_id, type(exc).__name__)
            raise HandoffError("delivery") from exc
        message_id = await _db(views.record_reply, handoff_id, info.username, text)
        return "sent", conversation_id, {"message_id": message_id}

    @handoff_action("note")
    async def note(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        return "noted", await _db(views.note, handoff_id, agent(request), form(request, "text")), {}

    @handoff_action("handback")
    async def handback(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        to_nps = form(request, "to") == "nps"
        conversation_id = await _db(views.hand_back, handoff_id, agent(request), to_nps)
        _changed(conversation_id)
        try:
            await resume_bot(request, conversation_id, "action_handback_nps" if to_nps else "action_handback")
        except Exception as exc:  # noqa: BLE001 - already handed back; the agent must know the bot is silent
            log.error("bot did not resume handoff=%s error=%s", handoff_id, type(exc).__name__)
            return "resume", conversation_id, {"back": "/queue"}
        return "returned", conversation_id, {"back": "/queue"}

    @handoff_action("close")
    async def close(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        conversation_id = await _db(views.close, handoff_id, agent(request), form(request, "outcome"))
        return "closed", conversation_id, {"back": "/queue"}

    @handoff_action("promise")
    async def promise(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        code = await _db(quick_actions.record_promise, handoff_id, agent(request), form(request, "amount"),
                         form(request, "date"), date.today())
        return code, await _db(views.conversation_id_of, handoff_id), {}

    @handoff_action("plan-options")
    async def plan_options(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        options = await _db(quick_actions.plan_options, handoff_id, agent(request), form(request, "sustainable"),
                            _int(form(request, "instalments")), date.today())
        return "options", "", {"options": options}

    @handoff_action("plan")
    async def plan(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        code = await _db(quick_actions.create_plan, handoff_id, agent(request), _int(form(request, "choice")) or 0,
                         form(request, "sustainable"), _int(form(request, "instalments")), date.today())
        return code, await _db(views.conversation_id_of, handoff_id), {}

    @handoff_action("dispute")
    async def dispute(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        code = await _db(quick_actions.mark_dispute, handoff_id, agent(request), form(request, "invoice"),
                         form(request, "reason"), date.today())
        return code, await _db(views.conversation_id_of, handoff_id), {}

    @handoff_action("opt-out")
    async def opt_out(request: Request, handoff_id: int) -> tuple[str, str, dict]:
        code = await _db(quick_actions.opt_out, handoff_id, agent(request))
        return code, await _db(views.conversation_id_of, handoff_id), {}


def _cursor(request: Request) -> Optional[int]:
    """``?after=`` as a non-negative message id (absent means 0); ``None`` when it is not one."""
    raw = request.args.get("after", "0") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _int(raw: str) -> Optional[int]:
    try:
        return int(raw) if raw.strip() else None
    except ValueError as exc:
        raise HandoffError("bad_choice") from exc
