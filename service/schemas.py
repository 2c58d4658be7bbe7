"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
)

from service.filter_schemas import FILTERS_SCHEMA, Filters


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


class ChatTurn(Turn):
    """One earlier turn of a conversation to answer; a long one keeps its end."""

    text: str = Field(
        ...,
        max_length=16_000,
        examples=["My card was charged twice."],
        description="Its last CASEBOOK_MAX_TURN_CHARS (8000) characters are used.",
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
    'Payload filters: {"field": value | [any of] | {"gte": .., "lte": ..} | {"ne": value} | '
    '{"not": [values]}}; ne and not exclude. Fields other than kind, doc_id, source, title and '
    "section are metadata fields. A customer-audience key's reads are also narrowed to published "
    "documents, whatever the filters say."
)
HISTORY_DESCRIPTION = "Earlier turns, oldest first; at most CASEBOOK_MAX_HISTORY_TURNS (50)."
CHAT_HISTORY_DESCRIPTION = (
    "Earlier turns, oldest first. Long conversations are trimmed, not refused: the newest "
    "CASEBOOK_MAX_HISTORY_TURNS (50) are used, each keeping its last CASEBOOK_MAX_TURN_CHARS "
    "(8000) characters."
)
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
        description="The customer's or agent's message. A longer one keeps its last "
        "CASEBOOK_MAX_QUERY_CHARS (2000) characters, and one over CASEBOOK_QUESTION_FOCUS_CHARS "
        "(500) is answered from its last sentences, the rest serving as context.",
    )
    history: list[ChatTurn] = Field(
        default_factory=list, max_length=1000, description=CHAT_HISTORY_DESCRIPTION
    )
    filters: Filters = Field(
        default_factory=dict, description=FILTERS_DESCRIPTION, json_schema_extra=FILTERS_SCHEMA
    )
    top_k: int = Field(5, ge=1, le=1000, description="Chunks the answer may quote from.")
    stream: StrictBool = Field(False, description=STREAM_DESCRIPTION)


class Citation(BaseModel):
    """A unit quoted verbatim from a chunk; [n] in the answer points to citations[n-1]."""

    doc_id: str
    chunk_id: str
    title: str
    quote: str
    score: float
    kind: Literal["document", "interaction"] = Field(
        "document", description="interaction: a past case (only agent-audience keys see them)."
    )
    start: int | None = Field(
        None, description="Where the quote starts in the document's text (text[start:end])."
    )
    end: int | None = Field(None, description="Where the quote ends in the document's text.")


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


class Ready(BaseModel):
    """Readiness: the index is open and the embedding model loaded."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "ready", "checks": {"index": True, "model": True}}]
        }
    )

    status: Literal["ready", "not_ready"]
    checks: dict[str, bool]
