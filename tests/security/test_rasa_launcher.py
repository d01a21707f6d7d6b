"""The Rasa HTTP API token never appears on a command line, and every server binds loopback.

The attack replayed: any local user runs ``ps`` (or reads ``/proc/<pid>/cmdline``) while
``make run`` is up and reads the Rasa API token off ``rasa run --auth-token=…``.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.security.rasa_server import rasa_argv
from tests.e2e.live import MODEL, ROOT, VENV_BIN, free_port


def test_token_goes_last_and_interface_defaults_to_loopback() -> None:
    argv = rasa_argv(["--enable-api", "--port", "5005"], "t0k", env={})
    assert argv == ["rasa", "run", "--enable-api", "--port", "5005", "--interface", "127.0.0.1", "--auth-token", "t0k"]
    assert rasa_argv([], "t", env={"HOST": "0.0.0.0"})[-3] == "0.0.0.0"
    assert "--interface" not in rasa_argv(["-i", "10.0.0.1"], "t", env={})


@pytest.mark.parametrize("args, token", [([], ""), ([], "  "), (["--auth-token=x"], "t"), (["-t", "x"], "t")])
def test_a_missing_token_or_one_on_the_command_line_is_refused(args: list[str], token: str) -> None:
    with pytest.raises(ValueError):
        rasa_argv(args, token, env={})


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


def _command_lines() -> list[str]:
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                continue
    return lines


@pytest.mark.e2e
def test_serve_sh_keeps_the_tokens_off_every_command_line(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    rasa_port, action_port = free_port(), free_port()
    token, action_token = secrets.token_hex(16), secrets.token_hex(16)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "RASA_PORT": str(rasa_port),
           "ACTIONS_PORT": str(action_port), "RASA_AUTH_TOKEN": token, "ACTION_SERVER_TOKEN": action_token,
           "WEBCHAT_TOKEN_SECRET": "serve-test", "CONSOLE_SECRET": "serve-test", "DEMO_DATA": "0",
           "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    for name in ("HOST", "ACTION_HOST", "TEST_DATABASE_URL"):
        env.pop(name, None)
    subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                status = httpx.get(f"http://127.0.0.1:{rasa_port}/status", params={"token": token}, timeout=3)
                if status.status_code == 200 and status.json().get("model_file"):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            pytest.fail("the Rasa server did not come up:\n" + log.read_text(errors="replace")[-3000:])
        # The API is really guarded by the token that is nowhere on a command line.
        assert httpx.get(f"http://127.0.0.1:{rasa_port}/status", timeout=5).status_code == 401
        leaked = [line for line in _command_lines() if token in line or action_token in line]
        assert leaked == []
        for port in (rasa_port, action_port):
            bound = _listening(port)
            assert bound and bound <= {"0100007F", "0000000000000000FFFF00000100007F"}, (port, bound)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_no_deployment_puts_a_token_on_a_command_line() -> None:
    """The same attack on a real deployment: the units and scripts start Rasa through the launcher."""
    launchers = [*sorted((ROOT / "deploy" / "systemd").glob("*.service")), ROOT / "scripts" / "serve.sh",
                 ROOT / "scripts" / "cluster.sh"]
    starts_rasa = []
    for path in launchers:
        text = path.read_text()
        assert "--auth-token" not in text and "-t $" not in text, f"{path.name} passes a token on the command line"
        if "bot.security.rasa_server" in text:
            starts_rasa.append(path.name)
    assert starts_rasa == ["assistant-rasa@.service", "serve.sh", "cluster.sh"]
