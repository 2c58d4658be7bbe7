"""The store seam: what the index needs from Qdrant, independent of Edge or server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal, Protocol

DENSE = "dense"
SPARSE = "bm25"

# Payload fields with an index; "tenant" is also marked as the tenant key.
KEYWORD_FIELDS = (
    "tenant",
    "doc_id",
    "kind",
    "source",
    "doc_hash",
    "metadata.channel",
    "metadata.status",
    "metadata.product",
    "metadata.customer_id",
    "metadata.tags",
    "metadata.visibility",
)
INTEGER_FIELDS = ("position",)
DATETIME_FIELDS = ("metadata.created_at", "metadata.updated_at", "metadata.resolved_at")


@dataclass(frozen=True)
class SparseVector:
    """A BM25 term-weight vector: hashed token ids and their weights."""

    indices: list[int]
    values: list[float]


@dataclass(frozen=True)
class Point:
    """One stored chunk: id, dense and sparse vectors, payload."""

    id: str
    dense: list[float]
    sparse: SparseVector
    payload: dict[str, Any]


@dataclass(frozen=True)
class ScoredPoint:
    """A query hit."""

    id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class Condition:
    """One payload condition: equal to any of `values`, or inside a numeric/date range."""

    key: str
    values: tuple[Any, ...] = ()
    gte: float | str | None = None
    lte: float | str | None = None
    gt: float | str | None = None
    lt: float | str | None = None

    @property
    def is_range(self) -> bool:
        return any(v is not None for v in (self.gte, self.lte, self.gt, self.lt))


@dataclass(frozen=True)
class Where:
    """A conjunction of conditions, plus conditions that must not hold."""

    must: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()

    def and_(self, *conditions: Condition) -> Where:
        """This filter with more required conditions."""
        return Where(must=self.must + tuple(conditions), must_not=self.must_not)


@dataclass(frozen=True)
class HybridQuery:
    """Dense and sparse retrievers run as prefetches and fused inside Qdrant.

    With one retriever in total it runs alone, without fusion. The fusion knobs have no
    defaults here: they come from the settings (`Settings.retrieval`), through the index.
    """

    where: Where
    limit: int
    dense: Sequence[list[float]] = ()
    sparse: Sequence[SparseVector] = ()
    _: KW_ONLY
    prefetch_limit: int
    fusion: Literal["rrf", "dbsf"]
    rrf_k: int
    weights: Sequence[float] | None = field(default=None)


class Store(Protocol):
    """What the index needs from a vector store."""

    def upsert(self, points: Sequence[Point]) -> None:
        """Insert or replace points by id."""

    def delete(self, where: Where) -> None:
        """Delete every point matching the filter."""

    def query(self, query: HybridQuery) -> list[ScoredPoint]:
        """Run a (hybrid) query, best first."""

    def scroll(self, where: Where, fields: Sequence[str] | None = None) -> Iterator[ScoredPoint]:
        """Every point matching the filter, with the named payload fields (None = all)."""

    def count(self, where: Where) -> int:
        """How many points match the filter."""

    def close(self) -> None:
        """Flush and release the store."""
