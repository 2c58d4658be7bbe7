"""The FastAPI app, built from settings by create_app; its lifespan opens the index once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from casebook import __version__
from casebook.errors import LimitExceeded
from casebook.index import Index
from casebook.keys import KeyStore
from casebook.settings import Settings
from service.auth import ReaderDep, install_auth_errors
from service.errors import install_error_handlers
from service.schemas import ErrorBody, Health, SearchHit, SearchRequest, SearchResponse


def get_index(request: Request) -> Index:
    return request.app.state.index  # type: ignore[no-any-return]


IndexDep = Annotated[Index, Depends(get_index)]


def create_app(
    settings: Settings, index: Index | None = None, keys: KeyStore | None = None
) -> FastAPI:
    """The app for these settings; it opens (and closes) its own index unless given one.

    API keys come from `keys` (default: the key file in the data directory); with no key ever
    created the API is open to tenant "default".
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if index is not None:
            app.state.index = index
            yield
            return
        from casebook.wiring import open_index

        app.state.index = open_index(settings)
        try:
            yield
        finally:
            app.state.index.close()

    app = FastAPI(
        title="Casebook",
        version=__version__,
        description="Search documents and support history for customer-experience teams.",
        lifespan=lifespan,
        responses={422: {"model": ErrorBody}},
    )
    app.state.keys = keys or KeyStore.for_settings(settings)
    install_error_handlers(app)
    install_auth_errors(app)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> Health:
        """The process is up."""
        return Health()

    @app.post("/v1/search", tags=["search"])
    def search(request: SearchRequest, index: IndexDep, caller: ReaderDep) -> SearchResponse:
        """Hybrid (dense + BM25) search of the caller's tenant, with the conversation as context."""
        if request.top_k > settings.max_top_k:
            raise LimitExceeded(f"top_k may be at most {settings.max_top_k}")
        hits = index.search(
            caller.tenant,
            request.query,
            history=[t.model_dump() for t in request.history],
            filters=request.filters,
            top_k=request.top_k,
            mode=request.mode,
        )
        return SearchResponse(results=[SearchHit(**h.to_json()) for h in hits])

    return app
