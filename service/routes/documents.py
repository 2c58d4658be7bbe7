"""Documents: list, fetch, delete, and upload (files or JSON records) with jobs for large ones."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from casebook.documents import count_chunks, get_document, list_documents, page
from casebook.errors import DocumentNotFound
from casebook.filters import parse_cli_filters
from casebook.shapes import to_json
from service.auth import ReaderDep, WriterDep
from service.deps import IndexDep, IngestorDep, MetricsDep, SettingsDep, WriterQueueDep
from service.document_schemas import Deleted, Document, DocumentList, Job
from service.jobs import Job as JobState
from service.schemas import ErrorBody
from service.uploads import UPLOAD_BODY, ingest_staged, stage

router = APIRouter(tags=["documents"])
@router.get("/v1/documents")
def documents(
    index: IndexDep,
    caller: ReaderDep,
    kind: Annotated[Literal["document", "interaction"] | None, Query()] = None,
    source: Annotated[str | None, Query(max_length=4000)] = None,
    filter: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[\w-]+(\.[\w-]+)*=.*$")]],
        Query(description="Metadata filters KEY=VALUE (repeat a key for any of its values)."),
    ] = [],  # noqa: B006 - FastAPI copies query defaults
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=4000, description="next_cursor")] = None,
) -> DocumentList:
    """The caller's documents and interactions, sorted by doc_id, a page at a time."""
    filters: dict[str, Any] = {
        key if key.startswith("metadata.") else f"metadata.{key}": value
        for key, value in parse_cli_filters(filter).items()
    }
    if kind is not None:
        filters["kind"] = kind
    if source is not None:
        filters["source"] = source
    found = list_documents(index, caller.tenant, filters, caller.audience)
    chosen, next_cursor = page(found, limit, cursor)
    return DocumentList(documents=[to_json(d) for d in chosen], next_cursor=next_cursor)


@router.get(
    "/v1/documents/{doc_id:path}",
    responses={404: {"model": ErrorBody, "description": "Not found in the caller's tenant."}},
)
def document(doc_id: str, index: IndexDep, caller: ReaderDep) -> Document:
    """One document with its chunks in order (an interaction also with its turns)."""
    return Document(**get_document(index, caller.tenant, doc_id, caller.audience))


@router.delete(
    "/v1/documents/{doc_id:path}",
    responses={404: {"model": ErrorBody, "description": "Not found in the caller's tenant."}},
)
def delete(doc_id: str, index: IndexDep, writer: WriterQueueDep, caller: WriterDep) -> Deleted:
    """Remove a document and all its chunks (admin keys)."""

    def work(job: JobState) -> dict[str, Any]:
        chunks = count_chunks(index, caller.tenant, doc_id)
        if chunks:
            index.delete_document(caller.tenant, doc_id)
        return {"deleted_chunks": chunks}

    _, future = writer.submit(caller.tenant, "delete", work)
    deleted = future.result()["deleted_chunks"]
    if not deleted:
        raise DocumentNotFound(doc_id)
    return Deleted(doc_id=doc_id, deleted_chunks=deleted)


@router.get(
    "/v1/jobs/{job_id}",
    tags=["documents"],
    responses={404: {"model": ErrorBody, "description": "Not found in the caller's tenant."}},
)
def job(job_id: str, writer: WriterQueueDep, caller: ReaderDep) -> Job:
    """An upload job's status and progress; its ingest report once it has finished."""
    return Job(**to_json(writer.get(caller.tenant, job_id)))


@router.post(
    "/v1/documents",
    openapi_extra={"requestBody": UPLOAD_BODY},
    response_model=Job,
    responses={
        202: {"model": Job, "description": "Accepted: a job ingests the upload."},
        415: {"model": ErrorBody, "description": "Neither multipart nor JSON."},
    },
)
async def upload(
    request: Request,
    settings: SettingsDep,
    writer: WriterQueueDep,
    ingestor: IngestorDep,
    metrics: MetricsDep,
    caller: WriterDep,
) -> JSONResponse:
    """Upload files (multipart `files`) or JSON records to ingest (admin keys).

    Uploads up to CASEBOOK_SYNC_UPLOAD_BYTES are ingested before the response (200, the
    finished job with its report); larger ones return 202 with a job to poll at
    `GET /v1/jobs/{job_id}`. A file that cannot be read is named in the report's `failed`
    and the rest is ingested. Bodies over CASEBOOK_MAX_UPLOAD_BYTES get 413.
    """
    staging, size, options = await stage(request, settings.data_dir / "uploads")
    work = ingest_staged(ingestor, metrics, staging, caller.tenant, options)
    job, future = writer.submit(caller.tenant, "upload", work, cleanup=staging)
    if size > settings.sync_upload_bytes:
        return JSONResponse(Job(**to_json(job)).model_dump(), status_code=202)
    await run_in_threadpool(future.result)
    return JSONResponse(Job(**to_json(job)).model_dump(), status_code=200)
