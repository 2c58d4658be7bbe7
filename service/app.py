"""The FastAPI app, built from settings by create_app; its lifespan opens the index once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from casebook import __version__
from casebook.feedback import AnswerLog, FeedbackStore
from casebook.index import Index
from casebook.llm import build_llm
from casebook.settings import Settings
from ingest.pii import Redactor
from service import mcp_server
from service.auth import RateLimiter
from service.errors import install_error_handlers
from service.ingestion import ingestor
from service.jobs import JobStore, Writer
from service.keys import KeyStore
from service.limits import BodySizeLimit
from service.observability import install_observability
from service.openapi import install_openapi_limits
from service.routes import documents, eval_mine, feedback, openai_compat, ops, search, summaries
from service.schemas import ErrorBody
from service.stats_cache import CachedStats

log = logging.getLogger(__name__)

DESCRIPTION = """Search documents and support history for customer-experience teams, answer with
citations, summarise interactions and topics.

Every endpoint but `/healthz`, `/readyz` and `/metrics` takes `Authorization: Bearer <key>`
(`casebook keys create`). Keys belong to one tenant and see only its data; agent and bot keys
read, admin keys also upload and delete. Errors are `{"detail", "type"}`."""


def create_app(
    settings: Settings, index: Index | None = None, keys: KeyStore | None = None
) -> FastAPI:
    """The app for these settings; it opens (and closes) its own index unless given one.

    API keys come from `keys` (default: the key file in the data directory); with no key ever
    created the API is open to tenant "default".
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = index is None
        if own:
            from casebook.wiring import open_index

            app.state.index = open_index(settings)
        else:
            app.state.index = index
        app.state.ingestor = ingestor(app.state.index, settings)
        from answers.reranker import packaged_reranker

        app.state.reranker = packaged_reranker()  # loaded before the first answer, not during it
        if settings.handoff:
            from answers.handoff import HandoffDetector, load_rules

            rules = load_rules(settings.handoff_rules)
            app.state.handoff = HandoffDetector(rules, app.state.index.embedder.embed)
        app.state.writer = Writer(JobStore(settings.data_dir / "jobs"))
        try:
            async with mcp_server.serve_http(app):  # /mcp's session manager lives in the lifespan
                yield
        finally:
            app.state.writer.close()
            if own:
                app.state.index.close()

    app = FastAPI(
        title="Casebook",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={
            400: {"model": ErrorBody, "description": "The body could not be parsed."},
            401: {"model": ErrorBody, "description": "No valid API key."},
            403: {"model": ErrorBody, "description": "The key's role may not do this."},
            413: {"model": ErrorBody, "description": "The request body is too large."},
            422: {"model": ErrorBody, "description": "The request is invalid."},
            429: {"model": ErrorBody, "description": "Rate limit exceeded; see Retry-After."},
        },
    )
    app.state.settings = settings
    app.state.llm = build_llm(settings)  # None: answers stay extractive
    app.state.keys = keys or KeyStore.for_settings(settings)
    app.state.answer_log = AnswerLog(settings.data_dir)
    app.state.feedback = FeedbackStore(settings.data_dir)
    app.state.redactor = Redactor(
        extra_patterns=settings.pii_patterns, pseudonymize=settings.pii_pseudonyms
    )
    if settings.rate_limit_per_minute:
        app.state.rate_limiter = RateLimiter(
            settings.rate_limit_per_minute, settings.rate_limit_burst
        )
    install_error_handlers(app)
    stats = CachedStats(lambda: app.state.index, settings.metrics_stats_max_age_s)
    install_observability(app, stats=stats)

    def body_limit(method: str, path: str) -> int:
        upload = method == "POST" and path.rstrip("/") == "/v1/documents"
        return settings.max_upload_bytes if upload else settings.max_body_bytes

    app.add_middleware(BodySizeLimit, limit_for=body_limit)
    install_openapi_limits(app, settings)
    for router in (ops.router, search.router, summaries.router, feedback.router, eval_mine.router):
        app.include_router(router)
    app.include_router(documents.router)
    app.include_router(openai_compat.router)
    app.include_router(mcp_server.router)
    return app
