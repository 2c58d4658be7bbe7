"""A Qdrant server or cluster through qdrant-client (also its in-process mode, for tests)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from qdrant_client import QdrantClient, models

from casebook.store.base import DENSE, SPARSE, HybridQuery, Point, ScoredPoint, Where
from casebook.store.spelling import Spelling, scored, scroll_pages

_SCROLL_PAGE = 1000
SERVER = Spelling(
    field_condition=models.FieldCondition,
    float_range=models.Range,
    datetime_range=models.DatetimeRange,
    match_value=lambda value: models.MatchValue(value=value),
    match_any=lambda values: models.MatchAny(any=values),
    filter=models.Filter,
    sparse_vector=models.SparseVector,
    sparse_params=lambda flt: models.SearchParams(idf=models.IdfCorpusParams(corpus=flt)),
    rrf=lambda k, weights: models.RrfQuery(rrf=models.Rrf(k=k, weights=weights)),
    dbsf=lambda: models.FusionQuery(fusion=models.Fusion.DBSF),
    keyword_index=lambda tenant: models.KeywordIndexParams(
        type=models.KeywordIndexType.KEYWORD, is_tenant=tenant
    ),
    integer_index=models.PayloadSchemaType.INTEGER,
    datetime_index=models.PayloadSchemaType.DATETIME,
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
            for name, schema in SERVER.field_indexes():
                client.create_payload_index(collection, name, field_schema=schema)

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
        flt = SERVER.where(where)
        if flt is None:
            raise ValueError("refusing to delete with an empty filter")
        self._client.delete(
            self._collection, points_selector=models.FilterSelector(filter=flt), wait=True
        )

    def query(self, query: HybridQuery) -> list[ScoredPoint]:
        flt = SERVER.where(query.where)
        stages = SERVER.stages(query, flt)
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
                query=SERVER.fusion(query),
                query_filter=flt,
                limit=query.limit,
                with_payload=True,
            )
        return scored(response.points)

    def scroll(self, where: Where, fields: Sequence[str] | None = None) -> Iterator[ScoredPoint]:
        with_payload: Any = list(fields) if fields is not None else True

        def page(offset: Any) -> tuple[Any, Any]:
            return self._client.scroll(
                self._collection,
                scroll_filter=SERVER.where(where),
                limit=_SCROLL_PAGE,
                offset=offset,
                with_payload=with_payload,
            )

        yield from scroll_pages(page)

    def count(self, where: Where) -> int:
        flt = SERVER.where(where)
        return self._client.count(self._collection, count_filter=flt, exact=True).count

    def optimize(self) -> None:
        """The server optimises on its own."""

    def close(self) -> None:
        self._client.close()
