"""Reciprocal-rank fusion of several rankings (Cormack et al. 2009): a pure function, tested alone."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[Hashable], float]], k: int) -> dict[Hashable, float]:
    """``rankings`` is a list of (ids best first, weight). Each id scores the sum of weight / (k + rank)."""
    fused: dict[Hashable, float] = {}
    for ids, weight in rankings:
        for rank, item in enumerate(ids, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def demote(fused: dict, factor: float, which) -> dict:
    """Multiply the fused score of every id for which ``which(id)`` is true (e.g. superseded documents)."""
    return {i: s * factor if which(i) else s for i, s in fused.items()}
