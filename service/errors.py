"""The one table that maps domain errors to HTTP status and `type`, for REST and MCP alike.

A row applies to its error and every subclass (the lookup walks the class's MRO), so a new
`NotFound` is a 404 without a row of its own. REST bodies are {"detail", "type"} everywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from casebook.errors import (
    AnswerNotFound,
    BadUpload,
    CasebookError,
    DocumentNotFound,
    Forbidden,
    IndexLocked,
    InvalidFilter,
    JobNotFound,
    KeyFileError,
    LimitExceeded,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorKind:
    """How one error is shown: HTTP status, `type`, and a fixed detail where the message is
    for the operator only."""

    status: int
    type: str
    detail: str | None = None


ERRORS: dict[type[Exception], ErrorKind] = {
    CasebookError: ErrorKind(400, "bad_request"),
    InvalidFilter: ErrorKind(422, "invalid_filter"),
    LimitExceeded: ErrorKind(422, "limit_exceeded"),
    PayloadTooLarge: ErrorKind(413, "payload_too_large"),
    BadUpload: ErrorKind(400, "bad_upload"),
    UnsupportedMediaType: ErrorKind(415, "unsupported_media_type"),
    NotFound: ErrorKind(404, "not_found"),
    DocumentNotFound: ErrorKind(404, "document_not_found"),
    AnswerNotFound: ErrorKind(404, "answer_not_found"),
    JobNotFound: ErrorKind(404, "job_not_found"),
    Unauthorized: ErrorKind(401, "unauthorized"),
    Forbidden: ErrorKind(403, "forbidden"),
    RateLimited: ErrorKind(429, "rate_limited"),
    # The key file is damaged: refuse everyone (fail closed); tell the operator, not callers.
    KeyFileError: ErrorKind(503, "auth_unavailable", detail="authentication is unavailable"),
    IndexLocked: ErrorKind(503, "index_locked"),
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


def kind_of(error: CasebookError) -> ErrorKind:
    """The table's row for this error: its own, else its nearest mapped base class's."""
    for cls in type(error).__mro__:
        if cls in ERRORS:
            return ERRORS[cls]
    return ERRORS[CasebookError]


def detail_of(error: CasebookError) -> str:
    """The message callers see (operator-only messages are logged instead)."""
    kind = kind_of(error)
    if kind.detail is None:
        return str(error)
    log.error("%s", error)  # e.g. names the key file and the error type, never its contents
    return kind.detail


def _headers(error: CasebookError) -> dict[str, str] | None:
    if isinstance(error, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    return None


def error_response(error: CasebookError) -> JSONResponse:
    """The REST response for a domain error: {"detail", "type"} with the table's status."""
    kind = kind_of(error)
    body = {"detail": detail_of(error), "type": kind.type}
    return JSONResponse(body, status_code=kind.status, headers=_headers(error))


class CarriedError(HTTPException):
    """A domain error raised where FastAPI lets only HTTPException through (reading a body)."""

    def __init__(self, error: CasebookError) -> None:
        super().__init__(kind_of(error).status, str(error))
        self.error = error


def install_error_handlers(app: FastAPI) -> None:
    """Render domain, framework and validation errors as {"detail", "type"}."""

    @app.exception_handler(CasebookError)
    def _domain(_: Request, exc: CasebookError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(CarriedError)
    def _carried(_: Request, exc: CarriedError) -> JSONResponse:
        return error_response(exc.error)

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
