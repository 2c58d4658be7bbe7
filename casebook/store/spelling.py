"""What Edge and qdrant-client share: the same filters and hybrid queries, spelled in each API's
classes (the two name them differently and take some arguments by position or keyword)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from casebook.store.base import (
    DATETIME_FIELDS,
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    Condition,
    HybridQuery,
    ScoredPoint,
    Where,
)

Make = Callable[..., Any]
# One retriever of a hybrid query: its vector, the named vector it searches, its search params.
Stage = tuple[Any, str, Any]
# One page of a scroll: its records, and the offset of the next page (None: the last one).
Page = tuple[Sequence[Any], Any]


@dataclass(frozen=True)
class Spelling:
    """One API's classes for the parts of a filter and a query."""

    field_condition: Make
    float_range: Make
    datetime_range: Make
    match_value: Callable[[Any], Any]
    match_any: Callable[[list[Any]], Any]
    filter: Make
    sparse_vector: Make
    sparse_params: Callable[[Any], Any]  # the search params that take IDF over a filter's slice
    rrf: Callable[[int, list[float] | None], Any]
    dbsf: Callable[[], Any]
    keyword_index: Callable[[bool], Any]  # (is the tenant key) -> a keyword index's schema
    integer_index: Any
    datetime_index: Any

    def field_indexes(self) -> Iterator[tuple[str, Any]]:
        """Each indexed payload field and its index's schema; "tenant" is the tenant key."""
        for name in KEYWORD_FIELDS:
            yield name, self.keyword_index(name == "tenant")
        for name in INTEGER_FIELDS:
            yield name, self.integer_index
        for name in DATETIME_FIELDS:
            yield name, self.datetime_index

    def condition(self, condition: Condition) -> Any:
        """One payload condition: a date or numeric range, or a match of one or any value."""
        if condition.is_range:
            bounds: dict[str, Any] = {
                "gte": condition.gte,
                "lte": condition.lte,
                "gt": condition.gt,
                "lt": condition.lt,
            }
            dated = any(isinstance(v, str) for v in bounds.values())
            made = (self.datetime_range if dated else self.float_range)(**bounds)
            return self.field_condition(key=condition.key, range=made)
        values = list(condition.values)
        match = self.match_value(values[0]) if len(values) == 1 else self.match_any(values)
        return self.field_condition(key=condition.key, match=match)

    def where(self, where: Where) -> Any | None:
        """The filter, or None when it has no conditions."""
        if not where.must and not where.must_not:
            return None
        return self.filter(
            must=[self.condition(c) for c in where.must] or None,
            must_not=[self.condition(c) for c in where.must_not] or None,
        )

    def stages(self, query: HybridQuery, flt: Any | None) -> list[Stage]:
        """The query's retrievers, dense first; BM25 weighs terms by IDF over the caller's own
        slice (its tenant), so one tenant's vocabulary does not skew another's weights."""
        sparse_params = self.sparse_params(flt) if flt else None
        stages: list[Stage] = [(vec, DENSE, None) for vec in query.dense] + [
            (self.sparse_vector(indices=s.indices, values=s.values), SPARSE, sparse_params)
            for s in query.sparse
        ]
        if not stages:
            raise ValueError("a query needs at least one dense or sparse vector")
        return stages

    def fusion(self, query: HybridQuery) -> Any:
        """How the retrievers' hits are fused: RRF (weighted when weights are set) or DBSF."""
        if query.fusion == "rrf":
            return self.rrf(query.rrf_k, list(query.weights) if query.weights else None)
        return self.dbsf()


def scored(hits: Sequence[Any], score: bool = True) -> list[ScoredPoint]:
    """An API's hits (or scrolled records, scored 0) as ScoredPoints."""
    return [
        ScoredPoint(
            id=str(h.id), score=float(h.score) if score else 0.0, payload=dict(h.payload or {})
        )
        for h in hits
    ]


def scroll_pages(page: Callable[[Any], Page]) -> Iterator[ScoredPoint]:
    """Every record of a paged scroll; `page(offset)` reads one page, from None."""
    offset = None
    while True:
        records, offset = page(offset)
        yield from scored(records, score=False)
        if offset is None:
            return
