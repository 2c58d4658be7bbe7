"""A Qdrant server or cluster through qdrant-client (also its in-process mode, for tests)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from qdrant_client import QdrantClient, models

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


def _condition(condition: Condition) -> models.FieldCondition:
    if condition.is_range:
        bounds = {
            "gte": condition.gte,
            "lte": condition.lte,
            "gt": condition.gt,
            "lt": condition.lt,
        }
        if any(isinstance(v, str) for v in bounds.values()):
            return models.FieldCondition(key=condition.key, range=models.DatetimeRange(**bounds))
        return models.FieldCondition(key=condition.key, range=models.Range(**bounds))
    values = list(condition.values)
    if len(values) == 1:
        return models.FieldCondition(key=condition.key, match=models.MatchValue(value=values[0]))
    return models.FieldCondition(key=condition.key, match=models.MatchAny(any=values))


def _filter(where: Where) -> models.Filter | None:
    if not where.must and not where.must_not:
        return None
    return models.Filter(
        must=[_condition(c) for c in where.must] or None,
        must_not=[_condition(c) for c in where.must_not] or None,
    )


class ServerStore:
    """A Store over one collection of a Qdrant server, created on first use."""

    def __init__(self, client: QdrantClient, collection: str, dense_size: int) -> None:
        self._client = client
        self._collection = collection
        if not client.collection_exists(collection):
            client.create_collection(
                collection,
                vectors_config={
                    DENSE: models.VectorParams(size=dense_size, distance=models.Distance.COSINE)
                },
                sparse_vectors_config={
                    SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)
                },
            )
            for name in KEYWORD_FIELDS:
                client.create_payload_index(
                    collection,
                    name,
                    field_schema=models.KeywordIndexParams(
                        type=models.KeywordIndexType.KEYWORD, is_tenant=name == "tenant"
                    ),
                )
            for name in INTEGER_FIELDS:
                client.create_payload_index(
                    collection, name, field_schema=models.PayloadSchemaType.INTEGER
                )
            for name in DATETIME_FIELDS:
                client.create_payload_index(
                    collection, name, field_schema=models.PayloadSchemaType.DATETIME
                )

    def upsert(self, points: Sequence[Point]) -> None:
        if not points:
            return
        self._client.upsert(
            self._collection,
            points=[
                models.PointStruct(
                    id=p.id,
                    vector={
                        DENSE: p.dense,
                        SPARSE: models.SparseVector(
                            indices=p.sparse.indices, values=p.sparse.values
                        ),
                    },
                    payload=p.payload,
                )
                for p in points
            ],
            wait=True,
        )

    def delete(self, where: Where) -> None:
        flt = _filter(where)
        if flt is None:
            raise ValueError("refusing to delete with an empty filter")
        self._client.delete(
            self._collection, points_selector=models.FilterSelector(filter=flt), wait=True
        )

    def query(self, query: HybridQuery) -> list[ScoredPoint]:
        flt = _filter(query.where)
        # IDF over the caller's own slice (its tenant), as on Edge.
        sparse_params = models.SearchParams(idf=models.IdfCorpusParams(corpus=flt)) if flt else None
        stages: list[tuple[Any, str, models.SearchParams | None]] = [
            (vec, DENSE, None) for vec in query.dense
        ] + [
            (models.SparseVector(indices=s.indices, values=s.values), SPARSE, sparse_params)
            for s in query.sparse
        ]
        if not stages:
            raise ValueError("a query needs at least one dense or sparse vector")
        if len(stages) == 1:
            vec, using, params = stages[0]
            response = self._client.query_points(
                self._collection,
                query=vec,
                using=using,
                query_filter=flt,
                search_params=params,
                limit=query.limit,
                with_payload=True,
            )
        else:
            fusion: Any = (
                models.RrfQuery(
                    rrf=models.Rrf(
                        k=query.rrf_k, weights=list(query.weights) if query.weights else None
                    )
                )
                if query.fusion == "rrf"
                else models.FusionQuery(fusion=models.Fusion.DBSF)
            )
            response = self._client.query_points(
                self._collection,
                prefetch=[
                    models.Prefetch(
                        query=vec,
                        using=using,
                        limit=query.prefetch_limit,
                        filter=flt,
                        params=params,
                    )
                    for vec, using, params in stages
                ],
                query=fusion,
                query_filter=flt,
                limit=query.limit,
                with_payload=True,
            )
        return [
            ScoredPoint(id=str(hit.id), score=float(hit.score), payload=dict(hit.payload or {}))
            for hit in response.points
        ]

    def scroll(self, where: Where, fields: Sequence[str] | None = None) -> Iterator[ScoredPoint]:
        offset = None
        with_payload: Any = list(fields) if fields is not None else True
        while True:
            records, offset = self._client.scroll(
                self._collection,
                scroll_filter=_filter(where),
                limit=_SCROLL_PAGE,
                offset=offset,
                with_payload=with_payload,
            )
            for record in records:
                yield ScoredPoint(id=str(record.id), score=0.0, payload=dict(record.payload or {}))
            if offset is None:
                return

    def count(self, where: Where) -> int:
        return self._client.count(self._collection, count_filter=_filter(where), exact=True).count

    def optimize(self) -> None:
        """The server optimises on its own."""

    def close(self) -> None:
        self._client.close()
