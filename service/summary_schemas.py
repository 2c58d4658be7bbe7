"""Request models of /v1/summarize: one interaction, one document, or a topic."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from service.filter_schemas import FILTERS_SCHEMA, Filters
from service.schemas import FILTERS_DESCRIPTION, STREAM_DESCRIPTION


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
