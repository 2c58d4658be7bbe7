"""Qdrant Edge: Qdrant's own engine in-process, in one folder, with no server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from casebook.errors import IndexLocked
from casebook.store.base import DENSE, SPARSE, HybridQuery, Point, ScoredPoint, Where
from casebook.store.spelling import Spelling, scored, scroll_pages

_SCROLL_PAGE = 1000
EDGE = Spelling(
    field_condition=qe.FieldCondition,
    float_range=qe.RangeFloat,
    datetime_range=qe.RangeDateTime,
    match_value=qe.MatchValue,
    match_any=qe.MatchAny,
    filter=qe.Filter,
    sparse_vector=qe.SparseVector,
    sparse_params=lambda flt: qe.SearchParams(idf=qe.IdfParams(corpus=flt)),
    rrf=lambda k, weights: qe.Fusion.Rrf(k=k, weights=weights),
    dbsf=qe.Fusion.Dbsf,
    keyword_index=lambda tenant: qe.KeywordIndexParams(is_tenant=tenant),
    integer_index=qe.PayloadSchemaType.Integer,
    datetime_index=qe.PayloadSchemaType.Datetime,
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
        for name, schema in EDGE.field_indexes():
            self._shard.update(qe.UpdateOperation.create_field_index(name, schema))

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
        flt = EDGE.where(where)
        if flt is None:
            raise ValueError("refusing to delete with an empty filter")
        self._shard.update(qe.UpdateOperation.delete_points_by_filter(flt))

    def query(self, query: HybridQuery) -> list[ScoredPoint]:
        flt = EDGE.where(query.where)
        stages = EDGE.stages(query, flt)
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
                query=EDGE.fusion(query),
                filter=flt,
                with_payload=True,
            )
        return scored(self._shard.query(request))

    def scroll(self, where: Where, fields: Sequence[str] | None = None) -> Iterator[ScoredPoint]:
        flt = EDGE.where(where)
        with_payload: Any = list(fields) if fields is not None else True

        def page(offset: Any) -> tuple[Any, Any]:
            request = qe.ScrollRequest(
                offset=offset, limit=_SCROLL_PAGE, filter=flt, with_payload=with_payload
            )
            return self._shard.scroll(request)

        yield from scroll_pages(page)

    def count(self, where: Where) -> int:
        return int(self._shard.count(qe.CountRequest(exact=True, filter=EDGE.where(where))))

    def optimize(self) -> None:
        """Build HNSW and merge segments; slow on large shards, so run after bulk ingest."""
        self._shard.optimize()

    def close(self) -> None:
        self._shard.flush()
        self._shard.close()
