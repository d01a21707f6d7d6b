"""Unsupervised themes in open answers (Italian and English together), fit once, applied to all.

Pipeline: stemmed tokens -> TF-IDF (vocabulary learnt on a sample, rare and ubiquitous terms
dropped) -> NMF on a sample of at most ``FIT_SAMPLE`` comments -> every comment projected on
the themes in chunks (in worker processes when there are many). Fitting on a sample keeps
memory and time flat while the projection is linear in the number of comments, which is what
lets a million answers fit in about a minute.

The number of themes is chosen, when not given, by consensus: NMF is refit with different
random starts for each k, and the largest k whose comment->theme split agrees across the
starts wins. Real themes reappear whatever the start; an over-split theme does not.
"""
from __future__ import annotations

import itertools
import os
import pickle
import random
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from bot.nps.textnorm import analyse, display_names, fold, stopwords, term
from bot.nps.wordmatrix import word_matrix

FIT_SAMPLE = 60_000
CHOOSE_SAMPLE = 3_000
CHUNK = 50_000
MIN_COMMENTS = 5           # below this there is nothing to cluster; report verbatims only
MAX_THEMES = 12
STABILITY_RUNS = 3
STABLE = 0.85              # adjusted Rand agreement between seeded fits
MIN_THEME_SHARE = 0.02     # a "theme" of fewer comments is noise
PARALLEL_FROM = 150_000


class WordColumns:
    """surface word -> column of the fitted vocabulary (-1: stop word or unknown), memoised.

    Equivalent to the vectoriser's analyzer + vocabulary lookup, but one dict hit per word
    instead of a stop-word check, a stem, a concept lookup and a vocabulary lookup; this is
    the hot loop when a million comments are projected on the themes."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self.vocabulary = vocabulary
        self.cache: dict[str, int] = {}

    def column(self, word: str) -> int:
        col = self.cache.get(word)
        if col is None:
            col = -1 if word in stopwords() else self.vocabulary.get(term(word), -1)
            if len(self.cache) < 500_000:
                self.cache[word] = col
        return col

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Vocabulary word counts per text (stop words and unknown words left out)."""
        return word_matrix([fold(t) for t in texts], len(self.vocabulary), self.column, self.cache)


@dataclass
class ThemeModel:
    vectorizer: CountVectorizer
    tfidf: TfidfTransformer
    nmf: NMF
    terms: list[list[str]]          # per theme, top display words, best first

    def __post_init__(self) -> None:
        self.columns = WordColumns(dict(self.vectorizer.vocabulary_))

    @property
    def k(self) -> int:
        return len(self.terms)

    def weights(self, texts: Sequence[str]) -> np.ndarray:
        """Theme weights (n x k, float32) of each text; all-zero rows have no theme."""
        if not texts:
            return np.zeros((0, self.k), dtype=np.float32)
        x = self.tfidf.transform(self.columns.counts(texts))
        return self.nmf.transform(x).astype(np.float32)


@dataclass
class Assignment:
    label: np.ndarray               # int16 theme index, -1 = empty or off every theme
    weight: np.ndarray              # float32 strength of that theme


def _vectorise(sample: Sequence[str]) -> tuple[CountVectorizer, TfidfTransformer, "np.ndarray"]:
    n = len(sample)
    # min_df drops typos and one-off words; on tiny corpora every word must count.
    min_df = 1 if n < 50 else 2 if n < 2_000 else 5
    vectorizer = CountVectorizer(analyzer=analyse, min_df=min_df, max_df=0.6 if n >= 50 else 1.0,
                                 max_features=20_000, dtype=np.float32)
    counts = vectorizer.fit_transform(sample)
    tfidf = TfidfTransformer(sublinear_tf=True)
    return vectorizer, tfidf, tfidf.fit_transform(counts)


def _fit_nmf(x, k: int, max_iter: int = 400) -> NMF:
    nmf = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=max_iter, tol=1e-4)
    nmf.fit(x)
    return nmf


def _min_share(w: np.ndarray) -> float:
    active = w.max(axis=1) > 0
    if not active.any():
        return 0.0
    sizes = np.bincount(w[active].argmax(axis=1), minlength=w.shape[1])
    return float(sizes.min() / active.sum())


def stability(x, k: int, runs: int = STABILITY_RUNS) -> float:
    """Mean agreement (adjusted Rand) of the comment->theme split across differently seeded
    fits: real themes come back whatever the start, an arbitrary split of one theme does not."""
    labels = []
    for seed in range(runs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            w = NMF(n_components=k, init="random", random_state=seed, max_iter=200).fit_transform(x)
        if _min_share(w) < MIN_THEME_SHARE:
            return 0.0
        labels.append(w.argmax(axis=1))
    return float(np.mean([adjusted_rand_score(a, b) for a, b in itertools.combinations(labels, 2)]))


def choose_k(x, max_k: int = MAX_THEMES) -> int:
    """The largest k whose themes are stable (consensus rank selection for NMF); if none is,
    the most stable one."""
    n_docs, n_terms = x.shape
    upper = max(1, min(max_k, n_docs // 4, n_terms - 1))
    if upper < 2:
        return 1
    scores = {k: stability(x, k) for k in range(2, upper + 1)}
    stable = [k for k, score in scores.items() if score >= STABLE]
    return max(stable) if stable else max(scores, key=lambda k: (scores[k], -k))


def fit_themes(comments: Sequence[str], k: int | None = None, seed: int = 0) -> ThemeModel | None:
    """Learn themes from non-empty comments; None when there are too few to say anything."""
    texts = [c for c in comments if c and c.strip()]
    if len(texts) < MIN_COMMENTS:
        return None
    rng = random.Random(seed)
    sample = texts if len(texts) <= FIT_SAMPLE else rng.sample(texts, FIT_SAMPLE)
    try:
        vectorizer, tfidf, x = _vectorise(sample)
    except ValueError:  # every word was a stop word
        return None
    if x.shape[1] < 2:
        return None
    if k is None:
        pick = x if x.shape[0] <= CHOOSE_SAMPLE else x[rng.sample(range(x.shape[0]), CHOOSE_SAMPLE)]
        k = choose_k(pick)
    k = max(1, min(k, x.shape[1] - 1, x.shape[0]))
    nmf = _fit_nmf(x, k)
    names = display_names(sample[:20_000])
    vocab = vectorizer.get_feature_names_out()
    terms = [[names.get(vocab[i], vocab[i]) for i in np.argsort(row)[::-1][:8] if row[i] > 0]
             for row in nmf.components_]
    return ThemeModel(vectorizer, tfidf, nmf, terms)


# Worker-process state: the fitted model, shipped once per worker instead of once per chunk.
_WORKER_MODEL: ThemeModel | None = None


def _init_worker(blob: bytes) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = pickle.loads(blob)


def _assign_chunk(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    assert _WORKER_MODEL is not None
    return _label(_WORKER_MODEL, texts)


def _label(model: ThemeModel, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    w = model.weights(texts)
    best = w.max(axis=1) if w.size else np.zeros(len(texts), dtype=np.float32)
    label = np.where(best > 1e-6, w.argmax(axis=1) if w.size else 0, -1).astype(np.int16)
    return label, best.astype(np.float32)


def _distinct(comments: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct texts and, per comment, the position of its text: short answers ("grazie",
    "tutto ok") repeat a lot, and each distinct text needs analysing once."""
    index: dict[str, int] = {}
    inverse = np.empty(len(comments), dtype=np.int64)
    for i, text in enumerate(comments):
        j = index.get(text)
        if j is None:
            j = index[text] = len(index)
        inverse[i] = j
    return list(index), inverse


def assign_themes(model: ThemeModel, comments: Sequence[str], workers: int | None = None) -> Assignment:
    """Label every comment (empty ones get -1) with its strongest theme."""
    texts, inverse = _distinct(comments)
    n = len(texts)
    label = np.full(n, -1, dtype=np.int16)
    weight = np.zeros(n, dtype=np.float32)
    chunks = [(start, texts[start:start + CHUNK]) for start in range(0, n, CHUNK)]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if n >= PARALLEL_FROM and workers > 1:
        blob = pickle.dumps(model)
        with ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_init_worker,
                                 initargs=(blob,)) as pool:
            results = pool.map(_assign_chunk, [chunk for _, chunk in chunks])
            for (start, _), (lab, wt) in zip(chunks, results, strict=False):
                label[start:start + len(lab)], weight[start:start + len(wt)] = lab, wt
    else:
        for start, chunk in chunks:
            lab, wt = _label(model, chunk)
            label[start:start + len(lab)], weight[start:start + len(wt)] = lab, wt
    return Assignment(label[inverse], weight[inverse])
