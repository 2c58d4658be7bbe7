"""Answering a caller's question: the one path behind /v1/answer, the OpenAI and MCP
interfaces. It answers (generated when an LLM is configured, else extractive), logs the answer
for feedback and counts it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from fastapi.responses import StreamingResponse

from answers import ask
from answers.ask import Answerer
from answers.decision import Answer
from answers.generate import Event, Generated
from casebook.feedback import AnsweredQuestion, AnswerLog
from service.keys import Caller

if TYPE_CHECKING:
    from ingest.pii import Redactor
    from service.observability import Metrics

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class Answering:
    """What answering a caller needs: the answerer, and where answers are logged and counted."""

    answerer: Answerer
    answer_log: AnswerLog
    redactor: Redactor
    metrics: Metrics | None = None

    def extractive(self) -> Answering:
        """The same without the LLM: what casebook-extractive answers with."""
        return replace(self, answerer=replace(self.answerer, llm=None))


def answer_question(
    answering: Answering,
    caller: Caller,
    question: str,
    *,
    history: Sequence[Mapping[str, str]] = (),
    filters: Mapping[str, Any] | None = None,
    top_k: int = 5,
) -> dict[str, Any]:
    """The answer JSON (AnswerResponse) for a caller, logged for feedback and counted."""
    result = ask.answer(
        answering.answerer, caller.tenant, question, history, filters, top_k, caller.audience
    )
    record_answer(answering, caller, question, history, result.answer)
    return result.to_json()


def stream_answer(
    answering: Answering,
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

    def record(result: Generated) -> None:
        record_answer(answering, caller, question, history, result.answer)

    return ask.stream(
        answering.answerer, caller.tenant, question, history, filters, top_k, caller.audience,
        on_result=record,
    )  # fmt: skip


def sse(events: Iterator[Event]) -> StreamingResponse:
    """Events as Server-Sent Events: `event: <name>` and `data: <the event as JSON>`."""

    def lines() -> Iterator[str]:
        for event in events:
            yield f"event: {event['event']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    return StreamingResponse(lines(), media_type="text/event-stream", headers=SSE_HEADERS)


def record_answer(
    answering: Answering,
    caller: Caller,
    question: str,
    history: Sequence[Mapping[str, str]],
    result: Answer,
) -> None:
    """Keep the answer (redacted) for feedback, and count it."""
    redact = answering.redactor.redact
    answering.answer_log.record(
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
    if answering.metrics is not None:
        answering.metrics.record_answer(result.answerable)
