"""Per-turn latency of a verified-plan conversation over REST, against a bare baseline.

Prints p50/p95 per turn for this assistant (action server + forms + database) and for a
minimal `rasa init`-style model (greet/goodbye, responses only) trained and served in the
same run, their ratio, and both training times. Figures only: nothing is asserted.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.live import running_servers  # noqa: E402

RASA = str(Path(sys.executable).parent / "rasa")
CONVERSATIONS = 5


def plan_script(invoice: str, tax_code: str) -> list[str]:
    return ["Buongiorno", "vorrei pagare a rate", invoice, tax_code, "150 euro al mese", "1", "sì confermo",
            "no grazie", "9", "molto chiaro e gentile"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_turns(servers, script: list[str], runs: int) -> list[float]:
    latencies = []
    for run in range(runs):
        sender = f"bench-{time.time_ns()}-{run}"
        for message in script:
            start = time.perf_counter()
            servers.rest(sender, message)
            latencies.append(time.perf_counter() - start)
    return latencies


def train(project: Path, out: Path, name: str) -> float:
    start = time.perf_counter()
    subprocess.run([RASA, "train", "--fixed-model-name", name, "--out", str(out), "--force", "--quiet"],
                   cwd=project, check=True, capture_output=True)
    return time.perf_counter() - start


def baseline_project(path: Path) -> None:
    (path / "data").mkdir(parents=True)
    (path / "config.yml").write_text(textwrap.dedent("""\
        recipe: default.v1
        language: en
        assistant_id: baseline
        pipeline:
          - name: WhitespaceTokenizer
          - name: CountVectorsFeaturizer
          - name: DIETClassifier
            epochs: 80
        policies:
          - name: RulePolicy
        """))
    (path / "domain.yml").write_text(textwrap.dedent("""\
        version: "3.1"
        intents: [greet, goodbye]
        responses:
          utter_greet: [{text: "Hey! How are you?"}]
          utter_goodbye: [{text: "Bye"}]
        """))
    (path / "data" / "nlu.yml").write_text(textwrap.dedent("""\
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - hey
            - hello
            - hi
            - good morning
            - good evening
            - hey there
        - intent: goodbye
          examples: |
            - bye
            - goodbye
            - see you later
            - good night
            - cu
            - have a nice day
        """))
    (path / "data" / "rules.yml").write_text(textwrap.dedent("""\
        version: "3.1"
        rules:
        - rule: greet
          steps: [{intent: greet}, {action: utter_greet}]
        - rule: bye
          steps: [{intent: goodbye}, {action: utter_goodbye}]
        """))


def main() -> None:
    from bot.ledger.demo import DEMO_INVOICES  # the first Italian demo debtor drives the script

    first = next(row for row in DEMO_INVOICES if row["language"] == "it")
    script = plan_script(first["invoice_number"], first["tax_code"])
    ours: list[float] = []
    base: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        ours_train = train(ROOT, tmp_path / "ours", "collections")
        base_dir = tmp_path / "baseline"
        baseline_project(base_dir)
        base_train = train(base_dir, base_dir / "models", "baseline")
        with running_servers({}, tmp_path / "live", tmp_path / "ours" / "collections.tar.gz") as servers, \
                baseline_server(base_dir, base_dir / "models" / "baseline.tar.gz") as baseline_url:
            time_turns(servers, script[:2], 1)  # warm-up
            # Alternate the two so that any background load on the machine hits both alike.
            for run in range(CONVERSATIONS):
                ours += time_turns(servers, script, 1)
                base += baseline_turns(baseline_url, f"b{run}")
    p50, p95 = percentile(ours, 0.5), percentile(ours, 0.95)
    b50, b95 = percentile(base, 0.5), percentile(base, 0.95)
    print(f"assistant: {len(ours)} turns  p50 {p50 * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms  "
          f"mean {statistics.mean(ours) * 1000:.0f} ms  training {ours_train:.0f} s")
    print(f"baseline : {len(base)} turns  p50 {b50 * 1000:.0f} ms  p95 {b95 * 1000:.0f} ms  training {base_train:.0f} s")
    print(f"ratio p50 {p50 / b50:.2f}x  p95 {p95 / b95:.2f}x  (target <= 1.3x); training target <= 180 s")


def baseline_turns(url: str, sender: str) -> list[float]:
    import httpx

    latencies = []
    with httpx.Client() as client:  # keep-alive, like LiveServers.rest
        for message in ["hello", "bye"] * 5:
            start = time.perf_counter()
            client.post(url, json={"sender": sender, "message": message}, timeout=60).raise_for_status()
            latencies.append(time.perf_counter() - start)
    return latencies


@contextmanager
def baseline_server(project: Path, model: Path) -> Iterator[str]:
    import httpx

    from tests.e2e.live import free_port
    port = free_port()
    proc = subprocess.Popen([RASA, "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1"],
                            cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if httpx.post(url, json={"sender": "warm", "message": "hi"}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
