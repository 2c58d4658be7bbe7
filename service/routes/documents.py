"""Documents: list, fetch, delete, and upload (files or JSON records) with jobs for large ones."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import StringConstraints, ValidationError
from starlette.datastructures import UploadFile

from casebook.documents import count_chunks, get_document, list_documents, page
from casebook.errors import BadUpload, DocumentNotFound, UnsupportedMediaType
from casebook.filters import parse_cli_filters
from service.auth import ReaderDep, WriterDep
from service.deps import IndexDep, SettingsDep, WriterQueueDep
from service.document_schemas import Deleted, Document, DocumentList, Job, RecordUpload
from service.jobs import Job as JobState
from service.schemas import ErrorBody

router = APIRouter(tags=["documents"])
MAX_FILES = 1000
MAPPINGS = ("zendesk", "intercom")  # built-in only: a path would read the server's files


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "format": "binary"},
                    },
                    "kind": {"type": "string", "enum": ["auto", "documents", "interactions"]},
                    "mapping": {"type": "string", "enum": list(MAPPINGS)},
                },
            }
        },
        "application/json": {
            "schema": {"$ref": "#/components/schemas/RecordUpload"},
            "example": {
                "records": [
                    {"doc_id": "kb-12", "title": "Refunds", "text": "Refunds take five days."}
                ]
            },
        },
    },
}


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
    return DocumentList(documents=[d.to_json() for d in chosen], next_cursor=next_cursor)


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
    return Job(**writer.get(caller.tenant, job_id).to_json())


async def upload(
    request: Request, settings: SettingsDep, writer: WriterQueueDep, caller: WriterDep
) -> JSONResponse:
    """Upload files (multipart `files`) or JSON records to ingest (admin keys).

    Uploads up to CASEBOOK_SYNC_UPLOAD_BYTES are ingested before the response (200, the
    finished job with its report); larger ones return 202 with a job to poll at
    `GET /v1/jobs/{job_id}`. A file that cannot be read is named in the report's `failed`
    and the rest is ingested. Bodies over CASEBOOK_MAX_UPLOAD_BYTES get 413.
    """
    staging = settings.data_dir / "uploads" / uuid.uuid4().hex
    try:
        size, options = await _stage(request, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    ingestor = request.app.state.ingestor
    metrics = getattr(request.app.state, "metrics", None)
    prefix = f"{staging}/"

    def source_name(path: str) -> str:
        """upload:NAME for a staged file (staging/NNNNN/NAME), any suffix kept."""
        if not path.startswith(prefix):
            return path
        return "upload:" + path.removeprefix(prefix).partition("/")[2]

    def work(job: JobState) -> dict[str, Any]:
        def set_total(n: int) -> None:
            job.total = n

        def advance(n: int) -> None:
            job.done += n

        report = ingestor.run(
            sorted(p for folder in staging.iterdir() for p in folder.iterdir()),
            tenant=caller.tenant,
            total=set_total,
            progress=advance,
            source_name=source_name,
            **options,
        ).to_json()
        if metrics is not None:
            metrics.record_ingest(caller.tenant, report)
        return report  # type: ignore[no-any-return]

    job, future = writer.submit(caller.tenant, "upload", work, cleanup=staging)
    if size > settings.sync_upload_bytes:
        return JSONResponse(Job(**job.to_json()).model_dump(), status_code=202)
    await run_in_threadpool(future.result)
    return JSONResponse(Job(**job.to_json()).model_dump(), status_code=200)


async def _stage(request: Request, staging: Path) -> tuple[int, dict[str, Any]]:
    """Write the upload's files into the staging folder: (bytes, ingest options)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    staging.mkdir(parents=True)
    if content_type == "application/json":
        body = await request.body()
        try:
            upload = RecordUpload.model_validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from exc
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in upload.records)
        (staging / "00000").mkdir()
        (staging / "00000" / "records.jsonl").write_text(lines, encoding="utf-8")
        return len(body), {}
    if content_type != "multipart/form-data":
        raise UnsupportedMediaType(
            f"unsupported content type {content_type or '(none)'!r}: send multipart/form-data "
            "files or application/json records"
        )
    form = await request.form(max_files=MAX_FILES)
    options = _options(form.get("kind"), form.get("mapping"))
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files:
        raise BadUpload("no files: send them as multipart form field 'files'")
    size = 0
    # One folder per file: two files of one name are both read, and the second is reported
    # as a duplicate document id, like any other per-item failure.
    for number, upload_file in enumerate(files):
        folder = staging / f"{number:05d}"
        folder.mkdir()
        target = folder / _safe_name(upload_file.filename)
        with target.open("wb") as handle:
            while chunk := await upload_file.read(1 << 20):
                size += len(chunk)
                handle.write(chunk)
    return size, options


def _options(kind: Any, mapping: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if kind is not None:
        if kind not in ("auto", "documents", "interactions"):
            raise BadUpload(f"kind must be auto, documents or interactions, not {kind!r}")
        options["kind"] = kind
    if mapping is not None:
        if mapping not in MAPPINGS:
            raise BadUpload(f"mapping must be one of {', '.join(MAPPINGS)}, not {mapping!r}")
        options["mapping"] = mapping
    return options


def _safe_name(filename: str | None) -> str:
    """The file's base name, or BadUpload for names that are empty, hidden or not plain."""
    name = Path((filename or "").replace("\\", "/")).name
    if not name or name.startswith(".") or len(name) > 255 or "\x00" in name:
        raise BadUpload(f"invalid file name {filename!r}")
    return name
