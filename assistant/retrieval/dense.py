"""Dense search: the question's embedding against every vector of the version held in memory, exactly.

The retriever already holds each passage's (L2-normalised) embedding for scoring, so the nearest passages are
one matrix product away (about 5 ms for 50,000 passages on 2 cores): no Chroma query on the request path, no
second copy of the vectors in Chroma's HNSW index, and a serving process that keeps answering from the version
it holds while the store is down.
"""

from __future__ import annotations

import numpy as np


def dense_ranking(similarities: np.ndarray, limit: int, allowed: np.ndarray | None = None) -> list[int]:
    """Indexes of the ``limit`` most similar passages, nearest first; ``allowed`` (a boolean mask) keeps only
    the passages the filters allow. Ties keep index order (passage-id order), so a ranking is reproducible."""
    scores = similarities if allowed is None else np.where(allowed, similarities, -np.inf)
    n = min(limit, len(scores) if allowed is None else int(np.count_nonzero(allowed)))
    if n <= 0:
        return []
    cut = -np.partition(-scores, n - 1)[n - 1]  # the n-th highest similarity; ties at it go in index order
    above = np.flatnonzero(scores > cut)
    top = np.concatenate([above, np.flatnonzero(scores == cut)[: n - len(above)]])
    return top[np.lexsort((top, -scores[top]))].tolist()
