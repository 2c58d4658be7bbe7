"""The one table that maps domain errors to HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from casebook.errors import (
    CasebookError,
    DocumentNotFound,
    IndexLocked,
    InvalidFilter,
    LimitExceeded,
)

_STATUS: dict[type[CasebookError], tuple[int, str]] = {
    InvalidFilter: (422, "invalid_filter"),
    LimitExceeded: (422, "limit_exceeded"),
    DocumentNotFound: (404, "document_not_found"),
    IndexLocked: (503, "index_locked"),
}


def install_error_handlers(app: FastAPI) -> None:
    """Render domain and validation errors as {"detail", "type"}."""

    @app.exception_handler(CasebookError)
    def _domain(_: Request, exc: CasebookError) -> JSONResponse:
        status, kind = _STATUS.get(type(exc), (400, "bad_request"))
        return JSONResponse({"detail": str(exc), "type": kind}, status_code=status)

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": errors, "type": "validation_error"}, status_code=422)
