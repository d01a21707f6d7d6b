"""The buttons of a conversation page: POST /h/<id>/<action>, one handler each.

A handler returns an ``ActionResult`` or raises a ``HandoffError`` subclass; ``_answer`` turns
either into JSON (the page's scripts) or a redirect with a flash code (plain forms). The HTTP
status comes from the error's type. Routes are listed once, explicitly, in ``ROUTES``.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Awaitable, Callable, Coroutine, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import events, notices, quick_actions, relay, service, texts, views
from bot.handoff.roles import Role
from bot.handoff.service import DeliveryFailed, HandoffError
from bot.handoff.web import done, form, requires

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionResult:
    """What an action did: the flash ``code``, the conversation whose pages must refresh (if any),
    where a plain form lands afterwards (``None``: back on the conversation page) and extra JSON."""

    code: str
    conversation_id: Optional[str] = None
    redirect: Optional[str] = None
    data: dict[str, Any] = field(default_factory=dict)


Action = Callable[[Request, int], Awaitable[ActionResult]]


async def _db(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def _who(request: Request) -> tuple[str, bool]:
    info = request.ctx.agent_info
    return info.username, info.can("supervisor")


def changed(conversation_id: str) -> None:
    """Wake the open pages of this conversation and every queue page (once per action)."""
    events.notify_conversation(conversation_id)
    events.notify_queue_changed()


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


async def take(request: Request, handoff_id: int) -> ActionResult:
    """Assign the waiting conversation to this agent and tell the debtor a person has joined (409 if beaten to it)."""
    info = request.ctx.agent_info
    conversation_id = await _db(views.take, handoff_id, info.username)
    await notices.tell(handoff_id, "agent_joined", info.display_name)
    return ActionResult("taken_ok", conversation_id)


async def release(request: Request, handoff_id: int) -> ActionResult:
    """Put the conversation back in the queue (a supervisor may release anyone's); the bot stays paused."""
    username, supervisor = _who(request)
    return ActionResult("released", await _db(views.release, handoff_id, username, supervisor), redirect="/queue")


async def transfer(request: Request, handoff_id: int) -> ActionResult:
    """Hand the conversation to the colleague named in ``to`` (a supervisor may move anyone's)."""
    username, supervisor = _who(request)
    conversation_id = await _db(views.transfer, handoff_id, username, form(request, "to"), supervisor)
    return ActionResult("transferred", conversation_id, redirect="/queue")


async def reply(request: Request, handoff_id: int) -> ActionResult:
    """Queue the agent's text for the debtor under their name, recorded once with it; returns at once.

    One that can never be delivered (opted out, channel off, WhatsApp window closed without a
    template) is not recorded (502); a provider that is down only delays it (the reply outbox retries)."""
    info = request.ctx.agent_info
    conversation_id, lang = await _db(views.reply_target, handoff_id, info.username, form(request, "text"))
    text = service.check_text(form(request, "text"))

    def record(session: Any) -> int:
        return views.record_reply(handoff_id, info.username, text, session)

    try:
        message_id = await relay.send(
            conversation_id, texts.render("agent_message", lang, agent_name=info.display_name, text=text), None,
            record, metadata={"agent_name": info.display_name})
    except HandoffError:
        raise  # no longer this agent's (released, transferred meanwhile): nothing was written
    except Exception as exc:  # noqa: BLE001 - any channel failure: tell the agent, record nothing
        log.error("agent reply not delivered handoff=%s error=%s", handoff_id, type(exc).__name__)
        raise DeliveryFailed("delivery") from exc
    return ActionResult("sent", conversation_id, data={"message_id": message_id})


async def note(request: Request, handoff_id: int) -> ActionResult:
    """Add an internal note to the transcript; the debtor never sees it."""
    username, supervisor = _who(request)
    return ActionResult("noted", await _db(views.note, handoff_id, username, form(request, "text"), supervisor))


async def handback(request: Request, handoff_id: int) -> ActionResult:
    """Give the conversation back to the assistant (the NPS step when ``to`` is ``nps``) and make it speak;
    if the bot cannot resume, the hand-back stands and the code ``resume`` warns the agent."""
    to_nps = form(request, "to") == "nps"
    conversation_id = await _db(views.hand_back, handoff_id, request.ctx.agent_info.username, to_nps)
    try:  # the bot's own first words say that the colleague handed the conversation back
        await resume_bot(request, conversation_id, "action_handback_nps" if to_nps else "action_handback")
    except Exception as exc:  # noqa: BLE001 - already handed back; the agent must know the bot is silent
        log.error("bot did not resume handoff=%s error=%s", handoff_id, type(exc).__name__)
        return ActionResult("resume", conversation_id, redirect="/queue")
    return ActionResult("returned", conversation_id, redirect="/queue")


async def close(request: Request, handoff_id: int) -> ActionResult:
    """End the takeover with the chosen ``outcome`` once ``confirm`` is ``yes``, and tell the debtor."""
    info = request.ctx.agent_info
    if form(request, "confirm") != "yes":
        raise HandoffError("confirm_close")
    conversation_id = await _db(views.close, handoff_id, info.username, form(request, "outcome"))
    await notices.tell(handoff_id, "agent_closed", info.display_name)
    return ActionResult("closed", conversation_id, redirect="/queue")


async def promise(request: Request, handoff_id: int) -> ActionResult:
    """Record a promise to pay (``amount`` by ``date``) for the verified debtor."""
    code = await _db(quick_actions.record_promise, handoff_id, request.ctx.agent_info.username,
                     form(request, "amount"), form(request, "date"), date.today())
    return ActionResult(code, await _db(views.conversation_id_of, handoff_id))


async def plan_options(request: Request, handoff_id: int) -> ActionResult:
    """The plan proposals for the sustainable amount or instalment count, as JSON data; records nothing."""
    options = await _db(quick_actions.plan_options, handoff_id, request.ctx.agent_info.username,
                        form(request, "sustainable"), _int(form(request, "instalments")), date.today())
    return ActionResult("options", data={"options": options})


async def plan(request: Request, handoff_id: int) -> ActionResult:
    """Record proposal ``choice`` (1-based) of the same inputs as the debtor's instalment plan."""
    code = await _db(quick_actions.create_plan, handoff_id, request.ctx.agent_info.username,
                     _int(form(request, "choice")) or 0, form(request, "sustainable"),
                     _int(form(request, "instalments")), date.today())
    return ActionResult(code, await _db(views.conversation_id_of, handoff_id))


async def dispute(request: Request, handoff_id: int) -> ActionResult:
    """Record a dispute with its reason, on ``invoice`` when one is given."""
    code = await _db(quick_actions.mark_dispute, handoff_id, request.ctx.agent_info.username,
                     form(request, "invoice"), form(request, "reason"), date.today())
    return ActionResult(code, await _db(views.conversation_id_of, handoff_id))


async def opt_out(request: Request, handoff_id: int) -> ActionResult:
    """Record that the debtor wants no more messages at this conversation's address."""
    code = await _db(quick_actions.opt_out, handoff_id, request.ctx.agent_info.username)
    return ActionResult(code, await _db(views.conversation_id_of, handoff_id))


def _int(raw: str) -> Optional[int]:
    try:
        return int(raw) if raw.strip() else None
    except ValueError as exc:
        raise HandoffError("bad_choice") from exc


# path, handler, role needed (the service checks who holds the conversation).
ROUTES: tuple[tuple[str, Action, Role], ...] = (
    ("take", take, "agent"),
    ("release", release, "agent"),
    ("transfer", transfer, "agent"),
    ("reply", reply, "agent"),
    ("note", note, "agent"),
    ("handback", handback, "agent"),
    ("close", close, "agent"),
    ("promise", promise, "agent"),
    ("plan-options", plan_options, "agent"),
    ("plan", plan, "agent"),
    ("dispute", dispute, "agent"),
    ("opt-out", opt_out, "agent"),
)


def _answer(action: Action) -> Callable[[Request, int], Coroutine[Any, Any, HTTPResponse]]:
    async def route(request: Request, handoff_id: int) -> HTTPResponse:
        back = f"/h/{handoff_id}"
        try:
            result = await action(request, handoff_id)
        except HandoffError as exc:
            return done(request, back, exc.code, ok=False, status=exc.status)
        if result.conversation_id:
            changed(result.conversation_id)
        return done(request, result.redirect or back, result.code, **result.data)

    return route


def register_action_routes(bp: Blueprint) -> None:
    """POST /h/<id>/<path> for every entry of ``ROUTES``."""
    for path, action, role in ROUTES:
        bp.add_route(requires(role)(_answer(action)), f"/h/<handoff_id:int>/{path}", methods=["POST"],
                     name=f"handoff_{path.replace('-', '_')}")
