"""Summaries of one interaction, one document, or a topic across interactions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.answering import sse
from service.auth import ReaderDep
from service.deps import SettingsDep, SummarizerDep, check_limits
from service.filter_schemas import filters_json
from service.schemas import SSE_EVENT_SCHEMA, ErrorBody
from service.summary_schemas import DocumentSummaryRequest, SummarizeRequest, TopicSummaryRequest
from summaries import summarizer
from summaries.summarizer import Subject

router = APIRouter(tags=["summaries"])


SUMMARY_EXAMPLE = {
    "interaction_id": "ticket-1042",
    "summary": "Issue: Customer: I was charged twice for May. [t0]\n"
    "Resolution: Agent: I have refunded the second charge. [t3]\nStatus: resolved [t3]",
    "sections": {
        "issue": "Customer: I was charged twice for May. [t0]",
        "actions": "",
        "resolution": "Agent: I have refunded the second charge. [t3]",
        "status": "resolved",
    },
    "citations": [
        {"turn": 0, "role": "customer", "quote": "I was charged twice for May."},
        {"turn": 3, "role": "agent", "quote": "I have refunded the second charge."},
    ],
}


SUMMARY_EVENTS = (
    'event: delta\ndata: {"event": "delta", "text": "Issue: Customer: I was charged twice '
    'for May. [t0]"}\n\n'
    'event: citations\ndata: {"event": "citations", "citations": [...]}\n\n'
    'event: done\ndata: {"event": "done", "summary": {"interaction_id": "ticket-1042", ...}}\n\n'
)


@router.post(
    "/v1/summarize",
    responses={
        200: {
            "content": {
                "application/json": {"example": SUMMARY_EXAMPLE},
                "text/event-stream": {"schema": SSE_EVENT_SCHEMA, "example": SUMMARY_EVENTS},
            }
        },
        404: {"model": ErrorBody, "description": "No such interaction or document."},
    },
)
def summarize(
    body: SummarizeRequest, summarizing: SummarizerDep, settings: SettingsDep, caller: ReaderDep
) -> Any:
    """Summarise one interaction or document, or what a topic's interactions had in common.

    - `interaction_id`: issue, actions, resolution and status, each sentence citing its turn
      (the JSON of `casebook summarize --json`).
    - `doc_id`: an interaction as above, or a document's most central sentences, each citing
      its chunk.
    - `query` (+ `filters`): the recurring problems among matching interactions and how they
      were resolved, each point citing the interactions behind it.

    With an LLM configured (CASEBOOK_LLM_PROVIDER), interaction and topic summaries are written
    by the LLM from the same turns and problems, with the same markers, and carry `generator`
    and `fallback_reason` as answers do. `"stream": true` answers with Server-Sent Events
    (delta..., citations, then done with `{"summary": <the JSON>}`).
    """
    if isinstance(body, TopicSummaryRequest):
        check_limits(settings, text=body.query)
        subject = Subject(caller.tenant, query=body.query, filters=filters_json(body.filters),
                          audience=caller.audience)  # fmt: skip
    elif isinstance(body, DocumentSummaryRequest):
        subject = Subject(caller.tenant, doc_id=body.doc_id, audience=caller.audience)
    else:
        subject = Subject(caller.tenant, interaction_id=body.interaction_id,
                          audience=caller.audience)  # fmt: skip
    if body.stream:
        return sse(summarizer.stream(summarizing, subject))
    return summarizer.summarize(summarizing, subject)
