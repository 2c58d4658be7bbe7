"""The one summary path: REST /v1/summarize, MCP summarize_interaction and `casebook summarize`
all summarise a ``Subject`` through ``summarize`` (or ``stream``) with a ``Summarizer``.

A subject is one interaction, one document by id (an interaction when it is one), or the
interactions matching a query (a topic). The extractive summary is made first; with an LLM an
interaction or a topic is then written by it from the same sources (summaries.generate), and a
document summary stays extractive.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from casebook.errors import DocumentNotFound
from casebook.index import Index
from casebook.settings import Settings
from casebook.shapes import to_json
from grounding.completion import Event
from summaries.document import summarize_document
from summaries.generate import (
    SummaryJob,
    interaction_job,
    stream_summary,
    summarize_with,
    topic_job,
)
from summaries.interaction import summarize as summarize_interaction
from summaries.topics import summarize_topic

if TYPE_CHECKING:
    from casebook.llm import LLM


@dataclass(frozen=True)
class Summarizer:
    """What summarising needs: the index, the settings, and the LLM (None: extractive)."""

    index: Index
    settings: Settings
    llm: LLM | None = None


@dataclass(frozen=True)
class Subject:
    """What to summarise in a tenant, for an audience: give one of interaction_id, doc_id
    (an interaction's id too) or query (with filters: the interactions it finds)."""

    tenant: str
    interaction_id: str | None = None
    doc_id: str | None = None
    query: str | None = None
    filters: Mapping[str, Any] | None = None
    audience: str = "agent"


def prepare(summarizer: Summarizer, subject: Subject) -> tuple[SummaryJob | None, dict[str, Any]]:
    """The generation job (None: nothing for an LLM to write) and the extractive summary JSON;
    DocumentNotFound when there is no such interaction or document."""
    index, tenant, audience = summarizer.index, subject.tenant, subject.audience
    canaries, generating = summarizer.settings.llm_canaries, summarizer.llm is not None
    if subject.query is not None:
        topic = summarize_topic(index, tenant, subject.query, subject.filters, audience=audience)
        return (topic_job(topic, canaries) if generating else None), to_json(topic)
    item_id = subject.interaction_id if subject.interaction_id is not None else subject.doc_id
    if item_id is None:
        raise ValueError("a summary needs an interaction_id, a doc_id or a query")
    try:
        interaction = index.get_interaction(tenant, item_id, audience)
    except DocumentNotFound:
        if subject.interaction_id is not None:
            raise
        return None, to_json(summarize_document(index, tenant, item_id, audience))
    summary = summarize_interaction(interaction)
    job = interaction_job(interaction, summary, canaries) if generating else None
    return job, to_json(summary)


def summarize(summarizer: Summarizer, subject: Subject) -> dict[str, Any]:
    """The summary JSON: extractive without an LLM; with one, generated (or extractive, and
    why) with `generator` and `fallback_reason`."""
    job, extractive = prepare(summarizer, subject)
    return summarize_with(summarizer.llm, job, extractive)


def stream(summarizer: Summarizer, subject: Subject) -> Iterator[Event]:
    """The summary as events (delta..., citations, done); the sources are read before this
    returns, so a missing interaction fails before the stream starts."""
    job, extractive = prepare(summarizer, subject)
    return stream_summary(summarizer.llm, job, extractive)
