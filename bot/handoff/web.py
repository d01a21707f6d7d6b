"""Console plumbing: templates, the session cookie, the logged-in agent, JSON-or-redirect replies."""
from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Coroutine, Optional
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import i18n, revocations, service
from bot.handoff.roles import Role, allows
from bot.handoff.auth import ConsoleSession, SessionSigner
from bot.ledger.db import session_scope
from bot.settings import get_settings

BASE_PATH = "/webhooks/console"   # Rasa mounts the "console" channel's blueprint here
COOKIE = "console_session"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).resolve().parents[1] / "web" / "console"

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class AgentInfo:
    username: str
    display_name: str
    language: str
    role: str = "agent"

    def can(self, needed: Role) -> bool:
        """Whether this agent's role covers ``needed`` (see ``bot.handoff.roles``)."""
        return allows(self.role, needed)


@dataclass(frozen=True)
class NavLink:
    key: str      # i18n key of the label; also the element id ``nav-<key>``
    path: str     # under BASE_PATH
    role: Role    # lowest role that sees it


# The console's navigation bar, in order. A link is shown only when its page is registered on
# the blueprint (``set_registered_paths``) and the agent's role covers it, so a deployment
# without, say, the task inbox shows no dead link.
NAV: tuple[NavLink, ...] = (
    NavLink("queue", "/queue", "agent"), NavLink("tasks", "/tasks", "agent"),
    NavLink("debtors", "/debtors", "agent"), NavLink("dashboard", "/dashboard", "supervisor"),
    NavLink("outreach", "/outreach", "supervisor"), NavLink("payments", "/payments", "supervisor"),
    NavLink("audit", "/privacy", "supervisor"), NavLink("privacy", "/privacy", "admin"),
    NavLink("inbound", "/inbound", "agent"), NavLink("canned", "/canned", "supervisor"),
    NavLink("agents", "/agents", "supervisor"),
)
_registered: set[str] = set()


def set_registered_paths(paths: set[str]) -> None:
    """The console blueprint's GET paths, recorded once the blueprint is built."""
    _registered.clear()
    _registered.update(p.rstrip("/") or "/" for p in paths)


def nav_links(agent: "AgentInfo | None") -> list[NavLink]:
    """The links this agent sees; "privacy" replaces "audit" for admins (same page, more on it)."""
    if agent is None:
        return []
    shown = [link for link in NAV if agent.can(link.role) and link.path.split("?")[0] in _registered]
    if any(link.key == "privacy" for link in shown):
        shown = [link for link in shown if link.key != "audit"]
    return shown


def signer() -> SessionSigner | None:
    """The console's cookie signer; None when ``CONSOLE_SECRET`` is unset (the console then answers 503)."""
    secret = get_settings().console_secret
    return SessionSigner(secret) if secret else None


async def read_session(request: Request, sign: SessionSigner) -> ConsoleSession | None:
    """The cookie's session, unless it is forged, expired or logged out (in any process)."""
    session = sign.loads(request.cookies.get(COOKIE))
    if session is None or await asyncio.to_thread(revocations.is_revoked, session.nonce):
        return None
    return session


async def revoke(session: ConsoleSession, sign: SessionSigner) -> None:
    """Refuse this session from now on, everywhere, until its cookie would have expired."""
    expires_at = datetime.utcfromtimestamp(session.issued + sign.max_age)
    await asyncio.to_thread(revocations.revoke, session.nonce, expires_at)


def set_session(resp: HTTPResponse, sign: SessionSigner, session: ConsoleSession | None) -> HTTPResponse:
    """Put the session in the HttpOnly, SameSite=Lax cookie (Secure behind https), or clear it for None."""
    resp.cookies[COOKIE] = sign.dumps(session) if session else ""
    cookie = resp.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Lax"
    cookie["path"] = BASE_PATH
    cookie["max-age"] = sign.max_age if session else 0
    if get_settings().public_base_url.startswith("https://"):
        cookie["secure"] = True
    return resp


def flash_text(lang: str, code: str | None, ok: bool) -> str | None:
    """The translated flash for a known code; anything else in ``?msg=``/``?err=`` shows nothing."""
    return i18n.flash(lang, code, ok) if code else None


FLASH_KEYS = (("msg", True), ("err", False), ("error", False))


def render(name: str, session: ConsoleSession | None, sign: SessionSigner | None, status: int = 200,
           **ctx: Any) -> HTTPResponse:
    """A console page in the session's language (Italian before login), with navigation and CSRF token;
    flash codes in ``ctx`` become our own wording, and the page is never cached."""
    lang = session.lang if session else "it"
    for key, ok in FLASH_KEYS:  # codes from the URL become our own wording, or nothing
        if key in ctx:
            ctx[key] = flash_text(lang, ctx[key], ok)
    ctx.setdefault("nav", nav_links(ctx.get("agent")))
    html = _env.get_template(name).render(
        t=i18n.ui(lang), lang=lang, base=BASE_PATH, session=session,
        csrf=sign.csrf_token(session) if (sign and session) else "", **ctx)
    return response.html(html, status=status, headers={"Cache-Control": "no-store"})


# The templates load console.js/console.css from /static and carry no inline script or style,
# so nothing inline is allowed: injected markup could not run even if escaping failed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def add_security_headers(_request: Request, resp: HTTPResponse) -> None:
    """Response middleware of the console blueprint: every page, JSON answer and stream."""
    for name, value in SECURITY_HEADERS.items():
        resp.headers[name] = value


_MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)


def framed(request: Request, page_html: str, active: str, status: int = 200) -> HTTPResponse:
    """A page that a console module built as its own document, shown inside the console frame
    (navigation bar, language switch, stylesheet): its ``<main>`` content in ``page.html``.
    The module escaped its own content; nothing from the request is added here."""
    match = _MAIN.search(page_html)
    body = Markup(match.group(1) if match else page_html)
    return render("page.html", request.ctx.console_session, request.ctx.signer, status=status, body=body,
                  agent=request.ctx.agent_info, active=active)


def fragment(name: str, session: ConsoleSession, sign: SessionSigner, **ctx: Any) -> str:
    """A partial template (queue rows, transcript items) for the live streams."""
    return _env.get_template(name).render(t=i18n.ui(session.lang), lang=session.lang, base=BASE_PATH,
                                          session=session, csrf=sign.csrf_token(session), **ctx)


def wants_json(request: Request) -> bool:
    """Whether the caller is the page's script (Accept: JSON) rather than a browser form."""
    return "application/json" in (request.headers.get("accept") or "")


def done(request: Request, back: str, code: str, ok: bool = True, status: int = 200, **extra: Any) -> HTTPResponse:
    """A JSON answer for the page's scripts, or a redirect with a flash code for plain forms."""
    lang = request.ctx.console_session.lang if hasattr(request.ctx, "console_session") else "it"
    if wants_json(request):
        return response.json({"ok": ok, "code": code, "message": i18n.message(lang, code), **extra},
                             status=status if not ok else 200)
    key = "msg" if ok else "err"
    return response.redirect(f"{BASE_PATH}{back}?{key}={quote(code)}")


def _load_agent(username: str) -> AgentInfo | None:
    with session_scope() as session:
        agent = service.find_agent(session, username)
        if agent is None or not agent.active:
            return None
        return AgentInfo(agent.username, agent.display_name, agent.language, agent.role or "agent")


# A console route: a coroutine answering with a response, or None when it streamed its own
# (request.respond, server-sent events); the shape Sanic's add_route takes.
Handler = Callable[..., Coroutine[Any, Any, Optional[HTTPResponse]]]


def forbidden(request: Request) -> HTTPResponse:
    """403 for a logged-in agent whose role does not cover the page: JSON or a translated page."""
    session = request.ctx.console_session
    if wants_json(request) or request.method != "GET":
        return response.json({"ok": False, "code": "forbidden", "message": i18n.message(session.lang, "forbidden")},
                             status=403)
    return render("error.html", session, request.ctx.signer, status=403, code="forbidden",
                  agent=request.ctx.agent_info)


def requires(role: Role) -> Callable[[Handler], Handler]:
    """Route decorator: a logged-in, still-active agent whose role covers ``role``; 403 otherwise.

    Every console route except login, the static files and the index wears it; the role is
    read from the database on every request, so a changed or disabled account counts at once.
    POSTs also need the session's CSRF token.
    """

    def decorate(handler: Handler) -> Handler:
        guarded = _logged_in(handler, role)
        guarded.required_role = role  # type: ignore[attr-defined]  # read by the route-coverage test
        return guarded

    return decorate


def agent_required(handler: Handler) -> Handler:
    """Any logged-in agent (the lowest role); kept for modules registered on the console."""
    return requires("agent")(handler)


def _logged_in(handler: Handler, role: Role) -> Handler:
    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Optional[HTTPResponse]:
        sign = signer()
        if sign is None:
            return response.text("console not configured", status=503)
        session = await read_session(request, sign)
        agent = await asyncio.to_thread(_load_agent, session.username) if session and session.logged_in else None
        if session is None or agent is None:
            if request.method == "GET" and not wants_json(request):
                return response.redirect(f"{BASE_PATH}/login")
            return response.json({"ok": False, "code": "login"}, status=401)
        if request.method == "POST":
            token = request.headers.get("x-csrf-token") or (request.form or {}).get("csrf")
            if not sign.check_csrf(session, token):
                return response.json({"ok": False, "code": "csrf", "message": i18n.message(session.lang, "csrf")},
                                     status=403)
        request.ctx.console_session, request.ctx.agent_info, request.ctx.signer = session, agent, sign
        if not agent.can(role):
            return forbidden(request)
        return await handler(request, *args, **kwargs)

    return wrapper


def form(request: Request, name: str, default: str = "") -> str:
    """A form field as text; ``default`` when it is absent."""
    value = (request.form or {}).get(name)
    return value if isinstance(value, str) else default
