"""The one hot loop of the NPS report: answers to a sparse answer × word matrix.

Both the unsupervised themes (bot.nps.themes) and the named subjects (bot.nps.subjects)
project every comment on their own vocabulary; a million comments pass through here, so
the loop keeps a per-word column cache (the caller's) and builds the CSR arrays directly
rather than going through a vectorizer.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy import sparse

from bot.nps.textnorm import TOKEN


def word_matrix(texts: Sequence[str], n_columns: int, column: Callable[[str], int],
                cache: dict[str, int]) -> sparse.csr_matrix:
    """Counts of each known word per text (``column`` maps a folded word to its column, -1 if unknown).

    ``texts`` must already be folded (bot.nps.textnorm.fold); ``cache`` is read first and
    filled by ``column`` itself, so the caller decides how large it may grow.
    """
    findall = TOKEN.findall
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        for word in findall(text):
            col = cache.get(word)
            if col is None:
                col = column(word)
            if col >= 0:
                indices.append(col)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    matrix = sparse.csr_matrix((data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
                               shape=(len(texts), n_columns))
    matrix.sum_duplicates()
    return matrix
