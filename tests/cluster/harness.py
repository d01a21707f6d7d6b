"""`scripts/cluster.sh` started on free ports in a temporary directory, for tests and bench.

The cluster is the real thing: PostgreSQL, redis-server, nginx, two Rasa replicas, two
action servers and the outreach worker, each a process with its pid file; faults are
injected with signals and ``pg_ctl``, exactly as an operator would meet them.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import Iterator

import httpx

from tests.e2e.live import MODEL, ROOT, free_port

PACKAGES = {"nginx": "nginx", "redis-server": "redis-server"}


def missing_packages() -> list[str]:
    """Debian packages the cluster needs that are not installed."""
    missing = [pkg for binary, pkg in PACKAGES.items() if shutil.which(binary) is None]
    if not glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        missing.append("postgresql")
    return missing


@dataclass
class Cluster:
    url: str
    dir: Path
    token: str
    rasa_ports: list[int]
    pg_port: int
    proc: subprocess.Popen
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=180))

    def rest(self, sender: str, message: str) -> list[dict]:
        """One message through nginx and the REST channel; the replies."""
        response = self.http.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
        response.raise_for_status()
        return response.json()

    def pid(self, name: str) -> int:
        return int((self.dir / f"{name}.pid").read_text().split()[0])

    def tracker(self, sender: str) -> dict:
        """The conversation as stored (any replica answers: they share the database)."""
        for port in self.rasa_ports:
            try:
                response = self.http.get(f"http://127.0.0.1:{port}/conversations/{sender}/tracker",
                                         params={"token": self.token}, timeout=60)
                if response.status_code == 200:
                    return response.json()
            except httpx.HTTPError:
                continue
        raise RuntimeError("no Rasa replica answered")

    def user_texts(self, sender: str) -> list[str]:
        return [e.get("text") for e in self.tracker(sender)["events"] if e.get("event") == "user"]

    def hold(self, name: str, held: bool = True) -> None:
        """Keep a process down (the cluster's supervisor restarts it once released)."""
        marker = self.dir / f"{name}.hold"
        if held:
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        os.kill(self.pid(name), sig)

    def pg_ctl(self, action: str) -> None:
        pgbin = sorted(glob("/usr/lib/postgresql/*/bin"))[-1]
        cmd = [f"{pgbin}/pg_ctl", "-D", str(self.dir / "pg"), "-w", "-m", "fast", "-l",
               str(self.dir / "postgres.log"), "-o",
               f"-p {self.pg_port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200", action]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def wait_ready(self, port: int, timeout: float = 600) -> None:
        """Until the replica on ``port`` has its model loaded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cluster exited:\n{self.log_tail()}")
            try:
                status = self.http.get(f"http://127.0.0.1:{port}/status", params={"token": self.token}, timeout=5)
                if status.status_code == 200 and status.json().get("model_file"):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError(f"replica on {port} not ready:\n{self.log_tail()}")

    def log_tail(self, name: str = "cluster", lines: int = 40) -> str:
        path = self.dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@contextmanager
def running_cluster(tmp: Path, extra_env: dict[str, str] | None = None, replicas: int = 2) -> Iterator[Cluster]:
    """Start the cluster on free ports under ``tmp``; stop it (Ctrl-C) at the end."""
    if not MODEL.exists():
        raise FileNotFoundError(f"no trained model at {MODEL}: run `make train` first")
    rasa_ports = [free_port() for _ in range(replicas)]
    token = "cluster-" + os.urandom(8).hex()
    pg_port = free_port()
    env = {**os.environ, "CLUSTER_DIR": str(tmp), "CLUSTER_PORT": str(free_port()),
           "RASA_PORTS": " ".join(map(str, rasa_ports)),
           "ACTION_PORTS": f"{free_port()} {free_port()}", "ACTION_LB_PORT": str(free_port()),
           "CLUSTER_PG_PORT": str(pg_port), "CLUSTER_REDIS_PORT": str(free_port()),
           "RASA_AUTH_TOKEN": token, "ENABLE_REST_CHANNEL": "1", "TICKET_LOCK_LIFETIME": "10",
           "PUBLIC_BASE_URL": "http://127.0.0.1", **(extra_env or {})}
    for name in ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL"):
        env.pop(name, None)
    if os.geteuid() == 0:  # PostgreSQL runs as the postgres user: it must reach its data directory
        for directory in [tmp, *tmp.parents]:
            mode = directory.stat().st_mode
            if directory.stat().st_uid == 0 and not mode & 0o001:
                directory.chmod(mode | 0o005)  # pytest makes its temporary directories 0700
    log = open(tmp / "cluster.log", "wb")
    proc = subprocess.Popen(["bash", "scripts/cluster.sh"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    cluster = Cluster(url=f"http://127.0.0.1:{env['CLUSTER_PORT']}", dir=tmp, token=token,
                      rasa_ports=rasa_ports, pg_port=pg_port, proc=proc)
    try:
        for port in rasa_ports:
            cluster.wait_ready(port)
        yield cluster
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        cluster.http.close()
