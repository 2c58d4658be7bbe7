"""Qdrant Edge: Qdrant's own engine in-process, in one folder, with no server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from casebook.errors import IndexLocked
from casebook.store.base import (
    DATETIME_FIELDS,
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    Condition,
    HybridQuery,
    Point,
    ScoredPoint,
    Where,
)

_SCROLL_PAGE = 1000


def _condition(condition: Condition) -> qe.FieldCondition:
    if condition.is_range:
        bounds: dict[str, Any] = {
            "gte": condition.gte,
            "lte": condition.lte,
            "gt": condition.gt,
            "lt": condition.lt,
        }
        if any(isinstance(v, str) for v in bounds.values()):
            return qe.FieldCondition(key=condition.key, range=qe.RangeDateTime(**bounds))
        return qe.FieldCondition(key=condition.key, range=qe.RangeFloat(**bounds))
    values = list(condition.values)
    if len(values) == 1:
        return qe.FieldCondition(key=condition.key, match=qe.MatchValue(values[0]))
    return qe.FieldCondition(key=condition.key, match=qe.MatchAny(values))


def _filter(where: Where) -> qe.Filter | None:
    if not where.must and not where.must_not:
        return None
    return qe.Filter(
        must=[_condition(c) for c in where.must] or None,
        must_not=[_condition(c) for c in where.must_not] or None,
    )


class EdgeStore:
    """A Store over one Qdrant Edge shard folder; the folder is locked to this process."""

    def __init__(self, path: Path, dense_size: int) -> None:
        path.mkdir(parents=True, exist_ok=True)
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dense_size, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        try:
            if any(path.iterdir()):
                self._shard = qe.EdgeShard.load(str(path), config)
            else:
                self._shard = qe.EdgeShard.create(str(path), config)
        except Exception as exc:  # the binding raises plain exceptions; the lock is the usual cause
            if "lock" in str(exc).lower():
                raise IndexLocked(
                    f"the index at {path} is in use by another process "
                    "(is `casebook serve` running? stop it, or use its HTTP API)"
                ) from exc
            raise
        for name in KEYWORD_FIELDS:
            params = qe.KeywordIndexParams(is_tenant=name == "tenant")
            self._shard.update(qe.UpdateOperation.create_field_index(name, params))
        for name in INTEGER_FIELDS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Integer)
            )
        for name in DATETIME_FIELDS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Datetime)
            )

    def upsert(self, points: Sequence[Point]) -> None:
        if not points:
            return
        edge_points = [
            qe.Point(
                id=p.id,
                vector={
                    DENSE: p.dense,
                    SPARSE: qe.SparseVector(indices=p.sparse.indices, values=p.sparse.values),
                },
                payload=p.payload,
            )
            for p in points
        ]
        self._shard.update(qe.UpdateOperation.upsert_points(edge_points))

    def delete(self, where: Where) -> None:
        flt = _filter(where)
        if flt is None:
            raise ValueError("refusing to delete with an empty filter")
        self._shard.update(qe.UpdateOperation.delete_points_by_filter(flt))

    def query(self, query: HybridQuery) -> list[ScoredPoint]:
        flt = _filter(query.where)
        # IDF over the caller's own slice (its tenant), so one tenant's vocabulary
        # does not skew another's BM25 weights.
        sparse_params = qe.SearchParams(idf=qe.IdfParams(corpus=flt)) if flt else None
        stages: list[tuple[Any, str, qe.SearchParams | None]] = [
            (vec, DENSE, None) for vec in query.dense
        ] + [
            (qe.SparseVector(indices=s.indices, values=s.values), SPARSE, sparse_params)
            for s in query.sparse
        ]
        if not stages:
            raise ValueError("a query needs at least one dense or sparse vector")
        if len(stages) == 1:
            vec, using, params = stages[0]
            request = qe.QueryRequest(
                limit=query.limit,
                query=qe.Query.Nearest(vec, using=using),
                filter=flt,
                params=params,
                with_payload=True,
            )
        else:
            fusion: Any = (
                qe.Fusion.Rrf(k=query.rrf_k, weights=list(query.weights) if query.weights else None)
                if query.fusion == "rrf"
                else qe.Fusion.Dbsf()
            )
            request = qe.QueryRequest(
                limit=query.limit,
                prefetches=[
                    qe.Prefetch(
                        limit=query.prefetch_limit,
                        query=qe.Query.Nearest(vec, using=using),
                        filter=flt,
                        params=params,
                    )
                    for vec, using, params in stages
                ],
                query=fusion,
                filter=flt,
                with_payload=True,
            )
        return [
            ScoredPoint(id=str(hit.id), score=float(hit.score), payload=dict(hit.payload or {}))
            for hit in self._shard.query(request)
        ]

    def scroll(self, where: Where, fields: Sequence[str] | None = None) -> Iterator[ScoredPoint]:
        flt = _filter(where)
        offset = None
        with_payload: Any = list(fields) if fields is not None else True
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(
                    offset=offset, limit=_SCROLL_PAGE, filter=flt, with_payload=with_payload
                )
            )
            for record in records:
                yield ScoredPoint(id=str(record.id), score=0.0, payload=dict(record.payload or {}))
            if offset is None:
                return

    def count(self, where: Where) -> int:
        return int(self._shard.count(qe.CountRequest(exact=True, filter=_filter(where))))

    def optimize(self) -> None:
        """Build HNSW and merge segments; slow on large shards, so run after bulk ingest."""
        self._shard.optimize()

    def close(self) -> None:
        self._shard.flush()
        self._shard.close()
