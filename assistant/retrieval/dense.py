"""Dense search: the question's embedding against the active Chroma collection, with the filters as ``where``."""

from __future__ import annotations

import numpy as np

from assistant.models import Filters
from assistant.store.codec import where_clause


def dense_ranking(collection, query_vector: np.ndarray, limit: int, filters: Filters) -> list[str]:
    """Passage ids, nearest first."""
    res = collection.query(query_embeddings=[query_vector.tolist()], n_results=limit, where=where_clause(filters),
                           include=["distances"])
    return res["ids"][0] if res["ids"] else []
