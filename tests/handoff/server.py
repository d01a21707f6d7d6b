"""A real Sanic server on loopback, in a background thread, with the console blueprint.

The channel is mounted exactly as Rasa mounts channels (``register(..., route="/webhooks/")``);
``app.ctx.agent`` is a stub that records the actions the console asks it to run.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import uuid
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterator

from rasa.core.channels.channel import register
from sanic import Sanic

from bot.handoff.console import ConsoleInput
from tests.e2e.live import free_port


@dataclass
class StubLockStore:
    locked: list[str] = field(default_factory=list)

    @asynccontextmanager
    async def lock(self, conversation_id: str) -> AsyncIterator[None]:
        self.locked.append(conversation_id)
        yield


@dataclass
class StubAgent:
    """Stands in for rasa.core.agent.Agent: records execute_action calls, says what it is told."""

    executed: list[tuple[str, str, Any]] = field(default_factory=list)
    lock_store: StubLockStore = field(default_factory=StubLockStore)
    fail: bool = False

    async def execute_action(self, sender_id: str, action: str, output_channel: Any, policy: Any,
                             confidence: Any) -> None:
        if self.fail:
            raise RuntimeError("model not loaded")
        self.executed.append((sender_id, action, output_channel))


class ConsoleServer:
    def __init__(self) -> None:
        Sanic.test_mode = True
        self.app = Sanic(f"console_test_{uuid.uuid4().hex[:8]}")
        self.agent = StubAgent()
        self.app.ctx.agent = self.agent
        register([ConsoleInput()], self.app, route="/webhooks/")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/console"
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            server = loop.run_until_complete(self.app.create_server(
                host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False))
            loop.run_until_complete(server.startup())
            loop.run_until_complete(server.before_start())
            loop.run_until_complete(server.after_start())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(server.before_stop())
        server.close()
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0.05))
        loop.run_until_complete(server.after_stop())
        loop.close()

    def start(self) -> "ConsoleServer":
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def call(self, coro: Any, timeout: float = 10) -> Any:
        """Run a coroutine on the server's loop (e.g. to inspect its background task)."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        """Stop the server; stopping one that already stopped does nothing."""
        if self._loop is not None and not self._loop.is_closed() and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(20)


READY = "console-ready "


@contextmanager
def console_process() -> Iterator[str]:
    """The console in a separate Python process (same environment, so the same database).

    Yields its base URL. A second process shares nothing in memory with the test's own
    server, so whatever it remembers came from the database.
    """
    proc = subprocess.Popen([sys.executable, "-m", "tests.handoff.server"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # Sanic logs to stdout too; the URL line is marked
            if line.startswith(READY):
                break
        else:
            raise AssertionError("the console process did not start")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe from filling
        yield line[len(READY):].strip()
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # end of input: the child stops its server and exits
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    _server = ConsoleServer().start()
    print(READY + _server.url, flush=True)
    sys.stdin.read()
    _server.stop()
