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

from bot.logs import mask_text
from bot.nps.sources import SurveyData
from bot.nps.stats import NpsSummary, breakdown, summarise
from bot.nps.polarity import text_polarity
from bot.nps.themes import Assignment, ThemeModel, _distinct, assign_themes, fit_themes

DIMENSIONS = ("channel", "journey", "outcome", "language", "month")
VERBATIMS = 4
# A theme "drives detractors" when its comments come from detractors clearly more often
# than comments in general do.
DRIVER_LIFT = 1.15
# Below this many answers a figure is indicative only and is flagged so.
SMALL_SAMPLE = 30


def _groups(keys: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    return [{"key": key, **summary.as_dict()} for key, summary in breakdown(keys, scores)]


def _verbatims(comments: list[str], idx: np.ndarray, weight: np.ndarray, limit: int = VERBATIMS) -> list[str]:
    """The most representative comments of a theme: strongest weight, readable length, distinct."""
    if idx.size == 0:
        return []
    top = idx[np.argsort(-weight[idx], kind="stable")[:200]]
    chosen: list[str] = []
    seen: set[str] = set()
    for prefer_readable in (True, False):
        for i in top:
            text = " ".join(comments[i].split())
            if text.lower() in seen or (prefer_readable and not 25 <= len(text) <= 280):
                continue
            chosen.append(mask_text(text[:400]))
            seen.add(text.lower())
            if len(chosen) == limit:
                return chosen
    return chosen


POLARITY_NAMES = ("negative", "neutral", "positive")


def comment_polarity(comments: list[str], scores: np.ndarray) -> np.ndarray:
    """-1/0/+1 per comment: the text's opinion, the score breaking ties (see bot.nps.polarity).

    Each distinct text is read once; short answers repeat a lot."""
    texts, inverse = _distinct(comments)
    value = np.fromiter((text_polarity(t) if t else 0.0 for t in texts), dtype=np.float32, count=len(texts))[inverse]
    from_score = np.where(scores >= 9, 1, np.where(scores <= 6, -1, 0))
    has_text = np.fromiter((bool(c.strip()) for c in comments), dtype=bool, count=len(comments))
    pol = np.where(value > 0, 1, np.where(value < 0, -1, from_score))
    return np.where(has_text, pol, 0).astype(np.int8)


def _effect(data: SurveyData, idx: np.ndarray, commented: np.ndarray) -> dict[str, Any]:
    """What a theme does to NPS, in figures a credit manager can read out: how many detractors
    and promoters mention it, NPS among those who do, NPS without their answers."""
    scores = data.score
    det_all = int(((scores <= 6) & commented).sum())
    pro_all = int(((scores >= 9) & commented).sum())
    member = np.zeros(len(scores), dtype=bool)
    member[idx] = True
    without = summarise(scores[~member])
    return {
        "detractors_mentioning_pct": round(100.0 * int((scores[idx] <= 6).sum()) / det_all, 1) if det_all else None,
        "promoters_mentioning_pct": round(100.0 * int((scores[idx] >= 9).sum()) / pro_all, 1) if pro_all else None,
        "nps_without": None if without.nps is None else round(without.nps, 1),
    }


def _theme_rows(data: SurveyData, model: ThemeModel, assignment: Assignment,
                pol: np.ndarray | None = None) -> list[dict[str, Any]]:
    commented = assignment.label >= 0
    base = summarise(data.score[commented])
    base_det = base.detractors / base.n if base.n else 0.0
    rows = []
    for t in range(model.k):
        mask = assignment.label == t
        idx = np.flatnonzero(mask)
        s: NpsSummary = summarise(data.score[idx])
        if s.n == 0:
            continue
        rest = summarise(data.score[commented & ~mask])
        det_share = s.detractors / s.n
        langs = {k: v.n for k, v in breakdown(data.language[idx], data.score[idx])}
        rows.append({
            "id": t, "name": " · ".join(model.terms[t][:3]), "terms": model.terms[t], "size": s.n,
            "share_pct": round(100.0 * s.n / base.n, 1) if base.n else None,
            **{f"{k}": v for k, v in s.as_dict().items() if k != "n"},
            "nps_rest": None if rest.nps is None else round(rest.nps, 1),
            "detractor_lift": round(det_share / base_det, 2) if base_det else None,
            "share_of_detractor_comments_pct": round(100.0 * s.detractors / base.detractors, 1) if base.detractors else 0.0,
            "languages": langs,
            "small_sample": s.n < SMALL_SAMPLE,
            **_effect(data, idx, commented),
            **_polarity_mix(pol, idx),
            "verbatims": _verbatims(data.comment, idx, assignment.weight),
        })
    return sorted(rows, key=lambda r: -r["size"])


def _polarity_mix(pol: np.ndarray | None, idx: np.ndarray) -> dict[str, Any]:
    if pol is None or idx.size == 0:
        return {}
    counts = np.bincount(pol[idx] + 1, minlength=3)
    main = int(np.argmax(counts))
    return {"polarity": POLARITY_NAMES[main],
            "polarity_pct": {name: round(100.0 * int(c) / idx.size, 1) for name, c in zip(POLARITY_NAMES, counts, strict=False)}}


def _drivers(themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drivers = [t for t in themes if (t["detractor_lift"] or 0) >= DRIVER_LIFT and t["detractors"] > 0]
    drivers.sort(key=lambda t: -t["share_of_detractor_comments_pct"])
    return [{"id": t["id"], "name": t["name"], "detractors": t["detractors"], "lift": t["detractor_lift"],
             "share_of_detractor_comments_pct": t["share_of_detractor_comments_pct"],
             "nps": t["nps"], "nps_rest": t["nps_rest"]} for t in drivers]


PerComment = tuple[np.ndarray, np.ndarray]   # theme id (-1: none) and polarity (-1/0/+1) per comment


def build_report(data: SurveyData, *, n_themes: int | None = None, workers: int | None = None,
                 source: str = "database") -> dict[str, Any]:
    """The report's figures (JSON-able)."""
    return build_report_with_labels(data, n_themes=n_themes, workers=workers, source=source)[0]


def build_report_with_labels(data: SurveyData, *, n_themes: int | None = None, workers: int | None = None,
                             source: str = "database") -> tuple[dict[str, Any], PerComment | None]:
    """The figures and, per comment, its theme and polarity (for nps_comments.csv)."""
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
    model = fit_themes(data.comment, k=n_themes)
    if model is None:
        report["note"] = "too_few_comments"
        idx = np.flatnonzero(has_comment)
        report["verbatims"] = _verbatims(data.comment, idx, np.ones(len(data), dtype=np.float32), limit=10)
        return report, None
    assignment = assign_themes(model, data.comment, workers=workers)
    pol = comment_polarity(data.comment, data.score)
    report["themes"] = _theme_rows(data, model, assignment, pol)
    report["drivers"] = _drivers(report["themes"])
    report["unthemed"] = int((has_comment & (assignment.label < 0)).sum())
    return report, (assignment.label, pol)


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
            writer.writerow((t["name"], " ".join(t["terms"]), t["size"], t["share_pct"], t["mean_score"], t["nps"],
                             t["detractors"], t["detractor_lift"], t["share_of_detractor_comments_pct"],
                             t["verbatims"][0] if t["verbatims"] else ""))
    _write_comment_rows(paths["comments"], report, per_comment)
    return paths


def _write_comment_rows(path: Path, report: dict[str, Any], per_comment: Any) -> None:
    """One row per input comment, in input order: ``row,theme,polarity`` (row counts from 1;
    theme as named in nps_themes.csv, empty when unthemed), so any labelled set can score the
    themes."""
    names = {t["id"]: t["name"] for t in report["themes"]}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("row", "theme", "polarity"))
        if per_comment is None:
            return
        labels, pol = per_comment
        for i, (label, p) in enumerate(zip(labels.tolist(), pol.tolist(), strict=False), start=1):
            writer.writerow((i, names.get(label, ""), POLARITY_NAMES[p + 1]))
