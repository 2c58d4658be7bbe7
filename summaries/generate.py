"""Generated summaries of an interaction or a topic, checked like answers, extractive fallback.

An interaction's turns are the sources, cited ``[tN]`` as in the extractive summary; the
status stays the extractive one (read from the status field and the last turns). A topic's
sources are the recurring problems the extractive topic summary found; a marker ``[n]``
becomes the ids of the interactions behind problem n (``[ticket-1][ticket-2]``), as there.
The response is the extractive JSON with the LLM's text, plus ``generator`` and
``fallback_reason``; a reply that fails, cites nothing or was injected falls back to the
extractive summary with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from casebook.interactions import NO_RESOLUTION, Interaction
from casebook.shapes import to_json
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
from grounding.guard import reply_check
from grounding.prompt import Message, interaction_messages, topic_messages
from summaries.cues import STAFF_ROLES, clean
from summaries.interaction import Summary
from summaries.status import Citation
from summaries.topics import TopicSummary

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

SECTION = re.compile(r"^\W*(issue|actions?|resolution)\s*\W*?:\s*(.*)$", re.IGNORECASE)


@dataclass
class SummaryJob:
    """One summary to generate: the prompt, its reply checker, and how to build the JSON."""

    messages: list[Message]
    reply: Reply
    build: Callable[[str, list[str]], dict[str, Any]]  # (checked text, cited keys) -> JSON


def _reply(
    valid: set[str], label: Callable[[str, int], str], texts: Sequence[str], canaries: Sequence[str]
) -> Reply:
    longest = max((len(c) for c in canaries), default=1)
    return Reply(valid, label, reply_check(texts, canaries), holdback=longest - 1)


def sections(text: str) -> dict[str, str]:
    """The Issue / Actions / Resolution lines of a generated summary."""
    found = {"issue": "", "actions": "", "resolution": ""}
    current = ""
    for line in text.splitlines():
        match = SECTION.match(line)
        if match:
            name = match.group(1).lower()
            current = "actions" if name.startswith("action") else name
            found[current] = match.group(2).strip(" *")
        elif current and line.strip():
            found[current] = f"{found[current]} {line.strip()}".strip()
    return found


def interaction_job(
    interaction: Interaction, extractive: Summary, canaries: Sequence[str] = ()
) -> SummaryJob | None:
    """The job for one interaction (None when no turn can be quoted)."""
    turns = [
        (n, t.role, clean(t.text))
        for n, t in enumerate(interaction.turns)
        if (t.role == "customer" or t.role in STAFF_ROLES) and clean(t.text)
    ]
    if not turns:
        return None
    by_key = {f"t{n}": (n, role, text) for n, role, text in turns}

    def build(text: str, cited: list[str]) -> dict[str, Any]:
        citations = [to_json(Citation(*by_key[k])) for k in cited]
        source = extractive.status_source
        if source is not None and f"t{source.turn}" not in cited:
            citations.append(to_json(source))
        status = extractive.section_text("status")
        return {
            "interaction_id": interaction.interaction_id,
            "summary": f"{text}\nStatus: {status}" if status else text,
            "sections": {**sections(text), "status": extractive.status},
            "citations": citations,
        }

    reply = _reply(set(by_key), lambda key, _n: f"[{key}]", [t for _, _, t in turns], canaries)
    return SummaryJob(interaction_messages(turns), reply, build)


def topic_job(topic: TopicSummary, canaries: Sequence[str] = ()) -> SummaryJob | None:
    """The job for a topic summary (None when it found no recurring problem)."""
    points = topic.points
    if not points:
        return None
    texts = [
        f"Problem: {p.problem}\nResolution: {p.resolution or NO_RESOLUTION}\n"
        f"Interactions: {len(p.interactions)}"
        for p in points
    ]
    sources = [(f"Recurring problem {n}", text) for n, text in enumerate(texts, start=1)]

    def label(key: str, _n: int) -> str:
        return "".join(f"[{i}]" for i in points[int(key) - 1].interactions)

    def build(text: str, _cited: list[str]) -> dict[str, Any]:
        return {**to_json(topic), "summary": text}

    reply = _reply({str(n) for n in range(1, len(points) + 1)}, label, texts, canaries)
    return SummaryJob(topic_messages(topic.query, sources), reply, build)


def _result(job: SummaryJob, outcome: Outcome, extractive: dict[str, Any]) -> dict[str, Any]:
    reason = outcome.failure or (None if outcome.cited else NO_VALID_CITATION)
    if reason:
        return {**extractive, "generator": "extractive", "fallback_reason": reason}
    return {**job.build(outcome.text, outcome.cited), "generator": "llm", "fallback_reason": None}


def summarize_with(
    llm: LLM | None, job: SummaryJob | None, extractive: dict[str, Any]
) -> dict[str, Any]:
    """The summary JSON: extractive without an LLM; generated, or extractive and why, with."""
    if llm is None:
        return extractive
    if job is None:
        return {**extractive, "generator": "extractive", "fallback_reason": None}
    return _result(job, complete(llm, job.messages, job.reply), extractive)


def stream_summary(
    llm: LLM | None, job: SummaryJob | None, extractive: dict[str, Any]
) -> Iterator[Event]:
    """The summary as events: delta..., citations, done ({"event": "done", "summary": ...})."""
    if llm is None or job is None:
        yield from replay(summarize_with(llm, job, extractive), "summary")
        return
    outcome = yield from as_events(stream(llm, job.messages, job.reply))
    yield from replay(_result(job, outcome, extractive), "summary", outcome.sent)
