"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictStr,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

# ISO 8601 text; casebook.filters checks that it parses, as for any other caller.
DateBound = Annotated[StrictStr, Field(json_schema_extra={"format": "date-time"})]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected an integer")
    return value


# Integers JSON carries exactly (Qdrant stores 64 bits); 5.0 is an integer in JSON Schema.
Int64 = Annotated[int, Field(ge=-(2**53), le=2**53), BeforeValidator(_not_bool)]


class _Range(BaseModel):
    """Bounds are optional but never null."""

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(v is None for v in data.values()):
            raise ValueError("range bounds may be omitted but not null")
        return data


class NumberRange(_Range):
    """Numbers between bounds; give at least one of gte, lte, gt, lt."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    gte: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None
    lte: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None
    gt: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None
    lt: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None


class DateRange(_Range):
    """Dates between bounds (ISO 8601); give at least one of gte, lte, gt, lt."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    gte: DateBound | SkipJsonSchema[None] = None
    lte: DateBound | SkipJsonSchema[None] = None
    gt: DateBound | SkipJsonSchema[None] = None
    lt: DateBound | SkipJsonSchema[None] = None


FilterValue = (
    StrictStr
    | Int64
    | StrictBool
    | Annotated[list[StrictStr], Field(min_length=1)]
    | Annotated[list[Int64], Field(min_length=1)]
    | NumberRange
    | DateRange
)
# A payload field: kind, doc_id, source, title, section, or a metadata key (dots for nesting).
FilterKey = Annotated[str, Field(pattern=r"^(?!tenant$)[\w-]+(\.[\w-]+)*$", max_length=128)]
Filters = dict[FilterKey, FilterValue]
# Pydantic writes key patterns as patternProperties; this makes every other key invalid too.
FILTERS_SCHEMA: dict[str, Any] = {"additionalProperties": False}


def filters_json(filters: Filters) -> dict[str, Any]:
    """Filters as plain JSON values (ranges without their unset bounds, dates as ISO text)."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if isinstance(value, BaseModel):
            out[key] = value.model_dump(mode="json", exclude_none=True)
        else:
            out[key] = value
    return out


class Turn(BaseModel):
    """One earlier turn of the conversation."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(..., max_length=32, examples=["user"])
    text: str = Field(
        ...,
        max_length=100_000,
        examples=["My card was charged twice."],
        description="At most CASEBOOK_MAX_TURN_CHARS (8000) characters.",
    )


class SearchRequest(BaseModel):
    """A search over the caller's knowledge."""

    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",  # the filter key pattern looks ahead
        json_schema_extra={
            "examples": [
                {
                    "query": "how do I reset the thermostat?",
                    "top_k": 5,
                    "filters": {"kind": "document"},
                    "history": [{"role": "user", "text": "My Lumen T2 shows error E42"}],
                }
            ]
        },
    )

    query: str = Field(
        ...,
        min_length=1,
        max_length=100_000,
        description="At most CASEBOOK_MAX_QUERY_CHARS (2000) characters.",
    )
    top_k: int = Field(
        10, ge=1, le=1000, description="How many chunks; at most CASEBOOK_MAX_TOP_K (100)."
    )
    filters: Filters = Field(
        default_factory=dict,
        json_schema_extra=FILTERS_SCHEMA,
        description='Payload filters: {"field": value | [any of] | {"gte": .., "lte": ..}}; '
        "fields other than kind, doc_id, source, title and section are metadata fields.",
    )
    history: list[Turn] = Field(
        default_factory=list,
        max_length=1000,
        description="Earlier turns, oldest first; at most CASEBOOK_MAX_HISTORY_TURNS (50).",
    )
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"


class SearchHit(BaseModel):
    """One chunk that matched."""

    doc_id: str
    chunk_id: str
    score: float
    title: str
    text: str
    kind: str
    metadata: dict[str, Any]
    section: list[str] = []
    source: str = ""


class SearchResponse(BaseModel):
    """Search results, best first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "results": [
                        {
                            "doc_id": "guides/thermostat.md",
                            "chunk_id": "0b6f0b3a-6d1e-5b3c-9f55-3f0c2e8f1a11",
                            "score": 0.87,
                            "title": "Lumen T2 thermostat",
                            "text": "Hold the dial for ten seconds to reset the thermostat.",
                            "kind": "document",
                            "metadata": {"product": "thermostat"},
                            "section": ["Thermostat guide", "Resetting"],
                            "source": "upload:thermostat.md",
                        }
                    ]
                }
            ]
        }
    )

    results: list[SearchHit]


class Health(BaseModel):
    """Liveness."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = "ok"


class ErrorBody(BaseModel):
    """Every error response: FastAPI's detail plus a stable machine-readable type."""

    detail: Any
    type: str


FILTERS_DESCRIPTION = (
    'Payload filters: {"field": value | [any of] | {"gte": .., "lte": ..}}; fields other than '
    "kind, doc_id, source, title and section are metadata fields."
)
HISTORY_DESCRIPTION = "Earlier turns, oldest first; at most CASEBOOK_MAX_HISTORY_TURNS (50)."
STREAM_DESCRIPTION = (
    "Respond with Server-Sent Events (text/event-stream): `delta` events with the text, then "
    "`citations`, then `done` with the whole response; `reset` (only after an LLM failed "
    "mid-stream) means discard the text received so far."
)
# One Server-Sent Event of /v1/answer and /v1/summarize (OpenAPI 3.1: `schema` is each event).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["delta", "citations", "done", "reset"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": 'The event as JSON: {"event": "delta", "text"}, {"event": '
            '"citations", "citations"}, {"event": "done", "answer" | "summary"} or '
            '{"event": "reset"}.',
        },
    },
}


class AnswerRequest(BaseModel):
    """A question to answer from the caller's knowledge, with the conversation so far."""

    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",  # the filter key pattern looks ahead
        json_schema_extra={
            "examples": [
                {
                    "question": "How do I reset the thermostat?",
                    "history": [{"role": "user", "text": "My Lumen T2 shows error E42"}],
                    "filters": {"kind": "document"},
                    "top_k": 5,
                }
            ]
        },
    )

    question: str = Field(
        ...,
        min_length=1,
        max_length=100_000,
        description="At most CASEBOOK_MAX_QUERY_CHARS (2000) characters.",
    )
    history: list[Turn] = Field(
        default_factory=list, max_length=1000, description=HISTORY_DESCRIPTION
    )
    filters: Filters = Field(
        default_factory=dict, description=FILTERS_DESCRIPTION, json_schema_extra=FILTERS_SCHEMA
    )
    top_k: int = Field(5, ge=1, le=1000, description="Chunks the answer may quote from.")
    stream: StrictBool = Field(False, description=STREAM_DESCRIPTION)


class Citation(BaseModel):
    """A sentence quoted verbatim from a chunk; [n] in the answer points to citations[n-1]."""

    doc_id: str
    chunk_id: str
    title: str
    quote: str
    score: float


class AnswerResponse(BaseModel):
    """A cited answer (quoted, or generated by the configured LLM), or an abstention with its
    reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer_id": "9d1c0f0e6f0b4f7e9a51a3c2b7d4e8f1",
                    "answer": "Hold the dial for ten seconds to reset the thermostat. [1]",
                    "answerable": True,
                    "confidence": 0.91,
                    "reason": "",
                    "generator": "extractive",
                    "fallback_reason": None,
                    "citations": [
                        {
                            "doc_id": "thermostat.md",
                            "chunk_id": "0b6f0b3a-6d1e-5b3c-9f55-3f0c2e8f1a11",
                            "title": "Lumen T2 thermostat",
                            "quote": "Hold the dial for ten seconds to reset the thermostat.",
                            "score": 0.87,
                        }
                    ],
                }
            ]
        }
    )

    answer_id: str
    answer: str
    answerable: bool
    confidence: float = Field(..., ge=0.0, le=1.0)
    reason: str = Field(
        ...,
        description='"" when answered; no_evidence, low_confidence or not_in_sources (the LLM '
        "found no answer in the sources) when not.",
    )
    citations: list[Citation]
    generator: Literal["extractive", "llm"] = Field(
        "extractive", description="Who wrote the answer: quoted by Casebook, or the LLM."
    )
    fallback_reason: str | None = Field(
        None,
        description="Why an extractive answer stands in for the configured LLM's: timeout, "
        "llm_error, no_valid_citation, injection or no_evidence; null otherwise.",
    )


class InteractionSummaryRequest(BaseModel):
    """Summarise one interaction."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"interaction_id": "ticket-1042"}]}
    )

    interaction_id: str = Field(..., min_length=1, max_length=1000)
    stream: StrictBool = Field(False, description=STREAM_DESCRIPTION)


class DocumentSummaryRequest(BaseModel):
    """Summarise one document (or interaction) by its id."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"doc_id": "guides/thermostat.md"}]}
    )

    doc_id: str = Field(..., min_length=1, max_length=1000)
    stream: StrictBool = Field(False, description=STREAM_DESCRIPTION)


class TopicSummaryRequest(BaseModel):
    """Summarise what the interactions matching a query had in common."""

    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",  # the filter key pattern looks ahead
        json_schema_extra={
            "examples": [{"query": "charged twice", "filters": {"channel": "chat"}}]
        },
    )

    query: str = Field(
        ...,
        min_length=1,
        max_length=100_000,
        description="At most CASEBOOK_MAX_QUERY_CHARS (2000) characters.",
    )
    filters: Filters = Field(
        default_factory=dict, description=FILTERS_DESCRIPTION, json_schema_extra=FILTERS_SCHEMA
    )
    stream: StrictBool = Field(False, description=STREAM_DESCRIPTION)


SummarizeRequest = InteractionSummaryRequest | DocumentSummaryRequest | TopicSummaryRequest


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


class FeedbackRequest(BaseModel):
    """A rating of one answer, optionally with the documents that should have been found."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answer_id": "9d1c0f0e6f0b4f7e9a51a3c2b7d4e8f1",
                    "rating": "down",
                    "comment": "The answer is about the T1, not the T2.",
                    "expected_doc_ids": ["guides/t2-reset.md"],
                }
            ]
        },
    )

    answer_id: str = Field(..., min_length=1, max_length=64)
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=4000)
    expected_doc_ids: list[str] = Field(default_factory=list, max_length=50)


class FeedbackReceipt(BaseModel):
    """Feedback stored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "feedback_id": "7f7e788dbb3b40ebbb8d76c5cfa83ee4",
                    "answer_id": "9d1c0f0e6f0b4f7e9a51a3c2b7d4e8f1",
                }
            ]
        }
    )

    feedback_id: str
    answer_id: str


class Ready(BaseModel):
    """Readiness: the index is open and the embedding model loaded."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "ready", "checks": {"index": True, "model": True}}]
        }
    )

    status: Literal["ready", "not_ready"]
    checks: dict[str, bool]
