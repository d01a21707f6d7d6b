"""Fake Telegram Bot API and Twilio API on loopback, recording what the bot sent.

Both speak just enough of the real protocols for python-telegram-bot's ``Bot`` and the
twilio SDK ``Client`` to work unchanged against them. ``fail_next`` scripts failures.
"""
from __future__ import annotations

import itertools
import json
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeServer:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    url: str = ""

    def fail_next(self, method: str, status: int, body: dict, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([(status, body)] * times)

    def _failure(self, method: str) -> tuple[int, dict] | None:
        queue = self.failures.get(method)
        return queue.pop(0) if queue else None

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    async def start(self, app: web.Application, port: int | None = None) -> str:
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        port = port or free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def _params(request: web.Request, decode_nested: bool = True) -> dict[str, Any]:
    if request.content_type == "application/json":
        return await request.json()
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else value.file.read().decode()
        try:  # ptb JSON-encodes nested fields such as reply_markup
            params[key] = json.loads(text) if decode_nested and text[:1] in "{[" else text
        except ValueError:
            params[key] = text
    return params


class FakeTelegram(FakeServer):
    """``/bot<token>/<method>`` like api.telegram.org."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self._ids = itertools.count(100)

    def texts(self) -> list[str]:
        return [p["text"] for p in self.sent("sendMessage")]

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await _params(request)
        failure = self._failure(method)
        if failure:
            self.calls.append(Call(method + ":failed", params))
            return web.json_response(failure[1], status=failure[0])
        self.calls.append(Call(method, params))
        bot_user = {"id": 42, "is_bot": True, "first_name": "Aurora", "username": "aurora_test_bot"}
        if method == "getMe":
            result: Any = bot_user
        elif method in ("sendMessage", "editMessageReplyMarkup"):
            result = {"message_id": next(self._ids), "date": 1_700_000_000, "from": bot_user,
                      "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text", "x")}
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    async def serve(self, port: int | None = None) -> str:
        """Start on ``port`` (a fresh one by default; the old one to come back after ``stop``)."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        return await self.start(app, port)


class FakeTwilio(FakeServer):
    """``/api/2010-04-01/Accounts/<sid>/Messages.json`` and ``/content/v1/Content``."""

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)

    def messages(self) -> list[dict[str, Any]]:
        return self.sent("Messages")

    async def message(self, request: web.Request) -> web.Response:
        params = await _params(request, decode_nested=False)
        failure = self._failure("Messages")
        if failure:
            self.calls.append(Call("Messages:failed", params))
            return web.json_response(failure[1], status=failure[0])
        self.calls.append(Call("Messages", params))
        sid = f"SM{next(self._ids):032d}"
        return web.json_response({"sid": sid, "status": "queued", "to": params.get("To"),
                                  "from": params.get("From"), "body": params.get("Body", "")}, status=201)

    async def content(self, request: web.Request) -> web.Response:
        params = await request.json()
        self.calls.append(Call("Content", params))
        return web.json_response({"sid": f"HX{next(self._ids):032d}", **params}, status=201)

    async def serve(self, port: int | None = None) -> str:
        app = web.Application()
        app.router.add_post("/api/2010-04-01/Accounts/{sid}/Messages.json", self.message)
        app.router.add_post("/content/v1/Content", self.content)
        return await self.start(app, port)
