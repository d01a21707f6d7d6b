"""Scores the NPS themes on the hand-labelled set in tests/fixtures/nps_eval/ (`make nps-eval`).

Runs the same report as `python -m bot nps report`, reads back its nps_comments.csv and prints
theme purity (per theme, the share of its comments whose label is the theme's majority label,
weighted by size) and polarity agreement (share of comments whose polarity matches the label).
"""
from __future__ import annotations

import csv
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nps.report import build_report_with_labels, write_outputs  # noqa: E402
from bot.nps.sources import SurveyData  # noqa: E402

EVAL_DIR = ROOT / "tests" / "fixtures" / "nps_eval"


def load(directory: Path = EVAL_DIR) -> tuple[list[dict[str, str]], SurveyData]:
    rows: list[dict[str, str]] = []
    for path in sorted(directory.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                rows.append({**row, "theme": path.stem})
    start = datetime(2026, 1, 1)
    records = [(start + timedelta(hours=7 * i), "webchat", "plan", "resolved", r["language"], int(r["score"]),
                r["comment"]) for i, r in enumerate(rows)]
    return rows, SurveyData.from_rows(records)


def score(rows: list[dict[str, str]], predicted: list[dict[str, str]]) -> dict[str, float]:
    by_theme: dict[str, Counter[str]] = {}
    for gold, pred in zip(rows, predicted, strict=True):
        if pred["theme"]:
            by_theme.setdefault(pred["theme"], Counter())[gold["theme"]] += 1
    themed = sum(sum(c.values()) for c in by_theme.values())
    purity = sum(c.most_common(1)[0][1] for c in by_theme.values()) / themed if themed else 0.0
    agree = sum(g["polarity"] == p["polarity"] for g, p in zip(rows, predicted, strict=True)) / len(rows)
    return {"comments": len(rows), "themes": len(by_theme), "themed_share": themed / len(rows),
            "purity": purity, "polarity_agreement": agree}


def main() -> int:
    rows, data = load()
    report, per_comment = build_report_with_labels(data, source="nps-eval")
    with tempfile.TemporaryDirectory() as out:
        paths = write_outputs(report, out, per_comment=per_comment)
        with paths["comments"].open(encoding="utf-8", newline="") as handle:
            predicted = list(csv.DictReader(handle))
    figures = score(rows, predicted)
    languages = Counter(r["language"] for r in rows)
    print(f"labelled comments: {figures['comments']} ({languages['it']} it, {languages['en']} en), "
          f"themes found: {figures['themes']}, themed: {figures['themed_share']:.1%}")
    print(f"theme purity: {figures['purity']:.3f}   polarity agreement: {figures['polarity_agreement']:.3f}")
    for theme in report["themes"]:
        print(f"  {theme['size']:>4}  {theme.get('polarity', '-'):8}  {theme['name']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
