"""NPS report on a million synthetic answers (Italian and English): throughput and peak memory.

Generates the answers in memory (not timed as part of the report), then times the whole
report: statistics, theme fitting, theme assignment of every comment, HTML/JSON/CSV output.
Prints figures only; nothing is asserted. Usage: bench/bench_nps.py [N] [--workers W]
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nps.report import build_report_with_labels, write_outputs  # noqa: E402
from bot.nps.sources import SurveyData  # noqa: E402
from bot.nps.synthetic import make_comment, make_score  # noqa: E402

CHANNELS = ("whatsapp", "sms", "telegram", "webchat")
JOURNEYS = ("balance", "plan", "promise", "already_paid", "dispute", "difficulty")


def synthetic_answers(n: int, seed: int = 7) -> SurveyData:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1)
    scores = np.empty(n, dtype=np.int16)
    langs, comments = [], []
    for i in range(n):
        score = make_score(rng)
        lang = "it" if rng.random() < 0.7 else "en"
        scores[i] = score
        langs.append(lang)
        comments.append(make_comment(rng, score, lang).text if rng.random() < 0.85 else "")
    np_rng = np.random.default_rng(seed)
    created = np.datetime64(start, "s") + np_rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
    return SurveyData(
        created=created, channel=np.array(CHANNELS)[np_rng.integers(0, len(CHANNELS), n)],
        journey=np.array(JOURNEYS)[np_rng.integers(0, len(JOURNEYS), n)],
        outcome=np.array(("resolved", "plan_created", "handoff"))[np_rng.integers(0, 3, n)],
        language=np.array(langs), score=scores, comment=comments)


def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = synthetic_answers(args.n)
    t1 = time.perf_counter()
    texts = [c for c in data.comment if c]
    distinct = len(set(texts)) / len(texts) if texts else 0.0
    print(f"generated {args.n:,} answers, {len(texts):,} with a comment, {distinct:.1%} of those distinct, "
          f"in {t1 - t0:.1f}s")
    report, per_comment = build_report_with_labels(data, workers=args.workers, source="benchmark")
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_outputs(report, out, per_comment=per_comment)
    t3 = time.perf_counter()
    elapsed = t3 - t1
    own, children = peak_mib()
    print(f"report: {elapsed:.1f}s total (analysis {t2 - t1:.1f}s, output {t3 - t2:.1f}s)")
    print(f"throughput: {args.n / elapsed:,.0f} comments/s")
    print(f"peak memory (ru_maxrss): main {own:,.0f} MiB, largest worker {children:,.0f} MiB")
    print(f"NPS {report['overall']['nps']}  themes {len(report['themes'])}  drivers "
          f"{', '.join(d['names']['en'] for d in report['drivers'])}")
    for theme in report["themes"]:
        print(f"  {theme['size']:>8,}  NPS {theme['nps']:>6}  {theme['names']['en']}")


if __name__ == "__main__":
    main()
