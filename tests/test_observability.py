"""Request ids, Prometheus metrics and JSON logs on a tiny app."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.observability import (
    LOGGERS,
    JsonFormatter,
    JsonLogHandler,
    Metrics,
    configure_json_logging,
    install_observability,
    request_id,
)

ROWS = [
    {"tenant": "acme", "kind": "document", "documents": 3, "chunks": 12},
    {"tenant": "acme", "kind": "interaction", "documents": 5, "chunks": 9},
]
SECRET = "sk-live-0123456789abcdef"


@pytest.fixture(autouse=True)
def restore_loggers() -> Iterator[None]:
    """Undo configure_json_logging's process-wide changes after each test."""
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers)) for n in LOGGERS}
    yield
    for name, (level, handlers) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).handlers[:] = handlers


def make_app(stats: Any = lambda: ROWS) -> tuple[TestClient, Metrics]:
    """A small app with a templated route, a 404, a streaming route and a crashing route."""
    app = FastAPI()

    @app.get("/items/{item_id}")
    def get_item(item_id: str, request: Request) -> dict[str, str]:
        request.state.key_id = "key-123"
        logging.getLogger("casebook.test").info("fetching item %s", item_id)
        return {"id": item_id, "request_id": request_id()}

    @app.get("/missing")
    def missing() -> None:
        raise HTTPException(404, "nothing here")

    @app.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"a", b"b"]), media_type="text/plain")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    metrics = install_observability(app, stats=stats)
    configure_json_logging("INFO")  # what `casebook serve` does
    assert app.state.metrics is metrics
    return TestClient(app, raise_server_exceptions=False), metrics


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name` with exactly these labels in an exposition, or None."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return None


def scrape(client: TestClient) -> str:
    """GET /metrics as text."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.text


# --- request ids ---


def test_request_id_is_echoed() -> None:
    client, _ = make_app()
    response = client.get("/items/1", headers={"X-Request-ID": "abc-123.X_y"})
    assert response.headers["X-Request-ID"] == "abc-123.X_y"
    assert response.json()["request_id"] == "abc-123.X_y"  # visible to the endpoint


def test_request_id_is_generated_when_absent() -> None:
    client, _ = make_app()
    first = client.get("/items/1").headers["X-Request-ID"]
    second = client.get("/items/1").headers["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.parametrize("bad", ["a\nb", "a\r\nX-Evil: 1", "x" * 200, "has space", "", "a/b"])
def test_bad_request_id_is_replaced(bad: str) -> None:
    client, _ = make_app()
    rid = client.get("/items/1", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
    assert rid != bad and len(rid) == 32
    assert "X-Evil" not in client.get("/items/1", headers={"X-Request-ID": bad}).headers


def test_request_id_on_errors_and_streams() -> None:
    client, _ = make_app()
    for path in ("/missing", "/nope", "/stream"):
        response = client.get(path, headers={"X-Request-ID": "rid-1"})
        assert response.headers["X-Request-ID"] == "rid-1"
    assert client.get("/stream").text == "ab"


# --- metrics ---


def test_requests_counted_by_route_template() -> None:
    client, _ = make_app()
    client.get("/items/1")
    client.get("/items/2")
    client.get("/missing")
    client.get("/no/such/path")
    client.post("/items/1")
    client.get("/boom")
    text = scrape(client)
    total = "casebook_requests_total"
    route = "/items/{item_id}"
    assert sample(text, total, route=route, method="GET", status="200") == 2
    assert sample(text, total, route="/missing", method="GET", status="404") == 1
    assert sample(text, total, route="unmatched", method="GET", status="404") == 1
    assert sample(text, total, route=route, method="POST", status="405") == 1
    assert sample(text, total, route="/boom", method="GET", status="500") == 1
    assert "/items/1" not in text and "/no/such/path" not in text
    count = "casebook_request_duration_seconds_count"
    assert sample(text, count, route=route, method="GET") == 2
    bucket = "casebook_request_duration_seconds_bucket"
    assert sample(text, bucket, route=route, method="GET", le="+Inf") == 2


def test_metrics_content_type() -> None:
    client, _ = make_app()
    plain = client.get("/metrics")
    assert plain.headers["content-type"].startswith("text/plain; version=0.0.4")
    openmetrics = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.rstrip().endswith("# EOF")


def test_stats_gauges() -> None:
    client, _ = make_app()
    text = scrape(client)
    assert sample(text, "casebook_documents", tenant="acme", kind="document") == 3
    assert sample(text, "casebook_chunks", tenant="acme", kind="document") == 12
    assert sample(text, "casebook_documents", tenant="acme", kind="interaction") == 5
    assert sample(text, "casebook_chunks", tenant="acme", kind="interaction") == 9


def test_stats_read_at_scrape_time() -> None:
    rows: list[dict[str, Any]] = []
    client, _ = make_app(stats=lambda: rows)
    assert sample(scrape(client), "casebook_documents", tenant="t", kind="document") is None
    rows.append({"tenant": "t", "kind": "document", "documents": 1, "chunks": 4})
    assert sample(scrape(client), "casebook_documents", tenant="t", kind="document") == 1


def closed_index() -> list[dict[str, Any]]:
    """A stats() that fails."""
    raise RuntimeError("index closed")


def bad_rows() -> list[dict[str, Any]]:
    """A stats() returning a row that is not a number."""
    return [*ROWS, {"tenant": "acme", "kind": "document", "documents": None, "chunks": 1}]


@pytest.mark.parametrize("broken", [closed_index, bad_rows])
def test_failing_stats_do_not_break_metrics(caplog: pytest.LogCaptureFixture, broken: Any) -> None:
    client, _ = make_app(stats=broken)
    client.get("/items/1")
    with caplog.at_level(logging.ERROR, logger="casebook.metrics"):
        text = scrape(client)
    route = "/items/{item_id}"
    assert sample(text, "casebook_requests_total", route=route, method="GET", status="200") == 1
    assert "casebook_documents{" not in text and "casebook_chunks{" not in text
    errors = [r for r in caplog.records if r.name == "casebook.metrics"]
    assert len(errors) == 1 and errors[0].exc_info is not None


def test_record_ingest_and_answer() -> None:
    client, metrics = make_app()
    report = {"added": 1, "updated": 0, "unchanged": 2, "deleted": 0, "chunks": 7}
    metrics.record_ingest("acme", {**report, "failed": [{"path": "x.pdf", "error": "bad"}]})
    metrics.record_ingest("acme", {"added": 2, "chunks": 3, "failed": 1})
    metrics.record_answer(True)
    metrics.record_answer(True)
    metrics.record_answer(False)
    text = scrape(client)
    docs = "casebook_ingested_documents_total"
    assert sample(text, docs, tenant="acme", outcome="added") == 3
    assert sample(text, docs, tenant="acme", outcome="unchanged") == 2
    assert sample(text, docs, tenant="acme", outcome="deleted") == 0
    assert sample(text, docs, tenant="acme", outcome="failed") == 2
    assert sample(text, "casebook_ingested_chunks_total", tenant="acme") == 10
    assert sample(text, "casebook_answers_total", answerable="true") == 2
    assert sample(text, "casebook_answers_total", answerable="false") == 1


def test_apps_have_independent_registries() -> None:
    one, _ = make_app()
    two, _ = make_app()
    one.get("/items/1")
    one.get("/items/1")
    two.get("/items/1")
    labels = {"route": "/items/{item_id}", "method": "GET", "status": "200"}
    assert sample(scrape(one), "casebook_requests_total", **labels) == 2
    assert sample(scrape(two), "casebook_requests_total", **labels) == 1


# --- logs ---


def access_record(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    """The single access record captured."""
    records = [r for r in caplog.records if r.name == "casebook.access"]
    assert len(records) == 1
    return records[0]


def test_access_line_is_json_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    client, _ = make_app()
    headers = {"Authorization": f"Bearer {SECRET}", "X-Request-ID": "rid-42"}
    with caplog.at_level(logging.INFO, logger="casebook.access"):
        client.get(f"/items/7?api_key={SECRET}&email=jane@example.com", headers=headers)
    line = JsonFormatter().format(access_record(caplog))
    entry = json.loads(line)
    assert entry["request_id"] == "rid-42"
    assert entry["route"] == "/items/{item_id}" and entry["path"] == "/items/7"
    assert entry["status"] == 200 and entry["method"] == "GET"
    assert entry["key_id"] == "key-123" and entry["logger"] == "casebook.access"
    assert entry["level"] == "INFO" and entry["ts"].endswith("Z")
    assert isinstance(entry["duration_ms"], float)
    assert SECRET not in line and "Bearer" not in line and "example.com" not in line


def test_access_line_for_unmatched_and_no_key(caplog: pytest.LogCaptureFixture) -> None:
    client, _ = make_app()
    with caplog.at_level(logging.INFO, logger="casebook.access"):
        client.get("/nope")
    entry = json.loads(JsonFormatter().format(access_record(caplog)))
    assert entry["route"] == "unmatched" and entry["status"] == 404
    assert "key_id" not in entry and len(entry["request_id"]) == 32


def test_json_handler_writes_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    client, _ = make_app()
    capsys.readouterr()
    client.get("/items/9", headers={"X-Request-ID": "rid-9", "Authorization": SECRET})
    err = capsys.readouterr().err
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]
    by_logger = {e["logger"]: e for e in entries}
    assert by_logger["casebook.test"]["message"] == "fetching item 9"
    assert by_logger["casebook.test"]["request_id"] == "rid-9"  # from the contextvar
    assert by_logger["casebook.access"]["request_id"] == "rid-9"
    assert SECRET not in err


def test_configure_json_logging_is_idempotent(caplog: pytest.LogCaptureFixture) -> None:
    configure_json_logging("INFO")
    configure_json_logging("debug")
    for name in LOGGERS:
        logger = logging.getLogger(name)
        assert sum(isinstance(h, JsonLogHandler) for h in logger.handlers) == 1
        assert logger.level == logging.DEBUG and logger.propagate
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("ingest.pipeline").debug("still reaches caplog")
    assert [r.getMessage() for r in caplog.records] == ["still reaches caplog"]


def test_formatter_renders_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("service.test")
    with caplog.at_level(logging.ERROR, logger="service.test"):
        try:
            raise ValueError("bad value")
        except ValueError:
            logger.exception("failed %s", "once")
    entry = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert entry["message"] == "failed once" and entry["level"] == "ERROR"
    assert "ValueError: bad value" in entry["exc_info"]
    assert "request_id" not in entry  # outside a request
