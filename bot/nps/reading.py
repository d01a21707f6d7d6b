"""Read every distinct answer once: fold it, find its subject, read its opinion.

This is the only per-text Python work of the report, so it is where a million answers spend
their time; above ``PARALLEL_FROM`` distinct texts it is split across worker processes
(forked, so the lexicons are shared rather than shipped).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from typing import Sequence

import numpy as np

from bot.nps.polarity import folded_polarity
from bot.nps.subjects import SubjectMatcher
from bot.nps.textnorm import fold

PARALLEL_FROM = 150_000
CHUNK = 50_000


@lru_cache(maxsize=1)
def matcher() -> SubjectMatcher:
    """The subject matcher built once per process (and inherited by forked workers)."""
    return SubjectMatcher()


@dataclass
class Reading:
    """Per distinct text: subject index (-1: none), subject score, opinion strength (signed)."""

    subject: np.ndarray
    weight: np.ndarray
    opinion: np.ndarray


def _read_chunk(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    folded = [fold(t) for t in texts]
    subject, weight = matcher().label(folded, folded=True)
    opinion = np.fromiter((folded_polarity(t) if t.strip() else 0.0 for t in folded), dtype=np.float32,
                          count=len(folded))
    return subject, weight, opinion


def read_texts(texts: Sequence[str], workers: int | None = None) -> Reading:
    """Subject and opinion of each text, in order; in worker processes when there are many."""
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]
    if len(texts) >= PARALLEL_FROM and workers > 1:
        matcher()  # build before forking: every worker inherits it
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            parts = list(pool.map(_read_chunk, chunks))
    else:
        parts = [_read_chunk(chunk) for chunk in chunks]
    if not parts:
        empty = np.zeros(0, dtype=np.float32)
        return Reading(np.zeros(0, dtype=np.int16), empty, empty)
    return Reading(*(np.concatenate([p[i] for p in parts]) for i in range(3)))


def answer_polarity(opinion: np.ndarray, has_text: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """-1/0/+1 per answer: the text's opinion, the score breaking ties (see bot.nps.polarity);
    answers without text are 0."""
    from_score = np.where(scores >= 9, 1, np.where(scores <= 6, -1, 0))
    pol = np.where(opinion > 0, 1, np.where(opinion < 0, -1, from_score))
    return np.where(has_text, pol, 0).astype(np.int8)
