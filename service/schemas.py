"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Turn(BaseModel):
    """One earlier turn of the conversation."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(..., max_length=32, examples=["user"])
    text: str = Field(..., max_length=8000, examples=["My card was charged twice."])


class SearchRequest(BaseModel):
    """A search over the caller's knowledge."""

    model_config = ConfigDict(
        extra="forbid",
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

    query: str = Field(..., min_length=1, max_length=2000)
    top_k: int = Field(
        10, ge=1, le=1000, description="How many chunks; at most CASEBOOK_MAX_TOP_K (100)."
    )
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description='Payload filters: {"field": value | [any of] | {"gte": .., "lte": ..}}; '
        "fields other than kind, doc_id, source, title and section are metadata fields.",
    )
    history: list[Turn] = Field(default_factory=list, max_length=50)
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

    results: list[SearchHit]


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"] = "ok"


class ErrorBody(BaseModel):
    """Every error response: FastAPI's detail plus a stable machine-readable type."""

    detail: Any
    type: str
