"""Answering a caller's question: the one path behind /v1/answer, the OpenAI and MCP
interfaces. It answers (generated when an LLM is configured, else extractive), logs the answer
for feedback and counts it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fastapi.responses import StreamingResponse

from casebook.answer import Answer, decide
from casebook.evidence import Evidence, gather
from casebook.feedback import AnsweredQuestion
from casebook.generate import Event, Generated, Question, generate_answer, replay
from casebook.generate import stream_answer as stream_generated
from casebook.guard import drop_injected
from casebook.keys import Caller

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _evidence(
    state: Any,
    caller: Caller,
    question: str,
    history: Sequence[Mapping[str, str]],
    filters: Mapping[str, Any] | None,
    top_k: int,
) -> Evidence:
    """Retrieval shared by both answerers; sentences that look injected are never quoted."""
    evidence = gather(state.index, caller.tenant, question, list(history), filters, top_k)
    return drop_injected(evidence, state.settings.llm_canaries)


def _question(
    state: Any, question: str, history: Sequence[Mapping[str, str]], top_k: int
) -> Question:
    settings = state.settings
    return Question(
        question, list(history), top_k, settings.answer_min_confidence, settings.llm_canaries
    )


def answer_question(
    state: Any,
    caller: Caller,
    question: str,
    *,
    history: Sequence[Mapping[str, str]] = (),
    filters: Mapping[str, Any] | None = None,
    top_k: int = 5,
) -> dict[str, Any]:
    """The answer JSON (AnswerResponse) for a caller, logged for feedback and counted.

    `state` is the app's state (settings, index, llm, redactor, answer_log, metrics).
    """
    evidence = _evidence(state, caller, question, history, filters, top_k)
    llm = getattr(state, "llm", None)
    asked = _question(state, question, history, top_k)
    if llm is None:
        result = Generated(decide(evidence, asked.threshold), "extractive")
    else:
        result = generate_answer(llm, evidence, asked)
    record_answer(state, caller, question, history, result.answer)
    return result.to_json()


def stream_answer(
    state: Any,
    caller: Caller,
    question: str,
    *,
    history: Sequence[Mapping[str, str]] = (),
    filters: Mapping[str, Any] | None = None,
    top_k: int = 5,
) -> Iterator[Event]:
    """The answer as events: {"event": "delta", "text"}..., then {"event": "citations",
    "citations"}, then {"event": "done", "answer": <the full answer JSON>}.

    With an LLM, a {"event": "reset"} before the deltas of the extractive answer means the
    LLM failed after some of its text went out: discard the text received so far. Retrieval
    runs before this returns, so a bad request fails before the stream starts.
    """
    evidence = _evidence(state, caller, question, history, filters, top_k)
    llm = getattr(state, "llm", None)
    asked = _question(state, question, history, top_k)

    def record(result: Generated) -> None:
        record_answer(state, caller, question, history, result.answer)

    if llm is not None:
        return stream_generated(llm, evidence, asked, on_result=record)
    result = Generated(decide(evidence, asked.threshold), "extractive")
    record(result)
    return replay(result.to_json(), "answer")


def sse(events: Iterator[Event]) -> StreamingResponse:
    """Events as Server-Sent Events: `event: <name>` and `data: <the event as JSON>`."""

    def lines() -> Iterator[str]:
        for event in events:
            yield f"event: {event['event']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    return StreamingResponse(lines(), media_type="text/event-stream", headers=SSE_HEADERS)


def record_answer(
    state: Any,
    caller: Caller,
    question: str,
    history: Sequence[Mapping[str, str]],
    result: Answer,
) -> None:
    """Keep the answer (redacted) for feedback, and count it."""
    redact = state.redactor.redact
    state.answer_log.record(
        AnsweredQuestion(
            answer_id=result.answer_id,
            tenant=caller.tenant,
            question=redact(question)[0],
            history=[
                {"role": t.get("role", "user"), "text": redact(t.get("text", ""))[0]}
                for t in history
            ],
            answerable=result.answerable,
            confidence=result.confidence,
            reason=result.reason,
            cited_doc_ids=sorted({c.doc_id for c in result.citations}),
        )
    )
    metrics = getattr(state, "metrics", None)
    if metrics is not None:
        metrics.record_answer(result.answerable)
