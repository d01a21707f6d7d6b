"""`make cluster` under load and faults: two Rasa replicas behind nginx, PostgreSQL, Redis.

One cluster for the module (starting it loads the model twice); the tests run in file
order, the disruptive ones last, and each leaves the cluster serving again.
"""
from __future__ import annotations

import re
import os
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from bot.ledger.demo import DEMO_INVOICES
from bot.rasa.apology import APOLOGY
from tests.cluster.harness import Cluster, missing_packages, running_cluster

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    missing = missing_packages()
    if missing:
        pytest.skip(f"cluster tests need {' '.join(missing)} (apt-get install {' '.join(missing)})")
    # Not under pytest's base temporary directory: PostgreSQL runs as the postgres user and must
    # reach its data directory, and every pytest session on the machine resets that base to 0700.
    base = Path(tempfile.mkdtemp(prefix="cluster-test-"))
    base.chmod(0o755)
    try:
        with running_cluster(base) as running:
            yield running
    finally:
        # CLUSTER_KEEP=1 leaves the logs of every process behind for a failure to be read.
        if not os.environ.get("CLUSTER_KEEP"):
            shutil.rmtree(base, ignore_errors=True)


def script(row: dict) -> list[str]:
    if row["language"] == "it":
        return ["Buongiorno", "quanto devo?", row["invoice_number"], row["tax_code"], "no grazie", "9", "tutto chiaro"]
    return ["Hello", "how much do I owe?", row["invoice_number"], row["tax_code"], "no thanks", "9", "all clear"]


def texts(replies: list[dict]) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def answered_with_retry(cluster: Cluster, sender: str, message: str, attempts: int = 5) -> list[dict]:
    """What a provider does: resend a webhook that failed (here a 502 or a dropped connection)."""
    for attempt in range(attempts):
        try:
            return cluster.rest(sender, message)
        except (httpx.HTTPStatusError, httpx.TransportError):
            if attempt == attempts - 1:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def assert_each_once(cluster: Cluster, sender: str, sent: list[str]) -> None:
    stored = cluster.user_texts(sender)
    assert sorted(stored) == sorted(sent), f"lost or doubled: sent {sent}, stored {stored}"


def upstreams_used(cluster: Cluster) -> set[int]:
    """Ports of the Rasa replicas nginx passed requests to (its access log names them)."""
    log = (cluster.dir / "nginx-access.log").read_text()
    return {int(port) for line in log.splitlines() if "upstream=" in line
            for port in re.findall(r"127\.0\.0\.1:(\d+)", line.split("upstream=", 1)[1])}


def test_conversations_complete_through_nginx_on_both_replicas(cluster):
    rows = [r for r in DEMO_INVOICES if r["language"] == "it"][:2] + [r for r in DEMO_INVOICES if r["language"] == "en"][:2]

    def converse(i: int, row: dict) -> tuple[str, list[str], list[str]]:
        sender = f"complete-{i}-{time.time_ns()}"
        lines = script(row)
        return sender, lines, [texts(cluster.rest(sender, line)) for line in lines]

    with ThreadPoolExecutor(len(rows)) as pool:
        results = list(pool.map(converse, range(len(rows)), rows))
    for (sender, lines, answers), row in zip(results, rows, strict=True):
        assert all(answers), f"a turn without an answer: {answers}"
        assert any(row["invoice_number"] in a or "€" in a or "EUR" in a for a in answers[3:4]), answers
        assert_each_once(cluster, sender, lines)
    assert upstreams_used(cluster) == set(cluster.rasa_ports), "both replicas served"


SECRETS = ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "CONSOLE_SECRET", "WEBCHAT_TOKEN_SECRET")


def _proc_file(pid: str, name: str) -> bytes:
    try:
        return (Path("/proc") / pid / name).read_bytes()
    except OSError:  # a process that ended meanwhile
        return b""


def test_no_secret_of_the_cluster_is_on_any_command_line(cluster):
    """The attack: any local user reads ``ps`` (``/proc/<pid>/cmdline``) and finds the Rasa API token."""
    environ = dict(item.split(b"=", 1) for item in _proc_file(str(cluster.pid("rasa-1")), "environ").split(b"\0")
                   if b"=" in item)
    secrets = {name: environ.get(name.encode(), b"") for name in SECRETS}
    assert all(len(value) >= 16 for value in secrets.values()), "the replica runs with every secret set"
    assert secrets["RASA_AUTH_TOKEN"] == cluster.token.encode()
    for pid in (entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit()):
        cmdline = _proc_file(pid, "cmdline")
        leaked = [name for name, value in secrets.items() if value in cmdline]
        assert not leaked, f"{leaked} on the command line of process {pid}: {cmdline[:80]!r}"


def test_twenty_messages_of_one_sender_at_both_replicas_at_once_run_one_at_a_time(cluster):
    sender = f"burst-{time.time_ns()}"
    sent = [f"ciao {i}" for i in range(20)]

    def post(i: int) -> list[dict]:
        port = cluster.rasa_ports[i % 2]  # straight at each replica: both certainly take part
        response = httpx.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                              json={"sender": sender, "message": sent[i]}, timeout=300)
        response.raise_for_status()
        return response.json()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(post, range(20)))
    assert all(answers), "every message answered"
    assert_each_once(cluster, sender, sent)
    # One at a time: every user message is followed by its own turn, ending in action_listen,
    # before the next user message is read.
    events = cluster.tracker(sender)["events"]
    kinds = [(e["event"], e.get("name")) for e in events if e["event"] in ("user", "action")]
    for before, after in zip(kinds, kinds[1:], strict=False):
        if after[0] == "user":
            assert before == ("action", "action_listen"), f"interleaved turns: {kinds}"


def test_a_dead_action_server_gets_the_debtor_an_apology_not_silence(cluster):
    sender = f"noactions-{time.time_ns()}"
    for name in ("action-1", "action-2"):
        cluster.hold(name)
        cluster.kill(name)
    try:
        replies = cluster.rest(sender, "Buongiorno")
        assert APOLOGY["it"] in texts(replies)
    finally:
        for name in ("action-1", "action-2"):
            cluster.hold(name, held=False)
    deadline = time.monotonic() + 300
    while APOLOGY["it"] in texts(cluster.rest(f"back-{time.time_ns()}", "Buongiorno")):
        assert time.monotonic() < deadline, "action servers did not come back"
        time.sleep(2)


def _replica_serving(cluster: Cluster) -> int | None:
    """Index of the replica with an open connection from nginx (a turn in flight), if any."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if Path(table).exists():
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "01":  # ESTABLISHED
                    established.add(int(local.rsplit(":", 1)[1], 16))
    for i, port in enumerate(cluster.rasa_ports):
        if port in established:
            return i
    return None


def test_sigkill_of_a_replica_mid_conversation_loses_and_doubles_nothing(cluster):
    row = next(r for r in DEMO_INVOICES if r["language"] == "it")
    sender = f"killed-{time.time_ns()}"
    lines = script(row)
    cluster.rest(sender, lines[0])
    cluster.rest(sender, lines[1])
    cluster.http.close()  # no idle connection of ours to a replica: only nginx's in-flight one counts
    cluster.http = httpx.Client(timeout=180)
    result: dict = {}
    # The action servers are frozen while the turn runs, so it is certainly in flight (waiting on
    # its form's validation) when the replica serving it is found and killed; a fast machine
    # otherwise finishes the turn before it can be seen.
    actions = ("action-1", "action-2")
    for name in actions:
        cluster.kill(name, signal.SIGSTOP)
    victim = None
    try:
        worker = threading.Thread(target=lambda: result.update(r=answered_with_retry(cluster, sender, lines[2])))
        worker.start()
        deadline = time.monotonic() + 60
        while victim is None and worker.is_alive() and time.monotonic() < deadline:
            victim = _replica_serving(cluster)
            time.sleep(0.02)
        if victim is not None:
            cluster.kill(f"rasa-{victim + 1}", signal.SIGKILL)
    finally:
        for name in actions:
            cluster.kill(name, signal.SIGCONT)
    worker.join(300)
    assert victim is not None, "the turn finished before a replica could be killed"
    assert texts(result["r"]), "the retried turn was answered"
    for line in lines[3:]:
        assert texts(answered_with_retry(cluster, sender, line))
    assert_each_once(cluster, sender, lines)
    cluster.wait_ready(cluster.rasa_ports[victim])  # restarted by the cluster's supervisor


def test_postgresql_stopped_for_a_few_seconds_delays_turns_and_loses_none(cluster):
    row = next(r for r in DEMO_INVOICES if r["language"] == "en")
    sender = f"pgdown-{time.time_ns()}"
    lines = script(row)
    cluster.rest(sender, lines[0])
    cluster.pg_ctl("stop")
    result: dict = {}
    # Either the turn waits for the database inside the replica (the tracker store retries),
    # or the webhook fails before anything is stored and the provider's retry brings it back.
    worker = threading.Thread(target=lambda: result.update(r=answered_with_retry(cluster, sender, lines[1], 20)))
    try:
        worker.start()
        time.sleep(4)
    finally:
        cluster.pg_ctl("start")
    worker.join(120)
    assert texts(result["r"]), "the turn in the gap got an answer"
    for line in lines[2:]:
        assert texts(cluster.rest(sender, line))
    assert_each_once(cluster, sender, lines)
