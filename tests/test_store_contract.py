"""One contract for the store seam, run against Qdrant Edge and qdrant-client's local mode."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from backends import BACKENDS, open_store

from casebook.bm25 import Bm25
from casebook.embedding import Embedder
from casebook.settings import Settings
from casebook.store.base import Condition, HybridQuery, Point, Store, Where

TEXTS = {
    "thermostat-reset": "How to reset the Lumen thermostat to its factory settings.",
    "refund-policy": "Refund policy for parcels damaged during shipping.",
    "shipping-times": "Shipping times to Europe and Asia for standard delivery.",
    "thermostat-battery": "Replacing the batteries of the thermostat display.",
}
YEARS = {
    "thermostat-reset": 2021,
    "refund-policy": 2022,
    "shipping-times": 2023,
    "thermostat-battery": 2024,
}
KINDS = {
    "thermostat-reset": "faq",
    "refund-policy": "policy",
    "shipping-times": "policy",
    "thermostat-battery": "faq",
}


def hybrid(**fields: Any) -> HybridQuery:
    """A query with the product's fusion knobs (Settings), unless the test names its own."""
    knobs = Settings(_env_file=None).retrieval  # type: ignore[call-arg]
    tuned = {"prefetch_limit": knobs.prefetch_limit, "fusion": knobs.fusion, "rrf_k": knobs.rrf_k}
    return HybridQuery(**(tuned | fields))


def pid(tenant: str, doc_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{doc_id}"))


@pytest.fixture(scope="module")
def vectors(embedder: Embedder) -> dict[str, list[float]]:
    return dict(zip(TEXTS, embedder.embed(list(TEXTS.values())), strict=True))


def make_points(tenant: str, vectors: dict[str, list[float]], bm25: Bm25) -> list[Point]:
    return [
        Point(
            id=pid(tenant, doc_id),
            dense=vectors[doc_id],
            sparse=bm25.document(text),
            payload={
                "tenant": tenant,
                "doc_id": doc_id,
                "kind": KINDS[doc_id],
                "text": text,
                "metadata": {
                    "year": YEARS[doc_id],
                    "published": f"{YEARS[doc_id]}-06-01T00:00:00Z",
                },
            },
        )
        for doc_id, text in TEXTS.items()
    ]


@pytest.fixture(scope="module", params=BACKENDS)
def shared_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Store]:
    """One store per backend for the module (creating an Edge shard takes about a second)."""
    store = open_store(request.param, tmp_path_factory.mktemp(request.param), embedder.dim)
    yield store
    store.close()


@pytest.fixture
def store(shared_store: Store) -> Iterator[Store]:
    """The module's store, emptied after each test."""
    yield shared_store
    shared_store.delete(Where(must_not=(Condition("tenant", ("\x00none",)),)))
    assert shared_store.count(Where()) == 0


@pytest.fixture
def filled(store: Store, vectors: dict[str, list[float]], bm25: Bm25) -> Store:
    """The store with every text for tenants "acme" and "globex"."""
    store.upsert(make_points("acme", vectors, bm25))
    store.upsert(make_points("globex", vectors, bm25))
    return store


def tenant(name: str) -> Condition:
    return Condition("tenant", (name,))


def doc_ids(points: Any) -> list[str]:
    return [p.payload["doc_id"] for p in points]


def test_upserted_points_are_counted(filled: Store) -> None:
    assert filled.count(Where()) == 2 * len(TEXTS)
    assert filled.count(Where(must=(tenant("acme"),))) == len(TEXTS)


def test_upserting_the_same_id_twice_keeps_one_point_with_the_new_payload(
    store: Store, vectors: dict[str, list[float]], bm25: Bm25
) -> None:
    first, *_ = make_points("acme", vectors, bm25)
    second = Point(first.id, first.dense, first.sparse, {**first.payload, "text": "version two"})
    store.upsert([first])
    store.upsert([second])

    points = list(store.scroll(Where()))
    assert [p.id for p in points] == [first.id]
    assert points[0].payload["text"] == "version two"


def test_upserting_nothing_is_a_no_op(store: Store) -> None:
    store.upsert([])
    assert store.count(Where()) == 0


def test_scroll_returns_only_the_selected_payload_fields(filled: Store) -> None:
    points = list(filled.scroll(Where(must=(tenant("acme"),)), fields=["doc_id", "kind"]))

    assert sorted(doc_ids(points)) == sorted(TEXTS)
    assert all(set(p.payload) == {"doc_id", "kind"} for p in points)
    assert {p.id for p in points} == {pid("acme", d) for d in TEXTS}


def test_scroll_without_fields_returns_the_whole_payload(filled: Store) -> None:
    point = next(
        iter(filled.scroll(Where(must=(tenant("acme"), Condition("doc_id", ("refund-policy",))))))
    )
    assert point.payload["text"] == TEXTS["refund-policy"]
    assert point.payload["metadata"]["year"] == 2022


def test_scroll_yields_every_point_across_pages(
    store: Store, embedder: Embedder, bm25: Bm25
) -> None:
    rng = random.Random(7)
    sparse = bm25.document("page")
    points = [
        Point(
            str(uuid.UUID(int=i + 1)),
            [rng.uniform(-1, 1) for _ in range(embedder.dim)],
            sparse,
            {"tenant": "acme", "doc_id": f"d{i}"},
        )
        for i in range(1205)  # more than one scroll page of 1000
    ]
    store.upsert(points)

    seen = [p.id for p in store.scroll(Where(), fields=["doc_id"])]
    assert len(seen) == len(set(seen)) == 1205
    assert store.count(Where(must=(tenant("acme"),))) == 1205


def test_delete_by_filter_removes_only_matching_points_and_honours_must_not(filled: Store) -> None:
    filled.delete(Where(must=(tenant("acme"),), must_not=(Condition("kind", ("faq",)),)))

    left = {(p.payload["tenant"], p.payload["doc_id"]) for p in filled.scroll(Where())}
    assert left == {("acme", "thermostat-reset"), ("acme", "thermostat-battery")} | {
        ("globex", d) for d in TEXTS
    }


def test_delete_with_an_empty_filter_is_refused(filled: Store) -> None:
    with pytest.raises(ValueError):
        filled.delete(Where())
    assert filled.count(Where()) == 2 * len(TEXTS)


def test_keyword_condition_matches_any_of_its_values(filled: Store) -> None:
    where = Where(must=(tenant("acme"), Condition("doc_id", ("refund-policy", "shipping-times"))))
    assert sorted(doc_ids(filled.scroll(where))) == ["refund-policy", "shipping-times"]
    both_tenants = Where(must=(Condition("tenant", ("acme", "globex")),))
    assert filled.count(both_tenants) == 2 * len(TEXTS)


def test_keyword_condition_on_a_nested_metadata_integer(filled: Store) -> None:
    where = Where(must=(tenant("acme"), Condition("metadata.year", (2022, 2024))))
    assert sorted(doc_ids(filled.scroll(where))) == ["refund-policy", "thermostat-battery"]


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"gte": 2022, "lt": 2024}, ["refund-policy", "shipping-times"]),
        ({"gt": 2022}, ["shipping-times", "thermostat-battery"]),
        ({"lte": 2021}, ["thermostat-reset"]),
        ({"gte": 2030}, []),
    ],
)
def test_numeric_range_condition(
    filled: Store, bounds: dict[str, int], expected: list[str]
) -> None:
    where = Where(must=(tenant("acme"), Condition("metadata.year", **bounds)))
    assert sorted(doc_ids(filled.scroll(where))) == expected


def test_datetime_range_condition_with_iso_strings(filled: Store) -> None:
    where = Where(
        must=(tenant("acme"), Condition("metadata.published", gte="2023-01-01T00:00:00Z"))
    )
    assert sorted(doc_ids(filled.scroll(where))) == ["shipping-times", "thermostat-battery"]


@pytest.mark.parametrize("fusion", ["rrf", "dbsf"])
def test_hybrid_query_returns_the_best_matching_point_first(
    filled: Store, embedder: Embedder, bm25: Bm25, fusion: str
) -> None:
    question = "reset thermostat factory settings"
    hits = filled.query(
        hybrid(
            where=Where(must=(tenant("acme"),)),
            limit=3,
            dense=[embedder.embed([question])[0]],
            sparse=[bm25.query(question)],
            fusion=fusion,
        )
    )
    assert len(hits) == 3
    assert hits[0].payload["doc_id"] == "thermostat-reset"
    assert hits[0].id == pid("acme", "thermostat-reset")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_dense_only_query_ranks_by_meaning(filled: Store, embedder: Embedder) -> None:
    hits = filled.query(
        hybrid(
            where=Where(must=(tenant("acme"),)),
            limit=4,
            dense=[embedder.embed(["money back for a broken package"])[0]],
        )
    )
    assert hits[0].payload["doc_id"] == "refund-policy"
    assert sorted(doc_ids(hits)) == sorted(TEXTS)
    assert all(-1.0 <= h.score <= 1.0 for h in hits)  # cosine similarity


def test_sparse_only_query_returns_only_points_sharing_a_term(filled: Store, bm25: Bm25) -> None:
    hits = filled.query(
        hybrid(where=Where(must=(tenant("acme"),)), limit=4, sparse=[bm25.query("batteries")])
    )
    assert doc_ids(hits) == ["thermostat-battery"]


def test_query_without_any_vector_is_refused(filled: Store) -> None:
    with pytest.raises(ValueError):
        filled.query(hybrid(where=Where(), limit=3))


def test_tenant_condition_isolates_tenants_in_query_results(
    store: Store, vectors: dict[str, list[float]], embedder: Embedder, bm25: Bm25
) -> None:
    acme = make_points("acme", vectors, bm25)[:2]  # thermostat-reset, refund-policy
    globex = make_points("globex", vectors, bm25)[2:]  # shipping-times, thermostat-battery
    store.upsert(acme + globex)
    question = "thermostat"
    for name, own in (("acme", acme), ("globex", globex)):
        hits = store.query(
            hybrid(
                where=Where(must=(tenant(name),)),
                limit=10,
                dense=[embedder.embed([question])[0]],
                sparse=[bm25.query(question)],
            )
        )
        assert {h.id for h in hits} == {p.id for p in own}
        assert {h.payload["tenant"] for h in hits} == {name}


@pytest.mark.parametrize(
    "backend",
    [
        "edge",
        "client",
    ],
)
def test_bm25_weights_ignore_other_tenants_vocabulary(
    backend: str, tmp_path: Path, embedder: Embedder, vectors: dict[str, list[float]], bm25: Bm25
) -> None:
    store = open_store(backend, tmp_path, embedder.dim)
    question = hybrid(
        where=Where(must=(tenant("acme"),)), limit=4, sparse=[bm25.query("refund shipping")]
    )
    try:
        store.upsert(make_points("acme", vectors, bm25))
        alone = [(h.id, round(h.score, 4)) for h in store.query(question)]
        flood = [
            Point(
                pid("globex", f"refund-{i}"),
                vectors["refund-policy"],
                bm25.document(f"refund request number {i}"),
                {"tenant": "globex"},
            )
            for i in range(30)
        ]
        store.upsert(flood)
        beside_globex = [(h.id, round(h.score, 4)) for h in store.query(question)]
    finally:
        store.close()
    assert alone
    assert beside_globex == alone


def test_points_survive_closing_and_reopening_the_store(
    tmp_path: Path, embedder: Embedder, vectors: dict[str, list[float]], bm25: Bm25
) -> None:
    for kind in BACKENDS:
        first = open_store(kind, tmp_path, embedder.dim, in_memory=False)
        first.upsert(make_points("acme", vectors, bm25))
        first.close()
        again = open_store(kind, tmp_path, embedder.dim, in_memory=False)
        try:
            assert sorted(doc_ids(again.scroll(Where()))) == sorted(TEXTS), kind
        finally:
            again.close()


@pytest.fixture(scope="module")
def both_backends(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
    vectors: dict[str, list[float]],
    bm25: Bm25,
) -> Iterator[list[Store]]:
    """An Edge store and a local-mode store holding the same points."""
    folder = tmp_path_factory.mktemp("congruence")
    stores = [open_store(kind, folder, embedder.dim) for kind in BACKENDS]
    for store in stores:
        store.upsert(make_points("acme", vectors, bm25))
    yield stores
    for store in stores:
        store.close()


@pytest.mark.parametrize("mode", ["dense", "sparse", "rrf", "dbsf"])
@pytest.mark.parametrize(
    "question", ["thermostat shipping refund", "how long does delivery to Asia take"]
)
def test_both_backends_rank_the_same(
    both_backends: list[Store], embedder: Embedder, bm25: Bm25, mode: str, question: str
) -> None:
    """Congruence: Edge and qdrant-client's local mode agree on the order of the same query."""
    query = hybrid(
        where=Where(must=(tenant("acme"),)),
        limit=4,
        dense=[embedder.embed([question])[0]] if mode != "sparse" else [],
        sparse=[bm25.query(question)] if mode != "dense" else [],
        fusion="dbsf" if mode == "dbsf" else "rrf",
    )
    edge, client = (s.query(query) for s in both_backends)
    # Scores fix the order; tied scores (common under RRF) may come in either order.
    assert {h.id: round(h.score, 4) for h in edge} == {h.id: round(h.score, 4) for h in client}
    assert len(edge) == len(client) > 0
