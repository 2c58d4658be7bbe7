"""The HTTP API through FastAPI's TestClient, over a real Edge index with ingested documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import corpus
import pytest
from backends import open_index
from fastapi.testclient import TestClient

from casebook.embedding import Embedder
from casebook.settings import Settings
from casebook.store.edge import EdgeStore
from casebook.wiring import open_index as open_configured_index
from ingest.chunking import Chunker
from ingest.pipeline import ingest
from service.app import create_app

DEFAULT_TENANT = "default"  # the open (no keys) tenant

HIT_FIELDS = {
    "doc_id",
    "chunk_id",
    "score",
    "title",
    "text",
    "kind",
    "metadata",
    "section",
    "source",
}
RECORDS = [
    *corpus.RECORDS,
    {
        "id": "kb-4",
        "title": "Router reboot",
        "text": "Unplug the router for thirty seconds to reboot it.",
        "metadata": {"product": "router", "lang": "en", "year": 2021},
    },
    {
        "id": "kb-5",
        "title": "Router setup",
        "text": "Set up the router with the mobile app.",
        "metadata": {"product": "router", "lang": "en", "year": 2024},
    },
]


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, chunker: Chunker
) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("service")
    docs = root / "docs"
    docs.mkdir()
    corpus.write_md(docs / "thermostat.md")
    corpus.write_jsonl(docs / "kb.jsonl", RECORDS)
    index = open_index("edge", root, embedder)
    report = ingest(index, chunker, [docs], tenant=DEFAULT_TENANT)
    assert report.failed == [] and report.added == 6
    settings = Settings(_env_file=None, data_dir=root / "data")
    with TestClient(create_app(settings, index=index)) as test_client:
        yield test_client
    index.close()


def search(client: TestClient, **body: Any) -> list[dict[str, Any]]:
    response = client.post("/v1/search", json=body)
    assert response.status_code == 200, response.text
    return response.json()["results"]  # type: ignore[no-any-return]


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_search_returns_hits_with_the_documented_fields(client: TestClient) -> None:
    results = search(client, query="how do I reset the thermostat?", top_k=3)
    assert 1 <= len(results) <= 3
    assert all(set(hit) == HIT_FIELDS for hit in results)
    best = results[0]
    assert best["doc_id"] == "thermostat.md"
    assert best["section"] == ["Thermostat guide", "Resetting"]
    assert best["metadata"] == {"format": "md"}
    assert best["source"].endswith("thermostat.md")
    assert [h["score"] for h in results] == sorted((h["score"] for h in results), reverse=True)


def test_top_k_limits_the_number_of_results(client: TestClient) -> None:
    assert len(search(client, query="router", top_k=2)) == 2
    assert len(search(client, query="router", top_k=100)) == 7  # every chunk there is


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"product": "router"}, {"kb-3", "kb-4", "kb-5"}),
        ({"metadata.product": "router"}, {"kb-3", "kb-4", "kb-5"}),
        ({"lang": ["fr", "de"]}, {"kb-2"}),
        ({"doc_id": ["kb-1", "thermostat.md"]}, {"kb-1", "thermostat.md"}),
        ({"year": {"gte": 2022}}, {"kb-5"}),
        ({"year": {"gt": 2000, "lt": 2022}}, {"kb-4"}),
        ({"year": 2021}, {"kb-4"}),
        ({"product": "router", "lang": "fr"}, set()),
        ({"kind": "document", "title": "Router setup"}, {"kb-5"}),
        ({"section": "Batteries"}, {"thermostat.md"}),
    ],
)
def test_filters_narrow_the_results(
    client: TestClient, filters: dict[str, Any], expected: set[str]
) -> None:
    results = search(client, query="router password thermostat", top_k=50, filters=filters)
    assert {h["doc_id"] for h in results} == expected


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_every_search_mode_finds_the_matching_record(client: TestClient, mode: str) -> None:
    results = search(client, query="unplug the router to reboot", mode=mode, top_k=3)
    assert results[0]["doc_id"] == "kb-4"


def test_history_gives_a_follow_up_question_its_topic(client: TestClient) -> None:
    history = [{"role": "user", "text": "My router has a blinking orange light."}]
    results = search(client, query="what does it mean?", history=history, top_k=1)
    assert results[0]["doc_id"] == "kb-3"


def test_an_unmatched_filter_is_an_empty_answer_not_an_error(client: TestClient) -> None:
    assert search(client, query="router", filters={"product": "toaster"}) == []


@pytest.mark.parametrize(
    "filters",
    [
        {"tenant": "x"},
        {"kind": {"foo": 1}},
        {"kind": {}},
        {"kind": []},
        {"kind": None},
        {"price": 1.5},
        {"lang": ["en", 1]},
        {"year": {"gte": True}},
        {"": "x"},
        {"metadata.": "x"},
    ],
    ids=[
        "tenant",
        "unknown-range-key",
        "empty-range",
        "empty-list",
        "null",
        "float",
        "mixed-types",
        "bool-bound",
        "empty-key",
        "trailing-dot",
    ],
)
def test_an_invalid_filter_is_a_422_with_detail_and_type(
    client: TestClient, filters: dict[str, Any]
) -> None:
    response = client.post("/v1/search", json={"query": "router", "filters": filters})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "type"}
    # The request schema describes filters, so most are refused by validation itself.
    assert body["type"] in ("invalid_filter", "validation_error")
    assert body["detail"]


@pytest.mark.parametrize(
    "bounds",
    [{"gte": "yesterday"}, {"gte": "2024-01-01", "lte": 5}],
    ids=["not-a-date", "date-and-number"],
)
def test_a_range_with_unparseable_bounds_is_a_422(
    client: TestClient, bounds: dict[str, Any]
) -> None:
    # The same (already started) app, answering a server error as a 500 instead of raising it.
    lenient = TestClient(client.app, raise_server_exceptions=False)
    response = lenient.post(
        "/v1/search", json={"query": "router", "filters": {"published": bounds}}
    )
    assert response.status_code == 422
    assert response.json()["type"] in ("invalid_filter", "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        {"query": ""},
        {},
        {"query": "router", "top_k": 1001},
        {"query": "router", "top_k": 0},
        {"query": "router", "mode": "fuzzy"},
        {"query": "router", "unexpected": True},
        {"query": "router", "history": [{"role": "user"}]},
        {"query": "router", "filters": ["kind", "faq"]},
    ],
    ids=[
        "empty-query",
        "no-query",
        "top-k-above-1000",
        "top-k-zero",
        "bad-mode",
        "extra-field",
        "turn-without-text",
        "filters-not-an-object",
    ],
)
def test_an_invalid_request_is_a_422_validation_error(
    client: TestClient, body: dict[str, Any]
) -> None:
    response = client.post("/v1/search", json=body)
    assert response.status_code == 422
    payload = response.json()
    assert set(payload) == {"detail", "type"}
    assert payload["type"] == "validation_error"
    assert all({"loc", "msg", "type"} == set(error) for error in payload["detail"])


def test_top_k_above_the_configured_limit_is_a_422(client: TestClient) -> None:
    response = client.post("/v1/search", json={"query": "router", "top_k": 101})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "top_k may be at most 100 (CASEBOOK_MAX_TOP_K)",
        "type": "limit_exceeded",
    }


def test_a_body_that_is_not_json_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/v1/search", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "validation_error"


def test_openapi_lists_the_search_route_and_error_body(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "post" in schema["paths"]["/v1/search"]
    assert "/healthz" in schema["paths"]
    assert "422" in schema["paths"]["/v1/search"]["post"]["responses"]
    assert {"SearchRequest", "SearchResponse", "SearchHit", "ErrorBody"} <= set(
        schema["components"]["schemas"]
    )


def test_the_app_opens_and_closes_its_own_index_from_settings(
    tmp_path: Path, embedder: Embedder, chunker: Chunker
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    configured = open_configured_index(settings, embedder)  # Edge at settings.edge_path
    ingest(
        configured, chunker, [corpus.write_md(tmp_path / "thermostat.md")], tenant=DEFAULT_TENANT
    )
    configured.close()

    with TestClient(create_app(settings)) as test_client:
        results = search(test_client, query="reset the thermostat", top_k=1)
    assert results[0]["doc_id"] == "thermostat.md"
    EdgeStore(settings.edge_path, embedder.dim).close()  # the app released the folder lock
