"""Long runs of the conversation explorer: `python scripts/explore.py N [SEED] [WORKERS]`.

Starts its own Rasa and action servers on free loopback ports (a fresh SQLite database with
the demo ledger), plays N generated conversations, prints the table of conversations, turns
and violations by invariant, then the first violating transcripts. Exit status 1 when any
invariant was violated. The seed is printed first, so any run can be repeated exactly.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.live import running_servers  # noqa: E402
from tests.explorer.driver import describe, explore, first_by_invariant  # noqa: E402


def main(argv: list[str]) -> int:
    """Run the explorer; the arguments are N, an optional seed and an optional worker count."""
    n = int(argv[0]) if argv else 1000
    seed = int(argv[1]) if len(argv) > 1 and argv[1] else random.randrange(1 << 31)
    workers = int(argv[2]) if len(argv) > 2 else int(os.environ.get("EXPLORE_WORKERS", "4"))
    print(f"explore: N={n} seed={seed} workers={workers}", flush=True)
    with tempfile.TemporaryDirectory() as tmp, running_servers({"ENABLE_REST_CHANNEL": "1"}, Path(tmp)) as live:
        report = explore(live.rasa_url, live.token, n, seed, workers, db_url=live.db_url)
    print(report.table())
    for name, failure in first_by_invariant(report).items():
        print(f"\n=== first violation of {name}")
        print(describe(failure))
    for error in report.errors[:10]:
        print("error:", error)
    return 1 if report.failures or report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
