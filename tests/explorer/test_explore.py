"""The conversation explorer against the real servers: N generated conversations, every invariant.

EXPLORE_N (default 1000) conversations, EXPLORE_SEED (default random, printed first),
EXPLORE_WORKERS (default 4) in parallel over REST, each its own sender id. One test per
invariant, so a violated rule fails on its own with the first violating transcripts
(seed + index: `python scripts/explore.py N SEED` replays the run).

Rules the current bot is known to break are marked xfail with what was found, so the bug
stays visible in every run without turning CI red; remove the mark once it is fixed.
"""
from __future__ import annotations

import os
import random
from typing import Iterator

import pytest

from tests.e2e.live import MODEL, running_servers
from tests.explorer.driver import Report, describe, explore
from tests.explorer.invariants import BUTTON_INVARIANT, INVARIANTS

pytestmark = pytest.mark.e2e

KNOWN = {
    "ends_with_nps": "not seen in 2,000 conversations (seeds 20261208, 777001) since the fallback's own "
                     "'how can I help?' brings the NPS question too; kept known until more seeds confirm it",
    "no_triple_repeat": "not seen in 3,000 since stray data after 'anything else?' is answered as not understood; "
                        "kept known until more seeds confirm it",
    "one_question_per_turn": "rare: an amount not understood inside a form while another conversation puts the "
                             "same debtor's invoices under check",
    BUTTON_INVARIANT: "not seen in 2,000 since typed titles are read as their buttons (bot/rasa/typed_buttons.py; "
                      "2 in 1,000 before); kept known until more seeds confirm it",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Iterator[Report]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    n = int(os.environ.get("EXPLORE_N", "1000"))
    seed = int(os.environ.get("EXPLORE_SEED") or random.randrange(1 << 31))
    workers = int(os.environ.get("EXPLORE_WORKERS", "4"))
    print(f"\nexplore: N={n} seed={seed} workers={workers} (replay: python scripts/explore.py {n} {seed})")
    with running_servers({"ENABLE_REST_CHANNEL": "1"}, tmp_path_factory.mktemp("explore")) as live:
        result = explore(live.rasa_url, live.token, n, seed, workers, button_sample=0.1, db_url=live.db_url)
    print(result.table())
    yield result


def test_every_conversation_ran(report: Report) -> None:
    assert not report.errors, "\n".join(report.errors[:10])
    assert report.conversations and report.turns > report.conversations


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN[name], strict=False)) if name in KNOWN else name
    for name in (*INVARIANTS, BUTTON_INVARIANT)
])
def test_invariant_holds(report: Report, name: str) -> None:
    violating = [r for r in report.failures if name in r.violations]
    assert not violating, (f"{name}: {len(violating)} of {report.conversations} conversations "
                           f"(seed {report.seed})\n\n" + "\n\n".join(describe(r) for r in violating[:3]))
