"""The real guarded action server (``python -m bot.security.action_server``) over a demo ledger.

Started for the security tests that call it directly, without Rasa in front: the forged
action calls must meet exactly what production runs (token check, server-side
verification record), on a free loopback port with its own SQLite database.
"""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.e2e.live import ROOT, VENV_BIN, _wait_http, free_port


@contextmanager
def guarded_action_server(tmp: Path, token: str) -> Iterator[tuple[str, str]]:
    """Run it until the block ends; yields (base URL, database URL)."""
    port = free_port()
    db_url = f"sqlite:///{tmp / 'as.db'}"
    env = {**os.environ, "DATABASE_URL": db_url, "ACTION_SERVER_TOKEN": token, "PYTHONPATH": str(ROOT),
           "RASA_TELEMETRY_ENABLED": "false"}
    for name in ("TEST_DATABASE_URL", "ACTION_HOST", "HOST"):  # loopback, its own database
        env.pop(name, None)
    for command in (["db", "upgrade"], ["demo-data"]):
        subprocess.run([str(VENV_BIN / "python"), "-m", "bot", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    log = tmp / "actions.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(VENV_BIN / "python"), "-m", "bot.security.action_server",
                                 "--actions", "actions", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}", db_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
