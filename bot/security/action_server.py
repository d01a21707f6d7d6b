"""The action server, answering only the Rasa server that holds the shared secret.

rasa_sdk's own server (`rasa run actions`) answers anyone who can reach its port: a hand-made
POST /webhook whose tracker claims a verified debtor would run any action for them. This
entry point builds the same sanic app and puts a request middleware in front of every route
that refuses (401) a request whose ``token`` query parameter - the way Rasa's
``action_endpoint`` ``token`` in endpoints.yml is sent - is not ``ACTION_SERVER_TOKEN``.
``/health`` stays open so supervisors and tests can tell the server is up; it discloses nothing.
Behind the token, every action runs through ``IdentityExecutor`` (bot.security.executor): it
acts for the verification recorded server-side for the conversation, never for what the
tracker's slots claim.

Run: ``python -m bot.security.action_server --actions actions --port 5055 [--host H]``.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from typing import Awaitable, Callable, Mapping, Optional, Sequence

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})
DEFAULT_PORT = 5055

logger = logging.getLogger(__name__)


def token_matches(presented: Optional[str], expected: str) -> bool:
    """Constant-time comparison of the presented token with the configured one."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def token_guard(expected: str) -> Callable[[Request], Awaitable[Optional[HTTPResponse]]]:
    """A sanic request middleware answering 401 unless the request carries ``expected``."""
    if not expected:
        raise ValueError(f"{TOKEN_ENV} is empty: the action server would answer anyone")

    async def guard(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if token_matches(request.args.get("token"), expected):
            return None
        # The body is not read, logged or echoed: it may be an attacker's forged tracker.
        logger.warning("action server: refused %s %s without a valid token", request.method, request.path)
        return response.json({"error": "unauthorized"}, status=401)

    return guard


def build_app(actions: str, token: str) -> Sanic:
    """rasa_sdk's action server app for the ``actions`` package, guarded by ``token``."""
    from rasa_sdk import endpoint
    from rasa_sdk.plugin import plugin_manager

    from bot.security.executor import IdentityExecutor

    guard = token_guard(token)  # before loading actions: an empty token fails fast
    # create_app builds its executor from the module's ActionExecutor name: point that name
    # at ours for the call, so the app's /webhook runs IdentityExecutor.run.
    stock = endpoint.ActionExecutor
    endpoint.ActionExecutor = IdentityExecutor
    try:
        # No CORS origins: only the Rasa server calls this, never a browser.
        app = endpoint.create_app(actions, cors_origins="")
    finally:
        endpoint.ActionExecutor = stock
    app.register_middleware(guard, "request")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def default_host(env: Optional[Mapping[str, str]] = None) -> str:
    """Loopback unless ACTION_HOST (or HOST) says otherwise."""
    source: Mapping[str, str] = os.environ if env is None else env
    return source.get("ACTION_HOST") or source.get("HOST") or "127.0.0.1"


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line options (a subset of `rasa run actions`)."""
    parser = argparse.ArgumentParser(prog="python -m bot.security.action_server",
                                     description="Start the action server; it answers only with ACTION_SERVER_TOKEN.")
    parser.add_argument("--actions", default="actions", help="package to load the actions from")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT") or DEFAULT_PORT))
    parser.add_argument("--host", default=None, help="interface to bind (default: ACTION_HOST, HOST or 127.0.0.1)")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Start the guarded action server; refuses to start without a token."""
    args = parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "")
    if not token.strip():
        print(f"error: {TOKEN_ENV} is not set; the action server will not start without its shared secret "
              "(scripts/serve.sh makes one per install in var/action_server_secret)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    from rasa_sdk.utils import number_of_sanic_workers

    app = build_app(args.actions, token)
    host = args.host or default_host()
    logger.info("Action endpoint is up and running on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
