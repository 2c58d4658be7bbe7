"""Operations plumbing: request ids, Prometheus metrics and JSON logs, installed on an app.

Nothing here logs headers, query strings or bodies: they may carry API keys or personal data.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Stats = Callable[[], list[dict[str, Any]]]

REQUEST_ID_HEADER = "X-Request-ID"
LOGGERS = ("casebook", "service", "ingest")
ACCESS_FIELDS = ("method", "route", "path", "status", "duration_ms", "key_id")
INGEST_OUTCOMES = ("added", "updated", "unchanged", "deleted")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str] = ContextVar("casebook_request_id", default="")
access_log = logging.getLogger("casebook.access")
log = logging.getLogger("casebook.metrics")


def request_id() -> str:
    """The id of the request being handled, or "" outside one."""
    return _request_id.get()


class StatsCollector:
    """Index-size gauges, read from `stats()` at scrape time."""

    def __init__(self, stats: Stats) -> None:
        self._stats = stats

    def describe(self) -> Iterable[Metric]:
        """The families this collector yields (without calling stats)."""
        return self._families()

    def collect(self) -> Iterable[Metric]:
        """One sample per tenant and kind; nothing (and one logged error) if stats() fails."""
        try:
            return self._families(self._stats())
        except Exception:
            log.exception("stats() failed; index-size gauges left out of this scrape")
            return []

    @staticmethod
    def _families(rows: Iterable[dict[str, Any]] = ()) -> list[Metric]:
        """The two gauge families filled from `rows`."""
        docs = GaugeMetricFamily(
            "casebook_documents", "Indexed documents", labels=["tenant", "kind"]
        )
        chunks = GaugeMetricFamily("casebook_chunks", "Indexed chunks", labels=["tenant", "kind"])
        for row in rows:
            labels = [str(row.get("tenant", "")), str(row.get("kind", ""))]
            docs.add_metric(labels, float(row.get("documents", 0)))
            chunks.add_metric(labels, float(row.get("chunks", 0)))
        return [docs, chunks]


class Metrics:
    """The app's own registry and metric objects (never the process-global registry)."""

    def __init__(self, stats: Stats) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "casebook_requests", "HTTP requests", ["route", "method", "status"], registry=r
        )
        self.duration = Histogram(
            "casebook_request_duration_seconds",
            "HTTP request duration",
            ["route", "method"],
            buckets=BUCKETS,
            registry=r,
        )
        self.ingested_documents = Counter(
            "casebook_ingested_documents",
            "Ingested documents by outcome",
            ["tenant", "outcome"],
            registry=r,
        )
        self.ingested_chunks = Counter(
            "casebook_ingested_chunks", "Chunks written by ingestion", ["tenant"], registry=r
        )
        self.answers = Counter("casebook_answers", "Answers given", ["answerable"], registry=r)
        r.register(StatsCollector(stats))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request and its duration."""
        self.requests.labels(route, method, str(status)).inc()
        self.duration.labels(route, method).observe(seconds)

    def record_ingest(self, tenant: str, report: dict[str, Any]) -> None:
        """Count an ingestion report's outcomes (failed: a list of failures or a count)."""
        for outcome in INGEST_OUTCOMES:
            self.ingested_documents.labels(tenant, outcome).inc(int(report.get(outcome, 0)))
        failed = report.get("failed", 0)
        count = failed if isinstance(failed, int) else len(failed)
        self.ingested_documents.labels(tenant, "failed").inc(count)
        self.ingested_chunks.labels(tenant).inc(int(report.get("chunks", 0)))

    def record_answer(self, answerable: bool) -> None:
        """Count one answer, by whether the sources could answer it."""
        self.answers.labels("true" if answerable else "false").inc()

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition (negotiated from an Accept header) and its content type."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, request_id and access fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single JSON line."""
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry: dict[str, Any] = {
            "ts": ts.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id()
        if rid:
            entry["request_id"] = rid
        entry.update({k: getattr(record, k) for k in ACCESS_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class JsonLogHandler(logging.Handler):
    """Writes JSON lines to the current sys.stderr (looked up per record, as pytest swaps it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        """Write one line."""
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def configure_json_logging(level: str = "INFO") -> None:
    """Give the app's loggers one JSON handler each (idempotent); records still propagate."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        if not any(isinstance(h, JsonLogHandler) for h in logger.handlers):
            logger.addHandler(JsonLogHandler())


def _incoming_id(scope: Scope) -> str | None:
    """The client's X-Request-ID if it is a sane token, else None."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-request-id":
            token = value.decode("latin-1")
            return token if _SANE_ID.fullmatch(token) else None
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's path template, or "unmatched" (keeps label cardinality bounded)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class ObservabilityMiddleware:
    """Pure ASGI: request id in and out, metrics and one access log line per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid4().hex
        token = _request_id.set(rid)
        status = 500  # what the client gets if the app raises before responding
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._finish(scope, rid, status, time.perf_counter() - started)
            _request_id.reset(token)

    def _finish(self, scope: Scope, rid: str, status: int, seconds: float) -> None:
        """Record the request's metrics and its access log line."""
        route = _route_template(scope)
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        self.metrics.observe_request(route, method, status, seconds)
        fields = {
            "request_id": rid,
            "method": method,
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        }
        key_id = (scope.get("state") or {}).get("key_id")
        if key_id is not None:
            fields["key_id"] = str(key_id)
        access_log.info("%s %s %s", method, route, status, extra=fields)


def install_observability(app: FastAPI, *, stats: Stats) -> Metrics:
    """Add request ids, metrics (GET /metrics) and access log lines to `app` (app.state.metrics).

    Where log lines go is the process's choice: `casebook serve` calls configure_json_logging.
    """
    metrics = Metrics(stats)
    app.state.metrics = metrics
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def prometheus_metrics(request: Request) -> Response:
        """Prometheus metrics for this process."""
        body, content_type = metrics.render(request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    return metrics
