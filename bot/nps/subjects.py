"""The subjects a credit manager acts on, found in open answers by a bilingual lexicon.

Unsupervised themes (bot.nps.themes) find what is there but name it by keywords and cannot
know that "link", "carta" and "checkout" are one thing a manager owns. The subjects in
``subjects.yml`` are that shared vocabulary: each answer goes to the subject its words point
to most (strong words count 1, weak ones 0.4, hints 0.2; the first listed subject wins a tie), and only
answers that name no known subject are left to the unsupervised themes, so a new complaint
still surfaces. Matching is one dictionary hit per word and one sparse product per chunk,
cheap enough for a million answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml
from scipy import sparse

from bot.nps.textnorm import fold, stem
from bot.nps.wordmatrix import word_matrix

_FILE = Path(__file__).with_name("subjects.yml")
STRONG, WEAK, HINT = 1.0, 0.4, 0.2
# Tie-break: a subject listed earlier wins by this much per position, far below any word weight.
_ORDER_EPS = 1e-3


@dataclass(frozen=True)
class Subject:
    key: str
    name: dict[str, str]           # language -> short name ("Rateizzazione")
    phrases: dict[str, dict[str, str]]  # polarity -> language -> phrase ("rate sostenibili")
    weighted: tuple[tuple[str, float], ...]  # (word, weight): words, then weak ones, then hints

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(word for word, _ in self.weighted)

    def title(self, polarity: str, lang: str) -> str:
        """The theme's name for one opinion: "Rateizzazione: rate sostenibili"."""
        phrase = self.phrases.get(polarity, {}).get(lang) or GENERIC[polarity][lang]
        return f"{self.name.get(lang) or self.name['en']}: {phrase}"


GENERIC: dict[str, dict[str, str]] = {
    "negative": {"it": "critiche", "en": "complaints"},
    "positive": {"it": "apprezzamenti", "en": "praise"},
    "neutral": {"it": "opinioni miste", "en": "mixed opinions"},
}


@lru_cache(maxsize=1)
def load_subjects(path: Path = _FILE) -> tuple[Subject, ...]:
    """The subjects defined in the YAML lexicon (by default subjects.yml), read once."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    subjects = []
    for key, spec in raw.items():
        phrases = {p: dict(spec[p]) for p in ("negative", "positive") if p in spec}
        weighted = tuple((str(word), weight) for weight, group in
                         ((STRONG, "words"), (WEAK, "weak"), (HINT, "hint")) for word in spec.get(group, []))
        subjects.append(Subject(key, dict(spec["name"]), phrases, weighted))
    return tuple(subjects)


class SubjectMatcher:
    """Label answers with the subject their words point to most (-1: none)."""

    def __init__(self, path: Path = _FILE) -> None:
        self.subjects = load_subjects(path)
        self.columns: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for s_idx, subject in enumerate(self.subjects):
            for word, weight in subject.weighted:
                col = self.columns.setdefault(stem(fold(word)), len(self.columns))
                rows.append(col)
                cols.append(s_idx)
                vals.append(weight)
        weights = sparse.coo_matrix((vals, (rows, cols)), shape=(len(self.columns), len(self.subjects)))
        # A word listed twice for one subject counts once, at its strongest.
        dense = np.zeros(weights.shape, dtype=np.float32)
        np.maximum.at(dense, (weights.row, weights.col), weights.data.astype(np.float32))
        self.weights = sparse.csr_matrix(dense)
        self.order = (np.arange(len(self.subjects), dtype=np.float32) * _ORDER_EPS)[None, :]
        self._cache: dict[str, int] = {}

    def _column(self, word: str) -> int:
        col = self._cache.get(word)
        if col is None:
            col = self.columns.get(stem(word), -1)
            if len(self._cache) < 500_000:
                self._cache[word] = col
        return col

    def counts(self, texts: Sequence[str], folded: bool = False) -> sparse.csr_matrix:
        """Which subject words each text contains (1 per word, however often it is repeated)."""
        matrix = word_matrix(texts if folded else [fold(t) for t in texts], len(self.columns), self._column, self._cache)
        matrix.data[:] = 1.0  # a word repeated in one answer does not outvote two different words
        return matrix

    def label(self, texts: Sequence[str], folded: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per text: the subject index (int16, -1 when no subject word occurs) and its score.

        ``folded``: the texts already went through ``textnorm.fold``."""
        if not texts:
            return np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.float32)
        scores = np.asarray((self.counts(texts, folded) @ self.weights).todense(), dtype=np.float32)
        best = scores.max(axis=1)
        label = np.where(best > 0, (scores - self.order).argmax(axis=1), -1).astype(np.int16)
        return label, best.astype(np.float32)
