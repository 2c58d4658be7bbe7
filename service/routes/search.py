"""Search and cited answers over the caller's tenant."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from answers.ask import Asked
from casebook.shapes import to_json
from service.answering import answer_question, sse, stream_answer
from service.auth import ReaderDep
from service.deps import AnsweringDep, IndexDep, SettingsDep, check_limits
from service.filter_schemas import filters_json
from service.schemas import (
    SSE_EVENT_SCHEMA,
    AnswerRequest,
    AnswerResponse,
    SearchHit,
    SearchRequest,
    SearchResponse,
)

router = APIRouter(tags=["search"])


@router.post("/v1/search")
def search(
    request: SearchRequest, index: IndexDep, settings: SettingsDep, caller: ReaderDep
) -> SearchResponse:
    """Hybrid (dense + BM25) search of the caller's tenant, with the conversation as context."""
    check_limits(settings, text=request.query, history=request.history, top_k=request.top_k)
    hits = index.search(
        caller.tenant,
        request.query,
        history=[t.model_dump() for t in request.history],
        filters=filters_json(request.filters),
        top_k=request.top_k,
        mode=request.mode,
        audience=caller.audience,
    )
    return SearchResponse(results=[SearchHit(**to_json(h)) for h in hits])


ANSWER_EVENTS = (
    'event: delta\ndata: {"event": "delta", "text": "Hold the dial for ten seconds "}\n\n'
    'event: delta\ndata: {"event": "delta", "text": "to reset the thermostat. [1]"}\n\n'
    'event: citations\ndata: {"event": "citations", "citations": [...]}\n\n'
    'event: done\ndata: {"event": "done", "answer": {"answer_id": "9d1c...", ...}}\n\n'
)
# The JSON body, or with "stream": true Server-Sent Events (one JSON object per data line).
EVENT_STREAM: dict[str, Any] = {"schema": SSE_EVENT_SCHEMA, "example": ANSWER_EVENTS}


@router.post(
    "/v1/answer",
    response_model=AnswerResponse,
    responses={200: {"content": {"text/event-stream": EVENT_STREAM}}},
)
def answer(
    body: AnswerRequest, answering: AnsweringDep, settings: SettingsDep, caller: ReaderDep
) -> Any:
    """An answer from the caller's knowledge with [n] citations, or an abstention.

    The offline answerer copies the sentences that answer the question, and nothing else;
    when the evidence is weak it says so (answerable false, reason low_confidence or
    no_evidence) instead of quoting unrelated text. With an LLM configured
    (CASEBOOK_LLM_PROVIDER) the LLM writes the answer from the same sources (`generator`
    "llm"); when it fails or cites no source the extractive answer stands in (`generator`
    "extractive", with `fallback_reason`). `"stream": true` answers with Server-Sent Events.
    """
    check_limits(settings, top_k=body.top_k)  # long conversations are trimmed, not refused
    history = [t.model_dump() for t in body.history]
    filters = filters_json(body.filters)
    asked = Asked(caller.tenant, body.question, history, filters, body.top_k, caller.audience)
    if body.stream:
        return sse(stream_answer(answering, asked))
    return AnswerResponse(**answer_question(answering, asked))
