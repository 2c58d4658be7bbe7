"""The one answer path: REST, the OpenAI-compatible route, MCP, `casebook answer` and eval all
answer an ``Asked`` question through ``answer`` (or ``stream``) with an ``Answerer`` built from
the same settings.

A question is fitted to the conversation budget; for a customer-facing caller it may be handed
to a person; then the evidence is gathered (unquotable units dropped, the reranker read), a
question that changes the topic is answered alone when it can be, and the answer is generated
by the configured LLM or quoted extractively, at the configured confidence threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from answers.decision import changes_topic, decide, hand_off, prefer_standalone
from answers.evidence import Evidence, gather
from answers.generate import Event, Generated, Question, generate_answer, replay
from answers.generate import stream_answer as stream_generated
from answers.past_cases import asks_about_past_cases, past_case_filters
from answers.reranker import Reranker
from casebook.conversation import fit
from casebook.index import Index
from casebook.settings import Settings
from casebook.shapes import to_json

if TYPE_CHECKING:
    from answers.handoff import HandoffDetector
    from casebook.llm import LLM


@dataclass(frozen=True)
class Answerer:
    """What answering needs: the index, the settings, and the optional collaborators."""

    index: Index
    settings: Settings
    reranker: Reranker | None = None  # None: the packaged reranker
    llm: LLM | None = None  # None: extractive answers
    handoff: HandoffDetector | None = None  # None: never hand off


@dataclass(frozen=True)
class Asked:
    """A question as asked: in which tenant, after which turns, where to look, and for whom
    (an "agent", or a "customer" who may be handed to a person)."""

    tenant: str
    question: str
    history: Sequence[Mapping[str, str]] = ()
    filters: Mapping[str, Any] | None = None
    top_k: int = 5
    audience: str = "agent"


@dataclass(frozen=True)
class Prepared:
    """A question made ready to answer: fitted to the budget, then handed off or searched."""

    question: Question
    evidence: Evidence | None  # None: handed off before any search
    handoff: str | None


def prepare(answerer: Answerer, asked: Asked) -> Prepared:
    """Fit, check for hand-off (customer audiences only: an agent asking about a gas smell is
    the person), and gather the evidence."""
    settings, top_k = answerer.settings, asked.top_k
    detector = answerer.handoff if asked.audience == "customer" else None
    reason = detector.reason(asked.question) if detector is not None else None
    focused, turns = fit(asked.question, asked.history, settings.conversation_budget)
    fitted = Question(focused, turns, top_k, settings.answer_min_confidence, settings.llm_canaries)
    if reason is not None:
        return Prepared(fitted, None, reason)

    def evidence_for(
        context: list[dict[str, str]], filters: Mapping[str, Any] | None = asked.filters
    ) -> Evidence:
        return gather(
            answerer.index, asked.tenant, focused, context, filters, top_k, asked.audience,
            canaries=settings.llm_canaries, reranker=answerer.reranker,
        )  # fmt: skip

    evidence = evidence_for(turns)
    if asked.audience == "agent" and asks_about_past_cases(focused):
        # past cases on their own answer it when they answer it at all; else the documents
        past = evidence_for(turns, past_case_filters(asked.filters))
        if past.units and decide(past, fitted.threshold).answerable:
            evidence = past
    if evidence.conversational and changes_topic(answerer.index, focused, turns):
        evidence = prefer_standalone(evidence, evidence_for([]), fitted.threshold)
    return Prepared(fitted, evidence, None)


def extractive(prepared: Prepared) -> Generated:
    """The quoted answer (or the hand-off) for a prepared question."""
    if prepared.handoff is not None:
        return Generated(hand_off(prepared.handoff), "extractive")
    assert prepared.evidence is not None
    return Generated(decide(prepared.evidence, prepared.question.threshold), "extractive")


def answer(answerer: Answerer, asked: Asked) -> Generated:
    """The answer to a question with its conversation so far, and how it was made."""
    prepared = prepare(answerer, asked)
    if answerer.llm is None or prepared.evidence is None:
        return extractive(prepared)
    return generate_answer(answerer.llm, prepared.evidence, prepared.question)


def stream(
    answerer: Answerer, asked: Asked, on_result: Callable[[Generated], None] | None = None
) -> Iterator[Event]:
    """The answer as events (see ``answers.generate``); retrieval runs before this returns."""
    prepared = prepare(answerer, asked)
    if answerer.llm is not None and prepared.evidence is not None:
        return stream_generated(
            answerer.llm, prepared.evidence, prepared.question, on_result=on_result
        )
    result = extractive(prepared)
    if on_result is not None:
        on_result(result)
    return replay(to_json(result), "answer")
