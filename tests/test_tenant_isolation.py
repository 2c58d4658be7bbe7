"""Tenant isolation, property-based: whatever a key asks on any read path, nothing of the other
tenant comes back. Both tenants hold documents and interactions with the same ids and nearly
the same text; each one's text carries its own marker word, so a leak is visible anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_world import MARKERS, TENANTS, World, build_world
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.embedding import Embedder

WORDS = [
    "return", "refund", "card", "days", "router", "reset", "pin", "button", "wifi", "charged",
    "twice", "order", "warranty", "hardware", "ACME", "GLOBEX", "light", "blue", "delivery",
]  # fmt: skip
SHARED_IDS = ["returns", "router", "ticket-1", "ticket-2", "ticket-3"]
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

tenants = st.sampled_from(TENANTS)
queries = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
doc_ids = st.sampled_from([*SHARED_IDS, "acme-only", "globex-only"])
filters = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"product": st.sampled_from(["router", "store"])}),
    st.fixed_dictionaries({"doc_id": st.lists(doc_ids, min_size=1, max_size=3, unique=True)}),
    st.fixed_dictionaries({"kind": st.sampled_from(["document", "interaction", "resolution"])}),
)
histories = st.lists(
    st.builds(lambda role, text: {"role": role, "text": text}, st.sampled_from(["user", "agent"]),
              queries),
    max_size=3,
)  # fmt: skip


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[World]:
    built = build_world(
        tmp_path_factory.mktemp("tenants"), embedder, rate_limit_per_minute=0
    )
    yield built
    built.index.close()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(world.app()) as test_client:
        yield test_client


def other(tenant: str) -> str:
    return next(t for t in TENANTS if t != tenant)


def assert_clean(response: Any, tenant: str) -> None:
    """Nothing of the other tenant: not its marker word, not its own document id."""
    assert response.status_code < 500, response.text
    payload = response.json()
    payload.pop("query", None)  # a topic summary echoes the query, which may name anything
    body = json.dumps(payload)
    foreign = other(tenant)
    assert MARKERS[foreign] not in body, body[:500]
    if response.status_code < 400:  # an error may name the id the caller asked for
        assert f"{foreign}-only" not in body, body[:500]


@EXAMPLES
@given(tenant=tenants, query=queries, where=filters, history=histories)
def test_search_never_leaks(
    client: TestClient, world: World, tenant: str, query: str, where: dict[str, Any],
    history: list[dict[str, str]],
) -> None:  # fmt: skip
    body = {"query": query, "filters": where, "history": history, "top_k": 50}
    response = client.post("/v1/search", json=body, headers=world.headers(tenant))
    assert_clean(response, tenant)
    assert response.status_code == 200


@EXAMPLES
@given(tenant=tenants, question=queries, where=filters, history=histories)
def test_answers_never_leak(
    client: TestClient, world: World, tenant: str, question: str, where: dict[str, Any],
    history: list[dict[str, str]],
) -> None:  # fmt: skip
    body = {"question": question, "filters": where, "history": history, "top_k": 20}
    assert_clean(client.post("/v1/answer", json=body, headers=world.headers(tenant)), tenant)


@EXAMPLES
@given(tenant=tenants, query=queries, where=filters)
def test_topic_summaries_never_leak(
    client: TestClient, world: World, tenant: str, query: str, where: dict[str, Any]
) -> None:
    body = {"query": query, "filters": where}
    assert_clean(client.post("/v1/summarize", json=body, headers=world.headers(tenant)), tenant)


@EXAMPLES
@given(tenant=tenants, doc_id=doc_ids, field=st.sampled_from(["doc_id", "interaction_id"]))
def test_item_summaries_and_fetches_never_leak(
    client: TestClient, world: World, tenant: str, doc_id: str, field: str
) -> None:
    headers = world.headers(tenant)
    summary = client.post("/v1/summarize", json={field: doc_id}, headers=headers)
    assert_clean(summary, tenant)
    fetched = client.get(f"/v1/documents/{doc_id}", headers=headers)
    assert_clean(fetched, tenant)
    if doc_id == f"{other(tenant)}-only":
        assert summary.status_code == fetched.status_code == 404


@EXAMPLES
@given(
    tenant=tenants,
    kind=st.sampled_from([None, "document", "interaction"]),
    product=st.sampled_from([None, "router", "store"]),
    limit=st.integers(min_value=1, max_value=10),
)
def test_document_listings_never_leak(
    client: TestClient, world: World, tenant: str, kind: str | None, product: str | None,
    limit: int,
) -> None:  # fmt: skip
    params: dict[str, Any] = {"limit": limit}
    if kind:
        params["kind"] = kind
    if product:
        params["filter"] = f"product={product}"
    while True:
        response = client.get("/v1/documents", params=params, headers=world.headers(tenant))
        assert_clean(response, tenant)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        params["cursor"] = cursor


def test_answers_jobs_and_feedback_of_one_tenant_are_invisible_to_the_other(
    client: TestClient, world: World
) -> None:
    answer = client.post(
        "/v1/answer", json={"question": "how do I reset the router"}, headers=world.headers("acme")
    ).json()
    feedback = {"answer_id": answer["answer_id"], "rating": "up"}
    foreign = client.post("/v1/feedback", json=feedback, headers=world.headers("globex"))
    assert foreign.status_code == 404
    records = [{"doc_id": "acme-upload", "title": "ACME note", "text": "ACME upload."}]
    job = client.post(
        "/v1/documents", json={"records": records}, headers=world.headers("acme", "admin")
    ).json()
    seen = client.get(f"/v1/jobs/{job['job_id']}", headers=world.headers("globex", "admin"))
    assert seen.status_code == 404 and "acme-upload" not in seen.text
    gone = client.delete("/v1/documents/acme-upload", headers=world.headers("globex", "admin"))
    assert gone.status_code == 404
    kept = client.get("/v1/documents/acme-upload", headers=world.headers("acme"))
    assert kept.status_code == 200  # the other tenant's delete touched nothing
