"""The one table that maps domain errors to HTTP responses: {"detail", "type"} everywhere."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from casebook.errors import (
    CasebookError,
    DocumentNotFound,
    IndexLocked,
    InvalidFilter,
    LimitExceeded,
)
from casebook.feedback import AnswerNotFound
from service.jobs import JobNotFound
from service.routes.documents import BadUpload, UnsupportedMediaType

_STATUS: dict[type[CasebookError], tuple[int, str]] = {
    InvalidFilter: (422, "invalid_filter"),
    LimitExceeded: (422, "limit_exceeded"),
    BadUpload: (400, "bad_upload"),
    UnsupportedMediaType: (415, "unsupported_media_type"),
    DocumentNotFound: (404, "document_not_found"),
    AnswerNotFound: (404, "answer_not_found"),
    JobNotFound: (404, "job_not_found"),
    IndexLocked: (503, "index_locked"),
}
# Errors raised by the framework itself (unknown route, wrong method, body limits).
_HTTP_TYPES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    """Render domain, framework and validation errors as {"detail", "type"}."""

    @app.exception_handler(CasebookError)
    def _domain(_: Request, exc: CasebookError) -> JSONResponse:
        status, kind = _STATUS.get(type(exc), (400, "bad_request"))
        return JSONResponse({"detail": str(exc), "type": kind}, status_code=status)

    @app.exception_handler(HTTPException)
    def _http(_: Request, exc: HTTPException) -> JSONResponse:
        kind = _HTTP_TYPES.get(exc.status_code, "http_error")
        return JSONResponse(
            {"detail": exc.detail, "type": kind},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": errors, "type": "validation_error"}, status_code=422)
