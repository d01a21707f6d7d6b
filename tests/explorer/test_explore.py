"""The conversation explorer against the real servers: N generated conversations, every invariant.

EXPLORE_N (default 1000) conversations, EXPLORE_SEED (default random, printed first),
EXPLORE_WORKERS (default 4) in parallel over REST, each its own sender id. One test per
invariant, so a violated rule fails on its own with the first violating transcripts
(seed + index: `python scripts/explore.py N SEED` replays the run).

Rules the current bot still breaks now and then have a budget (``BUDGETS``): a few violating
conversations per 1,000 are reported as a warning, more fail the rule; every other rule is a gate.
"""
from __future__ import annotations

import os
import random
import warnings
from typing import Iterator

import pytest

from tests.e2e.live import MODEL, running_servers
from tests.explorer.driver import Report, describe, explore
from tests.explorer.invariants import BUTTON_INVARIANT, INVARIANTS

pytestmark = pytest.mark.e2e

# Rules a cause not yet removed still breaks now and then: each may be broken by at most this many
# conversations per 1,000 (the cause says why). Above the budget the rule fails like any other,
# so a regression (once 142 in 1,000 ended without the NPS question) turns CI red; within it,
# the violations are reported as a warning with the first transcripts.
BUDGETS: dict[str, tuple[int, str]] = {
    "ends_with_nps": (3, "0 in 2,000 conversations (seeds 20261208, 777001) since the fallback's own "
                         "'how can I help?' brings the NPS question too; 1 in 1,000 before"),
    "no_triple_repeat": (3, "0 in 3,000 since stray data after 'anything else?' is answered as not understood"),
    "one_question_per_turn": (3, "1 in 3,000: an amount not understood inside a form while another conversation "
                                 "puts the same debtor's invoices under check"),
    BUTTON_INVARIANT: (3, "0 in 2,000 since typed titles are read as their buttons (bot/rasa/typed_buttons.py); "
                          "2 in 1,000 before"),
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


@pytest.mark.parametrize("name", [*INVARIANTS, BUTTON_INVARIANT])
def test_invariant_holds(report: Report, name: str) -> None:
    violating = [r for r in report.failures if name in r.violations]
    per_thousand, cause = BUDGETS.get(name, (0, ""))
    allowed = per_thousand * report.conversations // 1000
    found = (f"{name}: {len(violating)} of {report.conversations} conversations (seed {report.seed})\n\n"
             + "\n\n".join(describe(r) for r in violating[:3]))
    assert len(violating) <= allowed, f"over the budget of {allowed} ({cause or 'a gate'}): {found}"
    if violating:
        warnings.warn(f"within the budget of {allowed} ({cause}): {found}", stacklevel=1)
