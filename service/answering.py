"""Answering a caller's question: the one path behind /v1/answer, the OpenAI and MCP
interfaces. It answers (generated when an LLM is configured, else extractive), logs the answer
for feedback and counts it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from fastapi.responses import StreamingResponse

from answers import ask
from answers.ask import Answerer, Asked
from answers.decision import Answer
from answers.generate import Event, Generated
from casebook.feedback import AnsweredQuestion, AnswerLog
from casebook.shapes import to_json

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


def answer_question(answering: Answering, asked: Asked) -> dict[str, Any]:
    """The answer JSON (AnswerResponse) for a caller, logged for feedback and counted."""
    result = ask.answer(answering.answerer, asked)
    record_answer(answering, asked, result.answer)
    return to_json(result)


def stream_answer(answering: Answering, asked: Asked) -> Iterator[Event]:
    """The answer as events: {"event": "delta", "text"}..., then {"event": "citations",
    "citations"}, then {"event": "done", "answer": <the full answer JSON>}.

    With an LLM, a {"event": "reset"} before the deltas of the extractive answer means the
    LLM failed after some of its text went out: discard the text received so far. Retrieval
    runs before this returns, so a bad request fails before the stream starts.
    """

    def record(result: Generated) -> None:
        record_answer(answering, asked, result.answer)

    return ask.stream(answering.answerer, asked, on_result=record)


def sse(events: Iterator[Event]) -> StreamingResponse:
    """Events as Server-Sent Events: `event: <name>` and `data: <the event as JSON>`."""

    def lines() -> Iterator[str]:
        for event in events:
            yield f"event: {event['event']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    return StreamingResponse(lines(), media_type="text/event-stream", headers=SSE_HEADERS)


def record_answer(answering: Answering, asked: Asked, result: Answer) -> None:
    """Keep the answer (redacted) for feedback, and count it."""
    redact = answering.redactor.redact
    answering.answer_log.record(
        AnsweredQuestion(
            answer_id=result.answer_id,
            tenant=asked.tenant,
            question=redact(asked.question)[0],
            history=[
                {"role": t.get("role", "user"), "text": redact(t.get("text", ""))[0]}
                for t in asked.history
            ],
            answerable=result.answerable,
            confidence=result.confidence,
            reason=result.reason,
            cited_doc_ids=sorted({c.doc_id for c in result.citations}),
        )
    )
    if answering.metrics is not None:
        answering.metrics.record_answer(result.answerable)
