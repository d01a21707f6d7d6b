"""The labelled NPS answers: size and balance of the set, and the theme quality it measures.

The thresholds are the targets the report is held to (theme purity 0.85, polarity agreement
0.90); a change to the lexicons or the pipeline that drops below them fails here, before
anyone reads a worse report.
"""
from __future__ import annotations

import csv
import importlib.util
import tempfile
from collections import Counter
from pathlib import Path

from bot.nps.report import build_report_with_labels, write_outputs
from bot.nps.synthetic import make_comment

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("nps_eval", ROOT / "scripts" / "nps_eval.py")
nps_eval = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nps_eval)  # type: ignore[union-attr]


def _scored() -> dict[str, float]:
    rows, data = nps_eval.load()
    report, per_comment = build_report_with_labels(data, source="test")
    with tempfile.TemporaryDirectory() as out:
        path = write_outputs(report, out, per_comment=per_comment)["comments"]
        with path.open(encoding="utf-8", newline="") as handle:
            predicted = list(csv.DictReader(handle))
    return nps_eval.score(rows, predicted)


def test_the_set_is_large_bilingual_and_labelled_both_ways() -> None:
    rows, _ = nps_eval.load()
    assert len(rows) >= 600
    languages = Counter(r["language"] for r in rows)
    assert languages["it"] >= 300 and languages["en"] >= 250
    assert {r["polarity"] for r in rows} == {"positive", "negative"}
    per_subject = Counter((r["theme"], r["polarity"]) for r in rows)
    assert all(n >= 15 for n in per_subject.values()), per_subject


def test_the_set_is_not_written_by_the_generator() -> None:
    import random

    rows, _ = nps_eval.load()
    rng = random.Random(0)
    generated = {make_comment(rng, rng.randint(0, 10), rng.choice(("it", "en"))).text.lower() for _ in range(20_000)}
    assert not {r["comment"].lower() for r in rows} & generated


def test_themes_meet_the_purity_and_polarity_targets() -> None:
    figures = _scored()
    assert figures["themed_share"] >= 0.9
    assert figures["purity"] >= 0.85, figures
    assert figures["polarity_agreement"] >= 0.90, figures
