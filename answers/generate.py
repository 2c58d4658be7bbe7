"""Generated answers, grounded in the retrieved chunks, with the extractive answer as fallback.

Retrieval is shared with the extractive answerer (``gather``); the top chunks become numbered
sources. The reply's markers are checked (see ``grounding.citations``) and the sources it cites
become the citations, renumbered in order. The extractive answer is returned instead, with
``generator: "extractive"`` and a ``fallback_reason``, when the LLM times out (``timeout``) or
fails (``llm_error``), when its reply cites no source (``no_valid_citation``), or when it
followed an instruction planted in a source (``injection``). With no source at all the LLM is
not called (``no_evidence``). When the LLM says the sources hold no answer, the answer is an
abstention (reason ``not_in_sources``). The confidence is always the extractive evidence's.

Streaming releases the reply as it arrives, once it has cited a source. If the LLM then fails
(or turns out to have been injected), a ``{"event": "reset"}`` tells the caller to discard
what it was sent, and the extractive answer follows; the ``done`` event is always the answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from answers.decision import Answer, Citation, abstain, decide, source_kind
from answers.evidence import Evidence
from casebook.models import SearchResult
from casebook.sentences import split_sentences, terms
from casebook.shapes import INLINE, to_json
from grounding.citations import Reply
from grounding.completion import (
    NO_VALID_CITATION,
    Event,
    Outcome,
    as_events,
    complete,
    replay,
    stream,
)
from grounding.guard import looks_injected, reply_check
from grounding.prompt import Message, answer_messages, inert

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

# fallback reasons, and the reason of an abstention the LLM chose (the others are in
# grounding.completion)
NO_EVIDENCE = "no_evidence"
NOT_IN_SOURCES = "not_in_sources"
DECLINED = "could not find this in the knowledge base"  # the prompt's sentence for "no answer"
MAX_SOURCE_CHARS = 24_000  # the prompt's budget for sources (about 6k tokens)


@dataclass(frozen=True)
class Generated:
    """An answer and who wrote it: "llm", or "extractive" (with the reason when it stood in)."""

    answer: Answer = field(metadata=INLINE)  # its fields come first, then these two
    generator: str
    fallback_reason: str | None = None


def sources(evidence: Evidence, top_k: int) -> list[SearchResult]:
    """The chunks the LLM answers from: the top_k hits, within the prompt's budget."""
    chosen: list[SearchResult] = []
    used = 0
    for hit in evidence.hits[:top_k]:
        used += len(hit.text)
        if chosen and used > MAX_SOURCE_CHARS:
            break
        chosen.append(hit)
    return chosen


def _quote(evidence: Evidence, rank: int, answer: str, canaries: Sequence[str]) -> str:
    """The sentence of the rank-th hit that shares most words with the answer.

    When the evidence kept no sentence of that hit (each held a link or looked injected), the
    best of its sentences that are clean once their links are made inert, or "" if none is.
    """
    options = [evidence.quote(i) for i, (hit, _) in enumerate(evidence.units) if hit == rank]
    if not options:
        text = evidence.hits[rank].text
        options = [inert(text[start:end]).strip() for start, end in split_sentences(text)]
        options = [o for o in options if o and not looks_injected(o, canaries)]
    words = set(terms(answer))
    return max(options, key=lambda quote: len(words & set(terms(quote))), default="")


def conclude(
    outcome: Outcome, extractive: Answer, evidence: Evidence, canaries: Sequence[str] = ()
) -> Generated:
    """The generated answer the outcome supports, or the extractive one with the reason."""
    if outcome.failure:
        return Generated(extractive, "extractive", outcome.failure)
    if not outcome.cited:
        if DECLINED in outcome.text.lower():
            return Generated(abstain(NOT_IN_SOURCES, extractive.confidence), "llm")
        return Generated(extractive, "extractive", NO_VALID_CITATION)
    citations = []
    for key in outcome.cited:
        hit = evidence.hits[int(key) - 1]
        quote = _quote(evidence, int(key) - 1, outcome.text, canaries)
        citation = Citation(
            hit.doc_id, hit.chunk_id, hit.title, quote, hit.score, source_kind(hit.kind)
        )
        citations.append(citation)
    answer = Answer(str(uuid.uuid4()), outcome.text, True, extractive.confidence, "", citations)
    return Generated(answer, "llm")


@dataclass(frozen=True)
class Question:
    """What generation needs besides the evidence."""

    text: str
    history: Sequence[Mapping[str, str]] = ()
    top_k: int = 5
    threshold: float = 0.5
    canaries: Sequence[str] = ()


def _prepare(evidence: Evidence, question: Question) -> tuple[list[Message], Reply] | None:
    hits = sources(evidence, question.top_k)
    if not hits:
        return None
    messages = answer_messages(question.text, question.history, [(h.title, h.text) for h in hits])
    longest = max((len(c) for c in question.canaries), default=1)
    reply = Reply(
        {str(n) for n in range(1, len(hits) + 1)},
        lambda _key, n: f"[{n}]",
        reply_check([h.text for h in hits], question.canaries),
        holdback=longest - 1,
    )
    return messages, reply


def generate_answer(llm: LLM, evidence: Evidence, question: Question) -> Generated:
    """The LLM's answer from the evidence's top chunks, or the extractive answer and why."""
    extractive = decide(evidence, question.threshold)
    prepared = _prepare(evidence, question)
    if prepared is None:
        return Generated(extractive, "extractive", NO_EVIDENCE)
    return conclude(complete(llm, *prepared), extractive, evidence, question.canaries)


def stream_answer(
    llm: LLM,
    evidence: Evidence,
    question: Question,
    on_result: Callable[[Generated], None] | None = None,
) -> Iterator[Event]:
    """The answer as events: delta..., citations, done (reset first if a fallback replaces
    text already sent). on_result sees the answer before the done event goes out."""
    extractive = decide(evidence, question.threshold)
    prepared = _prepare(evidence, question)
    if prepared is None:
        result, sent = Generated(extractive, "extractive", NO_EVIDENCE), ""
    else:
        outcome = yield from as_events(stream(llm, *prepared))
        result = conclude(outcome, extractive, evidence, question.canaries)
        sent = outcome.sent
    if on_result is not None:
        on_result(result)
    yield from replay(to_json(result), "answer", sent)
