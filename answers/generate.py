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

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from answers.decision import Answer, Citation, abstain, decide, source_kind
from answers.evidence import Evidence
from casebook.models import SearchResult
from casebook.sentences import split_sentences, terms
from grounding.citations import Reply
from grounding.guard import looks_injected, reply_check
from grounding.prompt import Message, answer_messages, inert

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

log = logging.getLogger(__name__)

# fallback reasons, and the reason of an abstention the LLM chose
TIMEOUT, LLM_ERROR, INJECTION = "timeout", "llm_error", "injection"
NO_VALID_CITATION, NO_EVIDENCE = "no_valid_citation", "no_evidence"
NOT_IN_SOURCES = "not_in_sources"
DECLINED = "could not find this in the knowledge base"  # the prompt's sentence for "no answer"
MAX_SOURCE_CHARS = 24_000  # the prompt's budget for sources (about 6k tokens)
STREAM_PIECE_CHARS = 80  # text not streamed by the LLM goes out in pieces of about this size
END = object()  # the LLM's stream ended

Event = dict[str, Any]


@dataclass(frozen=True)
class Generated:
    """An answer and who wrote it: "llm", or "extractive" (with the reason when it stood in)."""

    answer: Answer
    generator: str
    fallback_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.answer.to_json(),
            "generator": self.generator,
            "fallback_reason": self.fallback_reason,
        }


@dataclass
class Outcome:
    """What came of one LLM call: its checked text and citations, or why it failed."""

    text: str = ""
    cited: list[str] = field(default_factory=list)
    failure: str | None = None
    sent: str = ""  # the part of text already streamed


def failure_reason(exc: BaseException) -> str:
    """timeout when the exception (or its cause) is a timeout, else llm_error."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError) or "timeout" in type(seen).__name__.lower():
            return TIMEOUT
        seen = seen.__cause__ or seen.__context__
    return LLM_ERROR


def _chat(messages: Sequence[Message]) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]


def _outcome(reply: Reply, failure: str | None = None) -> Outcome:
    failure = failure or (INJECTION if reply.injected else None)
    return Outcome(reply.text, reply.cited, failure, reply.sent)


def complete(llm: LLM, messages: Sequence[Message], reply: Reply) -> Outcome:
    """One LLM call, its reply checked; failures become the outcome's reason."""
    try:
        response = llm.chat(_chat(messages))
    except Exception as exc:  # any failure of the endpoint falls back, never errors
        log.warning("LLM call failed, answering extractively: %r", exc)
        return Outcome(failure=failure_reason(exc))
    reply.feed(response.message.content or "")
    reply.finish()
    return _outcome(reply)


def _pump(llm: LLM, messages: Sequence[Message], out: queue.Queue[Any]) -> None:
    """Read the LLM's stream to its end, putting each delta, then END or the exception."""
    try:
        for piece in llm.stream_chat(_chat(messages)):
            out.put(piece.delta or "")
        out.put(END)
    except Exception as exc:
        out.put(exc)


def stream(llm: LLM, messages: Sequence[Message], reply: Reply) -> Generator[str, None, Outcome]:
    """Yield the reply's safe text as the LLM streams it; return the outcome.

    The LLM's stream is read to its end by a thread of its own, even when this generator stops
    early (an injected reply, a caller gone). An abandoned HTTP stream is closed whenever the
    garbage collector gets to it, in whichever thread, and closing it takes its connection
    pool's lock: in a thread that holds that lock at the time, the process deadlocks.
    """
    deltas: queue.Queue[Any] = queue.Queue()
    threading.Thread(target=_pump, args=(llm, messages, deltas), daemon=True).start()
    while (item := deltas.get()) is not END:
        if isinstance(item, Exception):
            log.warning("LLM stream failed, answering extractively: %r", item)
            return _outcome(reply, failure_reason(item))
        text = reply.feed(item)
        if reply.injected:
            return _outcome(reply)
        if text:
            yield text
    text = reply.finish()
    if text:
        yield text
    return _outcome(reply)


def pieces(text: str) -> Iterator[str]:
    for start in range(0, len(text), STREAM_PIECE_CHARS):
        yield text[start : start + STREAM_PIECE_CHARS]


def finish_stream(sent: str, text: str) -> Iterator[Event]:
    """Deltas that complete what was sent into text, after a reset when sent is not its start."""
    if not text.startswith(sent):
        yield {"event": "reset"}
        sent = ""
    for piece in pieces(text[len(sent) :]):
        yield {"event": "delta", "text": piece}


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
    yield from replay(result.to_json(), "answer", sent)


def as_events(texts: Generator[str, None, Outcome]) -> Generator[Event, None, Outcome]:
    """Delta events for streamed text; returns the stream's outcome."""
    while True:
        try:
            text = next(texts)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        yield {"event": "delta", "text": text}


def replay(body: dict[str, Any], key: str, sent: str = "") -> Iterator[Event]:
    """The rest of a stream for a finished answer (key "answer") or summary (key "summary")."""
    yield from finish_stream(sent, body["answer"] if key == "answer" else body["summary"])
    yield {"event": "citations", "citations": body["citations"]}
    yield {"event": "done", key: body}
