"""From per-answer labels to the themes a credit manager reads: one per subject and opinion.

A theme is a subject (from ``subjects.yml``, or one found by the unsupervised model among the
answers that name no known subject) crossed with the opinion of the answer: "Link e metodi di
pagamento: errori e blocchi" and "…: rapido e comodo" are two themes, because one is a
problem to fix and the other something to keep. Each theme carries its effect in figures
(who mentions it, NPS among them and without them), its monthly trend and verbatims of its
own opinion.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from bot.logs import mask_text
from bot.nps.sources import SurveyData
from bot.nps.stats import summarise
from bot.nps.subjects import GENERIC, Subject
from bot.nps.textnorm import surface_tokens

VERBATIMS = 4
SMALL_SAMPLE = 30            # below this many answers a figure is indicative only
POLARITY_NAMES = ("negative", "neutral", "positive")
MIN_ROW = 2                  # a "theme" of one answer is an anecdote, not a theme
MIN_ROW_SHARE = 0.005        # ... and so is one under half a percent of the commented answers


@dataclass(frozen=True)
class ThemeSource:
    """What one combined theme id stands for: a known subject or a discovered keyword group."""

    subject: Subject | None
    terms: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.subject.key if self.subject else "other:" + "-".join(self.terms[:2])

    def names(self, polarity: str) -> dict[str, str]:
        if self.subject is not None:
            return {lang: self.subject.title(polarity, lang) for lang in ("it", "en")}
        words = " · ".join(self.terms[:3])
        return {"it": f"Altro ({words}): {GENERIC[polarity]['it']}",
                "en": f"Other ({words}): {GENERIC[polarity]['en']}"}


def verbatims(comments: Sequence[str], idx: np.ndarray, weight: np.ndarray, limit: int = VERBATIMS) -> list[str]:
    """The most representative answers: strongest weight, readable length, distinct, masked."""
    if idx.size == 0:
        return []
    w = weight[idx]
    if idx.size > 200:  # only the strongest 200 are candidates: a partial sort, not a full one
        keep = np.argpartition(-w, 199)[:200]
        idx, w = idx[keep], w[keep]
    top = idx[np.argsort(-w, kind="stable")]
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


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _effect(scores: np.ndarray, member: np.ndarray, commented: np.ndarray) -> dict[str, Any]:
    """Figures a credit manager can read out: detractors and promoters mentioning it, NPS
    without these answers."""
    without = summarise(scores[~member])
    return {
        "detractors_mentioning_pct": _pct(int(((scores <= 6) & member).sum()), int(((scores <= 6) & commented).sum())),
        "promoters_mentioning_pct": _pct(int(((scores >= 9) & member).sum()), int(((scores >= 9) & commented).sum())),
        "nps_without": None if without.nps is None else round(without.nps, 1),
    }


@dataclass(frozen=True)
class Months:
    """Month of every answer as an index, computed once: a theme's trend is then one bincount."""

    labels: list[str]
    index: np.ndarray
    commented_per_month: np.ndarray

    @classmethod
    def of(cls, months: np.ndarray, commented: np.ndarray) -> "Months":
        labels, index = np.unique(np.asarray(months), return_inverse=True)
        return cls([str(m) for m in labels], index, np.bincount(index[commented], minlength=len(labels)))


@dataclass(frozen=True)
class Codes:
    """A string column as integer codes, computed once, so per-theme counts are a bincount."""

    labels: list[str]
    index: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> "Codes":
        labels, index = np.unique(np.asarray(values), return_inverse=True)
        return cls([str(v) for v in labels], index)

    def counts(self, idx: np.ndarray) -> dict[str, int]:
        found = np.bincount(self.index[idx], minlength=len(self.labels))
        return {self.labels[i]: int(found[i]) for i in np.argsort(-found, kind="stable") if found[i]}


def _trend(months: Months, idx: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    """Per month: answers mentioning the theme, their share of that month's comments, their NPS."""
    k = len(months.labels)
    hist = np.bincount(months.index[idx] * 11 + scores[idx], minlength=k * 11).reshape(k, 11)
    out = []
    for m, label in enumerate(months.labels):
        if not months.commented_per_month[m]:
            continue
        n = int(hist[m].sum())
        nps = 100.0 * (int(hist[m, 9:].sum()) - int(hist[m, :7].sum())) / n if n else None
        total = int(months.commented_per_month[m])
        # The share is of the month's comments, so that is the sample that can be too small.
        out.append({"month": label, "n": n, "comments": total, "share_pct": _pct(n, total),
                    "nps": None if nps is None else round(nps, 1), "small_sample": total < SMALL_SAMPLE})
    return out


def _top_terms(comments: Sequence[str], idx: np.ndarray, limit: int = 8) -> list[str]:
    """The words the theme's answers use most (from at most 2,000 of them: a name, not a census)."""
    counts: Counter[str] = Counter()
    for i in idx[:2000]:
        counts.update(set(surface_tokens(comments[i])))
    return [w for w, _ in counts.most_common(limit)]


def theme_rows(data: SurveyData, sources: Sequence[ThemeSource], label: np.ndarray, weight: np.ndarray,
               pol: np.ndarray, commented: np.ndarray) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The report's theme rows, largest first, and per answer the row id it counts in (-1: none).

    ``label`` is the combined theme id per answer (-1: none), ``commented`` marks answers with text:
    shares and "who mentions it" are of all commented answers, themed or not."""
    base = summarise(data.score[commented])
    base_det = base.detractors / base.n if base.n else 0.0
    months = Months.of(data.month, commented)
    languages = Codes.of(data.language)
    row_of = np.full(len(label), -1, dtype=np.int32)
    combined = np.where(label >= 0, label.astype(np.int32) * 3 + (pol.astype(np.int32) + 1), -1)
    min_size = max(MIN_ROW, int(MIN_ROW_SHARE * base.n))
    ids, counts = np.unique(combined[combined >= 0], return_counts=True)
    rows = []
    for row_id, count in zip(ids.tolist(), counts.tolist(), strict=True):
        if count < min_size:
            continue
        member = combined == row_id
        idx = np.flatnonzero(member)
        row_of[idx] = row_id
        source, polarity = sources[row_id // 3], POLARITY_NAMES[row_id % 3]
        s = summarise(data.score[idx])
        rest = summarise(data.score[commented & ~member])
        names = source.names(polarity)
        rows.append({
            "id": row_id, "subject": source.key, "polarity": polarity, "name": names["it"], "names": names,
            "terms": _top_terms(data.comment, idx), "size": s.n,
            "share_pct": _pct(s.n, base.n),
            **{k: v for k, v in s.as_dict().items() if k != "n"},
            "nps_rest": None if rest.nps is None else round(rest.nps, 1),
            "detractor_lift": round((s.detractors / s.n) / base_det, 2) if base_det else None,
            "share_of_detractor_comments_pct": _pct(s.detractors, base.detractors) or 0.0,
            "languages": languages.counts(idx),
            "small_sample": s.n < SMALL_SAMPLE,
            **_effect(data.score, member, commented),
            "trend": _trend(months, idx, data.score),
            "verbatims": verbatims(data.comment, idx, weight),
        })
    return sorted(rows, key=lambda r: -r["size"]), row_of
