"""The one error table: subclass-aware, the same for every front end."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from casebook.errors import (
    CasebookError,
    DocumentNotFound,
    LimitExceeded,
    NotFound,
    RateLimited,
)
from service.errors import install_error_handlers, kind_of


class ArchivedDocument(DocumentNotFound):
    """A subclass the table has no row for."""


class GoneThing(NotFound):
    """Another unmapped NotFound."""


class Unmapped(CasebookError):
    """A domain error with no row anywhere up its MRO but the base."""


def app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    return TestClient(app)


def test_a_subclass_of_a_mapped_error_gets_its_parents_status_and_type() -> None:
    assert kind_of(ArchivedDocument("d1")) == kind_of(DocumentNotFound("d1"))
    assert (kind_of(GoneThing("x")).status, kind_of(GoneThing("x")).type) == (404, "not_found")
    response = app_raising(ArchivedDocument("d1")).get("/boom")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "document not found: d1", "type": "document_not_found"},
    )


def test_an_unmapped_domain_error_is_a_400_bad_request() -> None:
    response = app_raising(Unmapped("no")).get("/boom")
    assert (response.status_code, response.json()["type"]) == (400, "bad_request")


def test_rows_carry_their_headers_and_limits_stay_422() -> None:
    limited = app_raising(RateLimited(7)).get("/boom")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    over = app_raising(LimitExceeded("too many")).get("/boom")
    assert (over.status_code, over.json()["type"]) == (422, "limit_exceeded")
