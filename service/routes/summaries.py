"""Summaries of one interaction, one document, or a topic across interactions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from casebook.errors import DocumentNotFound
from service.answering import sse
from service.auth import ReaderDep
from service.deps import IndexDep, LLMDep, SettingsDep, check_limits
from service.filter_schemas import filters_json
from service.schemas import SSE_EVENT_SCHEMA, ErrorBody
from service.summary_schemas import (
    DocumentSummaryRequest,
    InteractionSummaryRequest,
    SummarizeRequest,
    TopicSummaryRequest,
)
from summaries.generate import (
    SummaryJob,
    interaction_job,
    stream_summary,
    summarize_with,
    topic_job,
)
from summaries.interaction import summarize as summarize_interaction

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
    body: SummarizeRequest,
    llm: LLMDep,
    index: IndexDep,
    settings: SettingsDep,
    caller: ReaderDep,
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
    canaries = settings.llm_canaries
    job: SummaryJob | None = None
    if isinstance(body, TopicSummaryRequest):
        from summaries.topics import summarize_topic

        check_limits(settings, text=body.query)
        topic = summarize_topic(
            index, caller.tenant, body.query, filters_json(body.filters), audience=caller.audience
        )
        extractive = topic.to_json()
        job = topic_job(topic, canaries) if llm else None
    else:
        by_interaction = isinstance(body, InteractionSummaryRequest)
        item_id = body.doc_id if isinstance(body, DocumentSummaryRequest) else body.interaction_id
        try:
            interaction = index.get_interaction(caller.tenant, item_id, caller.audience)
        except DocumentNotFound:
            if by_interaction:
                raise
            from summaries.document import summarize_document

            extractive = summarize_document(
                index, caller.tenant, item_id, caller.audience
            ).to_json()
        else:
            summary = summarize_interaction(interaction)
            extractive = summary.to_json()
            job = interaction_job(interaction, summary, canaries) if llm else None
    if body.stream:
        return sse(stream_summary(llm, job, extractive))
    return summarize_with(llm, job, extractive)
