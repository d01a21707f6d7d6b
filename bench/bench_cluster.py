"""`make run` against `make cluster`, in the same run, with the scripted plan conversation.

(a) Closed loop at saturation: CLIENTS conversations back to back for SECONDS against each
    profile; turns/s of each and their ratio.
(b) The cluster with CONVERSATIONS concurrent conversations, THINK seconds between a reply
    and the next message: p50/p95/max per turn, errors (HTTP error or no reply), lost
    (sent but not in the stored conversation) and doubled (stored twice) messages.

Figures only: nothing is asserted. Environment: BENCH_CLIENTS (16), BENCH_SECONDS (60),
BENCH_CONVERSATIONS (200), BENCH_THINK (10).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ledger.demo import DEMO_INVOICES  # noqa: E402
from tests.cluster.harness import missing_packages, running_cluster  # noqa: E402
from tests.e2e.live import running_servers  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "200"))
THINK = float(os.environ.get("BENCH_THINK", "10"))
ITALIAN = [row for row in DEMO_INVOICES if row["language"] == "it"]


def plan_script(i: int) -> list[str]:
    """The plan conversation (bench_turns.py's), over the Italian demo debtors in turn."""
    row = ITALIAN[i % len(ITALIAN)]
    return ["Buongiorno", "vorrei pagare a rate", row["invoice_number"], row["tax_code"], "150 euro al mese",
            "1", "sì confermo", "no grazie", "9", f"molto chiaro e gentile {i}"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def post(client: httpx.Client, url: str, sender: str, message: str) -> bool:
    """One turn; True when it was answered."""
    try:
        response = client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                               timeout=120)
        return response.status_code == 200 and bool(response.json())
    except httpx.HTTPError:
        return False


PROCESS_KINDS = (("rasa", ("rasa_server", "rasa run")), ("actions", ("action_server",)), ("nginx", ("nginx",)),
                 ("postgres", ("postgres",)), ("redis", ("redis-server",)))


def cpu_by_kind() -> Counter:
    """CPU seconds used so far by the servers' processes on this machine, by kind (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: Counter = Counter()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = next((k for k, marks in PROCESS_KINDS if any(m in command for m in marks)), None)
        if kind:
            used[kind] += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return used


def saturate(url: str, label: str) -> float:
    """Turns per second with CLIENTS closed-loop clients for SECONDS, and CPU ms per turn by process kind."""
    cpu_before = cpu_by_kind()
    stop = time.monotonic() + SECONDS
    done = Counter()

    def client_loop(c: int) -> None:
        with httpx.Client() as client:
            n = 0
            while time.monotonic() < stop:
                sender = f"sat-{label}-{c}-{n}-{time.time_ns()}"
                for message in plan_script(c + n):
                    if time.monotonic() >= stop:
                        return
                    done["ok" if post(client, url, sender, message) else "error"] += 1
                n += 1

    start = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client_loop, range(CLIENTS)))
    rate = done["ok"] / (time.monotonic() - start)
    print(f"{label:>8}: {rate:6.1f} turns/s at saturation ({CLIENTS} clients, {done['error']} errors)")
    if done["ok"]:
        spent = cpu_by_kind()
        per_turn = {k: 1000 * (spent[k] - cpu_before[k]) / done["ok"] for k in spent if spent[k] > cpu_before[k]}
        print(f"{'':>10}CPU per turn: {sum(per_turn.values()):.1f} ms ("
              + ", ".join(f"{k} {ms:.1f}" for k, ms in sorted(per_turn.items(), key=lambda kv: -kv[1])) + ")")
    return rate


def think_time_run(url: str, stored: Callable[[str], list[str]]) -> None:
    """CONVERSATIONS concurrent conversations with THINK s between turns, against `url`."""
    latencies: list[float] = []
    errors = Counter()
    lock = threading.Lock()
    sent: dict[str, list[str]] = {}

    def conversation(i: int) -> None:
        sender = f"think-{i}-{time.time_ns()}"
        script = plan_script(i)
        sent[sender] = script
        time.sleep(THINK * i / CONVERSATIONS)  # arrivals spread over one think time
        with httpx.Client() as client:
            for message in script:
                start = time.perf_counter()
                ok = post(client, url, sender, message)
                with lock:
                    latencies.append(time.perf_counter() - start)
                    errors["error"] += 0 if ok else 1
                time.sleep(THINK)

    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        list(pool.map(conversation, range(CONVERSATIONS)))
    lost = doubled = 0
    for sender, script in sent.items():
        counts = Counter(stored(sender))
        lost += sum(1 for m in script if counts[m] == 0)
        doubled += sum(n - 1 for n in counts.values() if n > 1)
    print(f"cluster, {CONVERSATIONS} conversations, {THINK:.0f} s think time, {len(latencies)} turns: "
          f"p50 {statistics.median(latencies):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, "
          f"max {max(latencies):.2f} s, errors {errors['error']}, lost {lost}, doubled {doubled}")


def main() -> None:
    missing = missing_packages()
    if missing:
        print(f"bench_cluster skipped: needs {' '.join(missing)} (sudo apt-get install -y {' '.join(missing)})")
        return
    with tempfile.TemporaryDirectory() as tmp:
        with running_servers({"ENABLE_REST_CHANNEL": "1"}, Path(tmp) / "run") as single:
            single_rate = saturate(single.rasa_url, "make run")
        cluster_dir = Path(tmp) / "cluster"
        cluster_dir.mkdir()
        with running_cluster(cluster_dir) as cluster:
            cluster_rate = saturate(cluster.url, "cluster")
            print(f"   ratio: {cluster_rate / single_rate:.2f}x (cluster / make run)")
            think_time_run(cluster.url, cluster.user_texts)


if __name__ == "__main__":
    main()
