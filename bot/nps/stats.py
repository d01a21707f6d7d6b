"""NPS arithmetic: counts, score, confidence interval, breakdowns over millions of rows.

NPS = %promoters - %detractors, in -100..100. Its sampling variance follows from the
trinomial (promoter / passive / detractor): var = (p + d - (p - d)^2) / n. The plain Wald
interval is far too narrow on small samples (3 promoters out of 3 would give ±0), so we use
the adjusted-Wald form (add 3/4 of a response to promoters and detractors, 3 to n), which
keeps honest widths on tiny groups and converges to Wald on large ones.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

Z95 = 1.959963984540054


@dataclass(frozen=True)
class NpsSummary:
    n: int
    promoters: int
    passives: int
    detractors: int
    score_sum: int = 0

    @property
    def nps(self) -> float | None:
        if self.n == 0:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.n

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.n if self.n else None

    def interval(self, z: float = Z95) -> tuple[float, float] | None:
        if self.n == 0:
            return None
        n = self.n + 3.0
        p = (self.promoters + 0.75) / n
        d = (self.detractors + 0.75) / n
        centre = p - d
        variance = max(p + d - centre * centre, 0.0) / n
        half = z * math.sqrt(variance)
        return max(-100.0, 100.0 * (centre - half)), min(100.0, 100.0 * (centre + half))

    def share(self, count: int) -> float | None:
        return 100.0 * count / self.n if self.n else None

    def as_dict(self) -> dict[str, Any]:
        ci = self.interval()
        return {
            "n": self.n, "promoters": self.promoters, "passives": self.passives, "detractors": self.detractors,
            "promoters_pct": _r(self.share(self.promoters)), "passives_pct": _r(self.share(self.passives)),
            "detractors_pct": _r(self.share(self.detractors)), "nps": _r(self.nps),
            "ci95_low": _r(ci[0]) if ci else None, "ci95_high": _r(ci[1]) if ci else None,
            "mean_score": _r(self.mean_score, 2),
        }


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _validate(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.int16)
    if scores.size and (scores.min() < 0 or scores.max() > 10):
        raise ValueError("NPS scores must be between 0 and 10")
    return scores


def summarise(scores: np.ndarray | list[int]) -> NpsSummary:
    """Promoter, passive and detractor counts of the scores; ValueError if one is outside 0..10."""
    scores = _validate(np.asarray(scores))
    counts = np.bincount(scores, minlength=11) if scores.size else np.zeros(11, dtype=np.int64)
    return _from_histogram(counts)


def _from_histogram(counts: np.ndarray) -> NpsSummary:
    n = int(counts.sum())
    return NpsSummary(
        n=n, promoters=int(counts[9:].sum()), passives=int(counts[7:9].sum()), detractors=int(counts[:7].sum()),
        score_sum=int((counts * np.arange(11)).sum()),
    )


def breakdown(keys: np.ndarray, scores: np.ndarray) -> list[tuple[str, NpsSummary]]:
    """NPS per distinct key, largest groups first; one pass with bincount, no Python loop per row."""
    scores = _validate(scores)
    if scores.size == 0:
        return []
    labels, inverse = np.unique(np.asarray(keys), return_inverse=True)
    hist = np.bincount(inverse * 11 + scores, minlength=len(labels) * 11).reshape(len(labels), 11)
    groups = [(str(label), _from_histogram(hist[i])) for i, label in enumerate(labels)]
    return sorted(groups, key=lambda item: (-item[1].n, item[0]))


def chronological(groups: list[tuple[str, NpsSummary]]) -> list[tuple[str, NpsSummary]]:
    """The groups sorted by key, which for months (YYYY-MM) is time order."""
    return sorted(groups, key=lambda item: item[0])
