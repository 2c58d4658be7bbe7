"""Uploads: the request's files or records staged on disk, then ingested by a writer job."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from casebook.errors import BadUpload, UnsupportedMediaType
from casebook.shapes import to_json
from ingest.runner import Ingestor
from service.document_schemas import RecordUpload
from service.jobs import Job as JobState

if TYPE_CHECKING:
    from service.observability import Metrics

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


async def stage(request: Request, uploads: Path) -> tuple[Path, int, dict[str, Any]]:
    """The upload written into a new folder under `uploads`: (folder, bytes, ingest options)."""
    staging = uploads / uuid.uuid4().hex
    try:
        size, options = await _stage(request, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, size, options


def ingest_staged(
    ingestor: Ingestor,
    metrics: Metrics | None,
    staging: Path,
    tenant: str,
    options: dict[str, Any],
) -> Callable[[JobState], dict[str, Any]]:
    """The job's work: ingest the staged files into the tenant, counted in the metrics."""
    prefix = f"{staging}/"

    def source_name(path: str) -> str:
        """upload:NAME for a staged file (staging/NNNNN/NAME), any suffix kept."""
        if not path.startswith(prefix):
            return path
        return "upload:" + path.removeprefix(prefix).partition("/")[2]

    def work(job: JobState) -> dict[str, Any]:
        def set_total(n: int) -> None:
            job.progress.total = n

        def advance(n: int) -> None:
            job.progress.done += n

        report = to_json(
            ingestor.run(
                sorted(p for folder in staging.iterdir() for p in folder.iterdir()),
                tenant=tenant,
                total=set_total,
                progress=advance,
                source_name=source_name,
                **options,
            )
        )
        if metrics is not None:
            metrics.record_ingest(tenant, report)
        return report

    return work


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
