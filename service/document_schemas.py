"""Documents, uploads and jobs in the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)


class DocumentInfo(BaseModel):
    """One document or interaction in the index."""

    doc_id: str
    title: str
    kind: str
    source: str
    metadata: dict[str, Any]
    chunks: int
    doc_hash: str


class DocumentList(BaseModel):
    """A page of documents; pass next_cursor as `cursor` for the next page (null: last page)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "documents": [
                        {
                            "doc_id": "guides/thermostat.md",
                            "title": "Lumen T2 thermostat",
                            "kind": "document",
                            "source": "upload:thermostat.md",
                            "metadata": {"product": "thermostat"},
                            "chunks": 4,
                            "doc_hash": "5059b219...",
                        }
                    ],
                    "next_cursor": "guides/thermostat.md",
                }
            ]
        }
    )

    documents: list[DocumentInfo]
    next_cursor: str | None = None


class DocumentChunk(BaseModel):
    """One stored chunk of a document."""

    chunk_id: str
    position: int
    kind: str
    section: list[str]
    text: str


class Document(BaseModel):
    """A document with its chunks in order; interactions also carry their turns."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "ticket-1042",
                    "title": "Charged twice",
                    "kind": "interaction",
                    "source": "upload:tickets.jsonl",
                    "metadata": {"channel": "chat", "status": "resolved"},
                    "doc_hash": "bc82cc1e...",
                    "chunks": [
                        {
                            "chunk_id": "adcf0328-9cb0-5a0d-aa7f-31c3a59c83e7",
                            "position": 0,
                            "kind": "interaction",
                            "section": [],
                            "text": "Customer: I was charged twice.",
                        }
                    ],
                    "turns": [{"role": "customer", "text": "I was charged twice."}],
                }
            ]
        }
    )

    doc_id: str
    title: str
    kind: str
    source: str
    metadata: dict[str, Any]
    doc_hash: str
    chunks: list[DocumentChunk]
    turns: list[dict[str, Any]] | None = None


class Deleted(BaseModel):
    """What a delete removed."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"doc_id": "guides/thermostat.md", "deleted_chunks": 4}]}
    )

    doc_id: str
    deleted_chunks: int


class RecordUpload(BaseModel):
    """JSON records to ingest: documents ({doc_id, title, text, metadata}) or interactions
    ({interaction_id, turns: [{role, text}], ...}), in the layout of JSONL ingestion."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "records": [
                        {
                            "doc_id": "kb-12",
                            "title": "Refunds",
                            "text": "Refunds reach your card within five working days.",
                            "metadata": {"product": "billing"},
                        }
                    ]
                }
            ]
        },
    )

    records: list[dict[str, Any]] = Field(..., min_length=1, max_length=10_000)


class IngestFailure(BaseModel):
    """One item that could not be ingested, and why."""

    path: str
    error: str


class IngestReport(BaseModel):
    """What an ingest did, in documents (chunks: chunks written)."""

    added: int
    updated: int
    unchanged: int
    deleted: int
    chunks: int
    failed: list[IngestFailure]
    interactions: int
    redactions: dict[str, int]


class JobProgress(BaseModel):
    done: int
    total: int


class Job(BaseModel):
    """An upload being ingested; report is set once it succeeded."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_id": "fe7d080ea4b7466e82a527dcdfd1d55e",
                    "kind": "upload",
                    "status": "running",
                    "progress": {"done": 12, "total": 40},
                    "created_at": "2026-11-27T13:42:59+00:00",
                    "finished_at": None,
                    "report": None,
                    "error": None,
                }
            ]
        }
    )

    job_id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: JobProgress
    created_at: str
    finished_at: str | None = None
    report: IngestReport | None = None
    error: str | None = None
