"""The whole HTTP API through its interface: answers, summaries, documents, uploads, feedback,
roles, limits and operations, over a real Edge index and the real embedding model."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from api_world import World, build_world
from fastapi.testclient import TestClient

from casebook.embedding import Embedder
from casebook.shapes import to_json
from summaries.interaction import summarize

SYNC_UPLOAD_BYTES = 4000
MAX_UPLOAD_BYTES = 60_000


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[World]:
    built = build_world(
        tmp_path_factory.mktemp("api"),
        embedder,
        sync_upload_bytes=SYNC_UPLOAD_BYTES,
        max_upload_bytes=MAX_UPLOAD_BYTES,
        max_body_bytes=20_000,
        rate_limit_per_minute=0,
    )
    yield built
    built.index.close()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(world.app()) as test_client:
        yield test_client


def post(client: TestClient, world: World, path: str, body: Any, tenant: str = "acme") -> Any:
    response = client.post(path, json=body, headers=world.headers(tenant))
    assert response.status_code == 200, response.text
    return response.json()


# --- answers ------------------------------------------------------------------------------


def test_an_answer_quotes_its_sources_and_marks_each_citation(
    client: TestClient, world: World
) -> None:
    question = {"question": "How many days do I have to return an item?"}
    answer = post(client, world, "/v1/answer", question)
    assert answer["answerable"] is True and answer["reason"] == ""
    assert 0.0 < answer["confidence"] <= 1.0
    citations = answer["citations"]
    assert citations and {c["doc_id"] for c in citations} == {"returns"}
    assert "30 days" in answer["answer"] and "90" not in answer["answer"]
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])]
    assert markers == list(range(1, len(citations) + 1))
    document = client.get("/v1/documents/returns", headers=world.headers("acme")).json()
    text = " ".join(chunk["text"] for chunk in document["chunks"])
    for citation in citations:
        assert citation["quote"] in text  # verbatim, never rewritten
        assert citation["quote"] in answer["answer"]
        assert citation["end"] - citation["start"] == len(citation["quote"])  # a highlight range


def test_an_unrelated_question_is_not_answered(client: TestClient, world: World) -> None:
    answer = post(
        client, world, "/v1/answer", {"question": "Which composer wrote the Goldberg Variations?"}
    )
    assert answer["answerable"] is False
    assert answer["reason"] in ("low_confidence", "no_evidence")
    assert answer["citations"] == []


def test_a_filter_that_matches_nothing_gives_no_evidence(client: TestClient, world: World) -> None:
    body = {"question": "How long do I have to return?", "filters": {"product": "toaster"}}
    answer = post(client, world, "/v1/answer", body)
    assert (answer["answerable"], answer["reason"]) == (False, "no_evidence")


# --- summaries ----------------------------------------------------------------------------


def test_an_interaction_summary_is_the_cli_json(client: TestClient, world: World) -> None:
    by_id = post(client, world, "/v1/summarize", {"interaction_id": "ticket-1"})
    expected = to_json(summarize(world.index.get_interaction("acme", "ticket-1")))
    assert by_id == expected
    assert post(client, world, "/v1/summarize", {"doc_id": "ticket-1"}) == expected
    assert "ACME" in by_id["summary"] and "GLOBEX" not in by_id["summary"]


def test_a_document_summary_quotes_the_document(client: TestClient, world: World) -> None:
    summary = post(client, world, "/v1/summarize", {"doc_id": "router"})
    assert summary["citations"]
    text = client.get("/v1/documents/router", headers=world.headers("acme")).json()
    body = " ".join(c["text"] for c in text["chunks"])
    assert all(c["quote"] in body for c in summary["citations"])


def test_a_topic_summary_cites_the_interactions_behind_each_point(
    client: TestClient, world: World
) -> None:
    summary = post(client, world, "/v1/summarize", {"query": "charged twice"})
    assert summary["points"]
    first = summary["points"][0]
    assert set(first["interactions"]) >= {"ticket-1", "ticket-2"}
    assert "GLOBEX" not in json.dumps(summary)


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({}, 422, "validation_error"),
        ({"doc_id": "returns", "query": "refunds"}, 422, "validation_error"),
        ({"interaction_id": "returns"}, 404, "document_not_found"),
        ({"doc_id": "no-such-doc"}, 404, "document_not_found"),
        ({"interaction_id": "ticket-1", "extra": 1}, 422, "validation_error"),
    ],
)
def test_summarize_refuses_bad_requests(
    client: TestClient, world: World, body: dict[str, Any], status: int, kind: str
) -> None:
    response = client.post("/v1/summarize", json=body, headers=world.headers("acme"))
    assert (response.status_code, response.json()["type"]) == (status, kind)


# --- documents ----------------------------------------------------------------------------


def _list(client: TestClient, world: World, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/documents", params=params, headers=world.headers("acme"))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_documents_page_through_everything_once(client: TestClient, world: World) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        page = _list(client, world, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["documents"]) <= 2
        seen += [d["doc_id"] for d in page["documents"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    original = {"returns", "router", "acme-only", "ticket-1", "ticket-2", "ticket-3"}
    assert original <= set(seen) and len(seen) == len(set(seen)) and seen == sorted(seen)


def test_documents_filter_by_kind_and_metadata(client: TestClient, world: World) -> None:
    interactions = _list(client, world, kind="interaction")["documents"]
    assert {d["doc_id"] for d in interactions} >= {"ticket-1", "ticket-2", "ticket-3"}
    assert all(d["kind"] == "interaction" for d in interactions)
    routers = _list(client, world, filter="product=router")["documents"]
    assert [d["doc_id"] for d in routers] == ["router"]
    assert routers[0]["chunks"] >= 1 and routers[0]["title"] == "ACME router reset"


def test_one_document_has_its_chunks_and_an_interaction_its_turns(
    client: TestClient, world: World
) -> None:
    ticket = client.get("/v1/documents/ticket-3", headers=world.headers("acme")).json()
    assert ticket["kind"] == "interaction"
    assert [t["role"] for t in ticket["turns"]] == ["customer", "agent", "customer"]
    missing = client.get("/v1/documents/nope", headers=world.headers("acme"))
    assert (missing.status_code, missing.json()["type"]) == (404, "document_not_found")


def _upload(client: TestClient, world: World, files: list[tuple[str, bytes]], **data: str) -> Any:
    return client.post(
        "/v1/documents",
        files=[("files", (name, body, "application/octet-stream")) for name, body in files],
        data=data,
        headers=world.headers("acme", "admin"),
    )


def test_a_small_upload_is_ingested_before_the_response(client: TestClient, world: World) -> None:
    good = b"# Gift cards\n\nACME gift cards never expire and can be used online.\n"
    response = _upload(client, world, [("gift-cards.md", good), ("broken.pdf", b"%PDF-nope")])
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "succeeded" and job["progress"] == {"done": 2, "total": 2}
    assert job["report"]["added"] == 1
    assert [f["path"] for f in job["report"]["failed"]] == ["upload:broken.pdf"]
    listed = {d["doc_id"]: d for d in _list(client, world)["documents"]}
    assert listed["gift-cards.md"]["source"] == "upload:gift-cards.md"
    hits = post(client, world, "/v1/search", {"query": "do gift cards expire?", "top_k": 1})
    assert hits["results"][0]["doc_id"] == "gift-cards.md"


def test_two_files_of_one_name_keep_the_first(client: TestClient, world: World) -> None:
    files = [("same.md", b"# One\n\nACME first version."), ("same.md", b"# Two\n\nSecond.")]
    job = _upload(client, world, files).json()
    assert job["report"]["added"] == 1
    assert [f["path"] for f in job["report"]["failed"]] == ["upload:same.md"]
    assert "duplicate document id" in job["report"]["failed"][0]["error"]
    document = client.get("/v1/documents/same.md", headers=world.headers("acme")).json()
    assert "first version" in document["chunks"][0]["text"]


def test_json_records_upload_documents_and_interactions(client: TestClient, world: World) -> None:
    records = [
        {"doc_id": "kb-json", "title": "Opening hours", "text": "ACME stores open at nine."},
        {
            "interaction_id": "ticket-json",
            "turns": [
                {"role": "customer", "text": "Mail me at jane.doe@example.com please."},
                {"role": "agent", "text": "Done."},
            ],
        },
    ]
    response = client.post(
        "/v1/documents", json={"records": records}, headers=world.headers("acme", "admin")
    )
    assert response.status_code == 200, response.text
    assert response.json()["report"]["added"] == 2
    assert response.json()["report"]["redactions"] == {"EMAIL": 1}
    ticket = client.get("/v1/documents/ticket-json", headers=world.headers("acme")).json()
    assert "jane.doe@example.com" not in json.dumps(ticket)


def test_a_large_upload_runs_as_a_job(client: TestClient, world: World) -> None:
    big = ("ACME delivery zones and times. " * 200).encode()
    assert SYNC_UPLOAD_BYTES < len(big) < MAX_UPLOAD_BYTES
    response = _upload(client, world, [("zones.txt", big)])
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    for _ in range(600):  # poll the job, at most about two minutes
        job = client.get(f"/v1/jobs/{job_id}", headers=world.headers("acme")).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded" and job["report"]["added"] == 1
    other = client.get(f"/v1/jobs/{job_id}", headers=world.headers("globex"))
    assert (other.status_code, other.json()["type"]) == (404, "job_not_found")
    with TestClient(world.app()) as restarted:  # a new server on the same data directory
        again = restarted.get(f"/v1/jobs/{job_id}", headers=world.headers("acme"))
        assert again.status_code == 200 and again.json() == job


@pytest.mark.parametrize(
    ("send", "status", "kind"),
    [
        ({"files": [("files", ("big.txt", b"x" * (MAX_UPLOAD_BYTES + 1), "text/plain"))]},
         413, "payload_too_large"),
        ({"content": b"plain", "headers": {"content-type": "text/plain"}},
         415, "unsupported_media_type"),
        ({"files": [("files", (".hidden.md", b"# A", "text/markdown"))]}, 400, "bad_upload"),
        ({"files": [("other", ("a.md", b"# A", "text/markdown"))]}, 400, "bad_upload"),
        ({"files": [("files", ("a.json", b"{}", "application/json"))],
          "data": {"mapping": "/etc/passwd"}}, 400, "bad_upload"),
        ({"json": {"records": []}}, 422, "validation_error"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}},
         422, "validation_error"),
    ],
)  # fmt: skip
def test_bad_uploads_get_a_named_error(
    client: TestClient, world: World, send: dict[str, Any], status: int, kind: str
) -> None:
    before = _list(client, world)["documents"]
    headers = {**world.headers("acme", "admin"), **send.pop("headers", {})}
    response = client.post("/v1/documents", headers=headers, **send)
    assert (response.status_code, response.json()["type"]) == (status, kind), response.text
    assert _list(client, world)["documents"] == before  # nothing lost, nothing half-written


def test_delete_removes_a_document_from_every_read_path(client: TestClient, world: World) -> None:
    records = [{"doc_id": "to-delete", "title": "Parking", "text": "ACME parking is free."}]
    client.post("/v1/documents", json={"records": records}, headers=world.headers("acme", "admin"))
    response = client.delete("/v1/documents/to-delete", headers=world.headers("acme", "admin"))
    assert response.json() == {"doc_id": "to-delete", "deleted_chunks": 1}
    assert client.get("/v1/documents/to-delete", headers=world.headers("acme")).status_code == 404
    hits = post(client, world, "/v1/search", {"query": "is parking free?", "top_k": 20})
    assert "to-delete" not in {h["doc_id"] for h in hits["results"]}
    again = client.delete("/v1/documents/to-delete", headers=world.headers("acme", "admin"))
    assert (again.status_code, again.json()["type"]) == (404, "document_not_found")


# --- feedback -----------------------------------------------------------------------------


def test_feedback_is_stored_with_the_question_and_citations(
    client: TestClient, world: World
) -> None:
    answer = post(client, world, "/v1/answer", {"question": "When do refunds reach my card?"})
    body = {
        "answer_id": answer["answer_id"],
        "rating": "down",
        "comment": "Wrong, call me on +1 415 555 0134",
        "expected_doc_ids": ["acme-only"],
    }
    receipt = post(client, world, "/v1/feedback", body)
    assert receipt["answer_id"] == answer["answer_id"]
    lines = (world.settings.data_dir / "feedback.jsonl").read_text().splitlines()
    stored = [json.loads(line) for line in lines]
    mine = next(r for r in stored if r["feedback_id"] == receipt["feedback_id"])
    assert mine["question"] == "When do refunds reach my card?"
    assert mine["rating"] == "down" and mine["expected_doc_ids"] == ["acme-only"]
    assert mine["cited_doc_ids"] == sorted({c["doc_id"] for c in answer["citations"]})
    assert mine["tenant"] == "acme" and "555 0134" not in mine["comment"]


def test_feedback_on_an_answer_of_another_tenant_is_not_found(
    client: TestClient, world: World
) -> None:
    answer = post(client, world, "/v1/answer", {"question": "How do I reset the router?"})
    body = {"answer_id": answer["answer_id"], "rating": "up"}
    response = client.post("/v1/feedback", json=body, headers=world.headers("globex"))
    assert (response.status_code, response.json()["type"]) == (404, "answer_not_found")
    bad = client.post("/v1/feedback", json={**body, "rating": "meh"}, headers=world.headers("acme"))
    assert bad.status_code == 422


# --- auth, roles and limits ---------------------------------------------------------------

READS = [
    ("post", "/v1/search", {"json": {"query": "returns"}}),
    ("post", "/v1/answer", {"json": {"question": "returns"}}),
    ("post", "/v1/summarize", {"json": {"doc_id": "returns"}}),
    ("get", "/v1/documents", {}),
    ("get", "/v1/documents/returns", {}),
    ("get", "/v1/jobs/0123", {}),
    ("post", "/v1/feedback", {"json": {"answer_id": "x", "rating": "up"}}),
]
WRITES = [
    ("post", "/v1/documents", {"json": {"records": [{"doc_id": "w", "text": "w"}]}}),
    ("delete", "/v1/documents/returns", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), READS + WRITES)
def test_every_endpoint_needs_a_valid_key(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    for headers in ({}, {"Authorization": "Bearer cb_000000000000_nope"}, {"Authorization": "x"}):
        response = getattr(client, method)(path, headers=headers, **kwargs)
        assert (response.status_code, response.json()["type"]) == (401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "kwargs"), WRITES)
@pytest.mark.parametrize("role", ["agent", "bot"])
def test_reader_roles_may_not_write(
    client: TestClient, world: World, method: str, path: str, kwargs: dict[str, Any], role: str
) -> None:
    response = getattr(client, method)(path, headers=world.headers("acme", role), **kwargs)
    assert (response.status_code, response.json()["type"]) == (403, "forbidden")
    assert client.get("/v1/documents/returns", headers=world.headers("acme")).status_code == 200


@pytest.mark.parametrize(("method", "path", "kwargs"), READS)
@pytest.mark.parametrize("role", ["agent", "bot", "admin"])
def test_every_role_may_read(
    client: TestClient, world: World, method: str, path: str, kwargs: dict[str, Any], role: str
) -> None:
    response = getattr(client, method)(path, headers=world.headers("acme", role), **kwargs)
    assert response.status_code not in (401, 403), response.text


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"query": "x" * 2001}, "CASEBOOK_MAX_QUERY_CHARS"),
        ({"query": "x", "history": [{"role": "user", "text": "y"}] * 51},
         "CASEBOOK_MAX_HISTORY_TURNS"),
        ({"query": "x", "history": [{"role": "user", "text": "y" * 8001}]},
         "CASEBOOK_MAX_TURN_CHARS"),
        ({"query": "x", "top_k": 101}, "CASEBOOK_MAX_TOP_K"),
    ],
)  # fmt: skip
def test_limits_are_named_in_the_error(
    client: TestClient, world: World, body: dict[str, Any], detail: str
) -> None:
    response = client.post("/v1/search", json=body, headers=world.headers("acme"))
    assert (response.status_code, response.json()["type"]) == (422, "limit_exceeded")
    assert detail in response.json()["detail"]


def test_a_body_over_the_limit_is_413(client: TestClient, world: World) -> None:
    body = {"query": "x", "filters": {"product": ["y" * 100] * 300}}
    response = client.post("/v1/search", json=body, headers=world.headers("acme"))
    assert (response.status_code, response.json()["type"]) == (413, "payload_too_large")


def test_a_key_past_its_rate_limit_gets_429(world: World) -> None:
    world.settings = world.settings.model_copy(
        update={"rate_limit_per_minute": 1, "rate_limit_burst": 2}
    )
    try:
        with TestClient(world.app()) as limited:
            codes = [
                limited.get("/v1/documents", headers=world.headers("globex")).status_code
                for _ in range(3)
            ]
            blocked = limited.get("/v1/documents", headers=world.headers("globex"))
            other_key = limited.get("/v1/documents", headers=world.headers("acme"))
    finally:
        world.settings = world.settings.model_copy(update={"rate_limit_per_minute": 0})
    assert codes == [200, 200, 429]
    assert blocked.json()["type"] == "rate_limited" and int(blocked.headers["Retry-After"]) >= 1
    assert other_key.status_code == 200  # the limit is per key


# --- operations ---------------------------------------------------------------------------


def test_readyz_and_healthz_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"index": True, "model": True}}


def test_metrics_count_requests_by_route_and_documents_by_tenant(
    client: TestClient, world: World
) -> None:
    client.get("/v1/documents/returns", headers=world.headers("acme"))
    text = client.get("/metrics").text
    assert re.search(
        r'casebook_requests_total\{method="GET",route="/v1/documents/\{doc_id:path\}",'
        r'status="200"\} [1-9]',
        text,
    )
    assert re.search(r'casebook_documents\{kind="interaction",tenant="globex"\} 3', text)
    assert "casebook_answers_total" in text and "casebook_ingested_documents_total" in text


def test_responses_carry_a_request_id(client: TestClient, world: World) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz").headers["X-Request-ID"])


def test_openapi_documents_every_endpoint_with_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path in ("/healthz", "/readyz", "/metrics"):
                continue
            assert operation.get("description") or operation.get("summary"), (method, path)
            assert '"example' in json.dumps(operation) or _schema_has_example(operation, spec), (
                method,
                path,
            )


def _schema_has_example(operation: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Whether the operation's request or response schema carries examples."""
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(operation))
    schemas = spec["components"]["schemas"]
    return any("examples" in schemas.get(name, {}) for name in refs)
