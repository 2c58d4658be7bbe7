"""Answering a caller's question: the one path behind /v1/answer, the OpenAI and MCP
interfaces. It answers (generated when an LLM is configured, else extractive), logs the answer
for feedback and counts it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.responses import StreamingResponse

from casebook.answer import Answer, changes_topic, decide, hand_off, prefer_standalone
from casebook.conversation import fit
from casebook.evidence import Evidence, gather
from casebook.feedback import AnsweredQuestion
from casebook.generate import Event, Generated, Question, generate_answer, replay
from casebook.generate import stream_answer as stream_generated
from casebook.guard import drop_injected
from casebook.keys import Caller

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class Prepared:
    """A question made ready to answer: fitted to the budget, then handed off or searched."""

    question: Question
    evidence: Evidence | None  # None: handed off before any search
    handoff: str | None


def _prepare(
    state: Any,
    caller: Caller,
    question: str,
    history: Sequence[Mapping[str, str]],
    filters: Mapping[str, Any] | None,
    top_k: int,
) -> Prepared:
    """Fit the conversation to its budget, check whether a person must take over, and retrieve
    the evidence (sentences that look injected are never quoted).

    Hand-off is for customer-facing callers: an agent asking about a gas smell is the person.
    """
    settings = state.settings
    detector = getattr(state, "handoff", None) if caller.audience == "customer" else None
    reason = detector.reason(question) if detector is not None else None
    focused, turns = fit(question, history, settings.conversation_budget)
    asked = Question(
        focused, turns, top_k, settings.answer_min_confidence, settings.llm_canaries
    )
    if reason is not None:
        return Prepared(asked, None, reason)

    def evidence_for(history: list[dict[str, str]]) -> Evidence:
        index, tenant, audience = state.index, caller.tenant, caller.audience
        found = gather(index, tenant, focused, history, filters, top_k, audience)
        return drop_injected(found, settings.llm_canaries)

    evidence = evidence_for(turns)
    if evidence.conversational and changes_topic(state.index, focused, turns):
        evidence = prefer_standalone(evidence, evidence_for([]), asked.threshold)
    return Prepared(asked, evidence, None)


def _extractive(prepared: Prepared) -> Generated:
    if prepared.handoff is not None:
        return Generated(hand_off(prepared.handoff), "extractive")
    assert prepared.evidence is not None
    return Generated(decide(prepared.evidence, prepared.question.threshold), "extractive")


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

    `state` is the app's state (settings, index, llm, handoff, redactor, answer_log, metrics).
    """
    prepared = _prepare(state, caller, question, history, filters, top_k)
    llm = getattr(state, "llm", None)
    if llm is None or prepared.evidence is None:
        result = _extractive(prepared)
    else:
        result = generate_answer(llm, prepared.evidence, prepared.question)
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
    prepared = _prepare(state, caller, question, history, filters, top_k)
    llm = getattr(state, "llm", None)

    def record(result: Generated) -> None:
        record_answer(state, caller, question, history, result.answer)

    if llm is not None and prepared.evidence is not None:
        return stream_generated(llm, prepared.evidence, prepared.question, on_result=record)
    result = _extractive(prepared)
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
