"""Start the action server and the Rasa server with the trained model on loopback.

Used by the end-to-end tests and by `make bench`.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "collections.tar.gz"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_rest(client: httpx.Client, webhook_url: str, sender: str, message: str, timeout: float = 60) -> list[dict]:
    """One message through Rasa's REST channel; the bot's replies."""
    response = client.post(webhook_url, json={"sender": sender, "message": message}, timeout=timeout)
    response.raise_for_status()
    return response.json()


@dataclass
class LiveServers:
    rasa_url: str
    action_url: str
    db_url: str
    env: dict[str, str]
    token: str
    logs: dict[str, Path] = field(default_factory=dict)
    # One keep-alive client, as a channel would hold: a fresh httpx client per call builds an
    # SSL context each time (~40 ms here), which would swamp the server's own time in `make bench`.
    http: httpx.Client = field(default_factory=httpx.Client)

    def rest(self, sender: str, message: str, timeout: float = 60) -> list[dict]:
        return post_rest(self.http, f"{self.rasa_url}/webhooks/rest/webhook", sender, message, timeout)

    def log_tail(self, name: str, lines: int = 60) -> str:
        path = self.logs.get(name)
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path else ""


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server did not start in time:\n{log.read_text(errors='replace')[-4000:]}")


@contextmanager
def running_servers(extra_env: dict[str, str], tmp: Path, model: Path = MODEL) -> Iterator[LiveServers]:
    if not model.exists():
        raise FileNotFoundError(f"no trained model at {model}: run `make train` first")
    rasa_port, action_port = free_port(), free_port()
    db_url = f"sqlite:///{tmp / 'live.db'}"
    token = secrets.token_hex(16)  # never starts with "-", which argparse would take for an option
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_AUTH_TOKEN": token,
        # The action server refuses every request without it; Rasa sends it (endpoints.yml).
        "ACTION_SERVER_TOKEN": secrets.token_hex(16),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{rasa_port}",
        "WEBCHAT_TOKEN_SECRET": "e2e-webchat-secret",
        "WEBCHAT_ALLOWED_ORIGINS": f"http://127.0.0.1:{rasa_port},http://localhost:{rasa_port}",
        "CONSOLE_SECRET": "e2e-console-secret",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        "LIVE_RASA_PORT": str(rasa_port),
        **extra_env,
    }
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "demo-data"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    logs = {"actions": tmp / "actions.log", "rasa": tmp / "rasa.log"}
    procs: list[subprocess.Popen] = []
    try:
        with open(logs["actions"], "wb") as out:
            procs.append(subprocess.Popen(
                [str(VENV_BIN / "python"), "-m", "bot.security.action_server", "--actions", "actions",
                 "--port", str(action_port)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        _wait_http(f"http://127.0.0.1:{action_port}/health", procs[0], logs["actions"])
        with open(logs["rasa"], "wb") as out:
            # Started the way make run starts it: the API token in the environment, not in ps.
            procs.append(subprocess.Popen(
                [str(VENV_BIN / "python"), "-m", "bot.security.rasa_server", "--model", str(model), "--enable-api",
                 "--port", str(rasa_port), "--interface", "127.0.0.1", "--credentials", "credentials.yml",
                 "--endpoints", "endpoints.yml"],
                cwd=ROOT, env={**env, "RASA_AUTH_TOKEN": token}, stdout=out, stderr=subprocess.STDOUT))
        _wait_http(f"http://127.0.0.1:{rasa_port}/", procs[1], logs["rasa"])
        # The model is loaded asynchronously after the HTTP server is up.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            status = httpx.get(f"http://127.0.0.1:{rasa_port}/status", params={"token": token}, timeout=5)
            if status.status_code == 200 and status.json().get("model_file"):
                break
            time.sleep(1)
        live = LiveServers(rasa_url=f"http://127.0.0.1:{rasa_port}", action_url=f"http://127.0.0.1:{action_port}",
                           db_url=db_url, env=env, token=token, logs=logs)
        with live.http:
            yield live
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def put_under_check(db, invoice_number: str) -> None:
    """Every invoice with this number under a payment check (as an "I already paid" claim leaves it)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bot.ledger.models import Invoice

    with Session(db) as s:
        for invoice in s.execute(select(Invoice).where(Invoice.invoice_number == invoice_number)).scalars():
            invoice.collection_hold = "reconciliation"
        s.commit()
