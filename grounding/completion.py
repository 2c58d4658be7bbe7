"""One LLM call over numbered sources, whole or streamed, its reply checked as it arrives.

Shared by generated answers (answers.generate) and generated summaries (summaries.generate):
an outcome carries the checked text and the cited keys, or why the call failed (``timeout``,
``llm_error``, ``injection``); finished results replay as the events a stream would send.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grounding.citations import Reply
from grounding.prompt import Message

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

log = logging.getLogger(__name__)

TIMEOUT, LLM_ERROR, INJECTION = "timeout", "llm_error", "injection"
NO_VALID_CITATION = "no_valid_citation"
STREAM_PIECE_CHARS = 80  # text not streamed by the LLM goes out in pieces of about this size
END = object()  # the LLM's stream ended

Event = dict[str, Any]


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
