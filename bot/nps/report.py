"""The NPS report as data: overall score, breakdowns, themes and what drives detractors.

``build_report`` returns plain JSON-able dicts so the same figures feed the HTML page, the
JSON/CSV files and the KPI dashboard.
"""
from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.nps.sources import SurveyData
from bot.nps.stats import breakdown, summarise
from bot.nps.reading import answer_polarity, matcher, read_texts
from bot.nps.theme_rows import POLARITY_NAMES, SMALL_SAMPLE, ThemeSource, theme_rows, verbatims
from bot.nps.themes import MIN_COMMENTS, _distinct, assign_themes, fit_themes

DIMENSIONS = ("channel", "journey", "outcome", "language", "month")
# A theme "drives detractors" when its comments come from detractors clearly more often
# than comments in general do.
DRIVER_LIFT = 1.15


def _groups(keys: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    return [{"key": key, **summary.as_dict(), "small_sample": summary.n < SMALL_SAMPLE}
            for key, summary in breakdown(keys, scores)]


def _drivers(themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drivers = [t for t in themes if (t["detractor_lift"] or 0) >= DRIVER_LIFT and t["detractors"] > 0
               and t["polarity"] != "positive"]
    drivers.sort(key=lambda t: -t["share_of_detractor_comments_pct"])
    return [{"id": t["id"], "name": t["name"], "names": t["names"], "detractors": t["detractors"],
             "lift": t["detractor_lift"], "share_of_detractor_comments_pct": t["share_of_detractor_comments_pct"],
             "nps": t["nps"], "nps_rest": t["nps_rest"], "small_sample": t["small_sample"]} for t in drivers]


PerComment = tuple[np.ndarray, np.ndarray]   # theme row id (-1: none) and polarity (-1/0/+1) per comment


def build_report(data: SurveyData, *, n_themes: int | None = None, workers: int | None = None,
                 source: str = "database") -> dict[str, Any]:
    """The report's figures (JSON-able)."""
    return build_report_with_labels(data, n_themes=n_themes, workers=workers, source=source)[0]


def build_report_with_labels(data: SurveyData, *, n_themes: int | None = None, workers: int | None = None,
                             source: str = "database") -> tuple[dict[str, Any], PerComment | None]:
    """The figures and, per comment, its theme row and polarity (for nps_comments.csv).

    Answers naming a known subject (bot.nps.subjects) take it; the others are left to the
    unsupervised themes (bot.nps.themes, ``n_themes`` of them or chosen automatically), so a
    complaint nobody foresaw still surfaces. Every theme is then split by opinion."""
    overall = summarise(data.score)
    has_comment = np.fromiter((bool(c.strip()) for c in data.comment), dtype=bool, count=len(data))
    report: dict[str, Any] = {
        "generated_at": datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
        "source": source,
        "period": {"from": str(data.created.min())[:10] if len(data) else None,
                   "to": str(data.created.max())[:10] if len(data) else None},
        "overall": overall.as_dict(),
        "histogram": np.bincount(data.score, minlength=11).tolist() if len(data) else [0] * 11,
        "by": {dim: _groups(data.month if dim == "month" else getattr(data, dim), data.score) for dim in DIMENSIONS},
        "comments": {"with_text": int(has_comment.sum())},
        "themes": [], "drivers": [], "unthemed": int(has_comment.sum()), "note": "",
    }
    if int(has_comment.sum()) < MIN_COMMENTS:
        report["note"] = "too_few_comments"
        idx = np.flatnonzero(has_comment)
        report["verbatims"] = verbatims(data.comment, idx, np.ones(len(data), dtype=np.float32), limit=10)
        return report, None
    texts, inverse = _distinct(data.comment)
    reading = read_texts(texts, workers=workers)
    label = np.where(has_comment, reading.subject[inverse], -1).astype(np.int32)
    weight = reading.weight[inverse]
    pol = answer_polarity(reading.opinion[inverse], has_comment, data.score)
    sources = [ThemeSource(s, s.words[:8]) for s in matcher().subjects]
    rest = np.flatnonzero(has_comment & (label < 0))
    rest_comments = [data.comment[i] for i in rest]
    model = fit_themes(rest_comments, k=n_themes) if rest.size else None
    if model is not None:
        found = assign_themes(model, rest_comments, workers=workers)
        label[rest] = np.where(found.label >= 0, found.label.astype(np.int32) + len(sources), -1)
        weight[rest] = found.weight
        sources += [ThemeSource(None, tuple(terms)) for terms in model.terms]
    report["themes"], row_of = theme_rows(data, sources, label, weight, pol, has_comment)
    report["drivers"] = _drivers(report["themes"])
    report["unthemed"] = int((has_comment & (row_of < 0)).sum())
    return report, (row_of, pol)


def write_outputs(report: dict[str, Any], out_dir: Path | str, lang: str = "it",
                  per_comment: PerComment | None = None) -> dict[str, Path]:
    """report.html, nps.json, nps_breakdown.csv and nps_themes.csv in ``out_dir``."""
    from bot.nps.html import render_report  # the page is optional for callers that only want figures

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / "nps_report.html", "json": out / "nps.json",
             "breakdown": out / "nps_breakdown.csv", "themes": out / "nps_themes.csv",
             "comments": out / "nps_comments.csv"}
    paths["html"].write_text(render_report(report, lang=lang), encoding="utf-8")
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    fields = ("n", "promoters", "passives", "detractors", "promoters_pct", "passives_pct", "detractors_pct",
              "nps", "ci95_low", "ci95_high", "mean_score")
    with paths["breakdown"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("dimension", "key", *fields))
        writer.writerow(("overall", "all", *(report["overall"][f] for f in fields)))
        for dim, rows in report["by"].items():
            for row in rows:
                writer.writerow((dim, row["key"], *(row[f] for f in fields)))
    with paths["themes"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("theme", "terms", "size", "share_pct", "mean_score", "nps", "detractors",
                         "detractor_lift", "share_of_detractor_comments_pct", "example"))
        for t in report["themes"]:
            writer.writerow((_name(t, lang), " ".join(t["terms"]), t["size"], t["share_pct"], t["mean_score"], t["nps"],
                             t["detractors"], t["detractor_lift"], t["share_of_detractor_comments_pct"],
                             t["verbatims"][0] if t["verbatims"] else ""))
    _write_comment_rows(paths["comments"], report, per_comment, lang)
    return paths


def _name(theme: dict[str, Any], lang: str) -> str:
    return theme.get("names", {}).get(lang) or theme["name"]


def _write_comment_rows(path: Path, report: dict[str, Any], per_comment: Any, lang: str) -> None:
    """One row per input comment, in input order: ``row,theme,subject,polarity`` (row counts
    from 1; theme as named in nps_themes.csv, empty when unthemed), so any labelled set can
    score the themes."""
    themes = {t["id"]: t for t in report["themes"]}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("row", "theme", "subject", "polarity"))
        if per_comment is None:
            return
        labels, pol = per_comment
        for i, (label, p) in enumerate(zip(labels.tolist(), pol.tolist(), strict=False), start=1):
            theme = themes.get(label)
            writer.writerow((i, _name(theme, lang) if theme else "", theme["subject"] if theme else "",
                             POLARITY_NAMES[p + 1]))
