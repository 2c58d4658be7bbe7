"""Classic ranking metrics over ranked ids and a set of relevant ids."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence


def recall_at(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of relevant ids found in the top k."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(set(relevant))


def mrr_at(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """Reciprocal rank of the first relevant id in the top k (0 when none)."""
    for rank, item in enumerate(ranked[:k], start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """Binary-relevance nDCG of the top k."""
    dcg = sum(1.0 / math.log2(r + 1) for r, item in enumerate(ranked[:k], 1) if item in relevant)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(set(relevant)), k) + 1))
    return dcg / ideal if ideal else 0.0


def first_hit_rank(hits: Sequence[bool], k: int = 10) -> float:
    """Reciprocal rank of the first True in the top k (for span-overlap relevance)."""
    for rank, hit in enumerate(hits[:k], start=1):
        if hit:
            return 1.0 / rank
    return 0.0


def overlaps(start: int, end: int, span_start: int, span_end: int) -> bool:
    """Whether the character ranges [start, end) and [span_start, span_end) share a character."""
    return start < end and span_start < span_end and start < span_end and span_start < end


def dedupe(ids: Sequence[str]) -> list[str]:
    """Ids in first-seen order, without repeats (chunk hits -> document ranking)."""
    seen: set[str] = set()
    return [i for i in ids if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]
