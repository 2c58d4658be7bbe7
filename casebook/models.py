"""Domain models shared by ingestion, the index and the service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from casebook.shapes import OMIT

# A fixed namespace: chunk ids are uuid5 of (tenant, document id, position), so re-ingesting
# the same document writes to the same ids instead of duplicating it.
_CHUNK_NAMESPACE = uuid.UUID("6f1d2b8e-3c4a-5e7f-9a0b-1c2d3e4f5a6b")


def chunk_id(tenant: str, doc_id: str, position: int) -> str:
    """The deterministic id of a document's chunk."""
    return str(uuid.uuid5(_CHUNK_NAMESPACE, f"{tenant}\x1f{doc_id}\x1f{position}"))


@dataclass(frozen=True)
class Section:
    """A run of a document's text under one heading path, with its offset in the text."""

    path: tuple[str, ...]
    text: str
    start: int


@dataclass(frozen=True)
class SourceDocument:
    """One document as read from its source, before chunking."""

    doc_id: str
    title: str
    text: str
    sections: list[Section]
    source: str
    kind: str = "document"
    metadata: dict[str, Any] = field(default_factory=dict)


def heading_path(title: str, section: tuple[str, ...]) -> str:
    """ "Title > Heading > Subheading", without a heading that repeats the one before it."""
    parts: list[str] = []
    for part in (title, *section):
        if part and (not parts or parts[-1] != part):
            parts.append(part)
    return " > ".join(parts)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document as it is indexed."""

    tenant: str
    doc_id: str
    doc_hash: str
    position: int
    text: str
    section: tuple[str, ...]
    start: int
    end: int
    title: str
    source: str
    kind: str
    metadata: dict[str, Any]
    context: str = ""  # the heading path embedded with the text (empty when it would not fit)
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific payload fields

    @property
    def id(self) -> str:
        return chunk_id(self.tenant, self.doc_id, self.position)

    @property
    def indexed_text(self) -> str:
        """What is embedded and BM25-indexed: the heading path, then the text."""
        return f"{self.context}\n{self.text}" if self.context else self.text

    def payload(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "doc_id": self.doc_id,
            "doc_hash": self.doc_hash,
            "position": self.position,
            "text": self.text,
            "section": list(self.section),
            "start": self.start,
            "end": self.end,
            "title": self.title,
            "source": self.source,
            "kind": self.kind,
            "metadata": self.metadata,
        } | self.extra


@dataclass(frozen=True)
class SearchResult:
    """One search hit as callers see it."""

    doc_id: str
    chunk_id: str
    score: float
    title: str
    text: str
    kind: str
    metadata: dict[str, Any]
    section: list[str]
    start: int = field(metadata=OMIT)  # the chunk's range in the document, not in the JSON
    end: int = field(metadata=OMIT)
    source: str

    @classmethod
    def from_payload(cls, point_id: str, score: float, payload: dict[str, Any]) -> SearchResult:
        return cls(
            doc_id=payload.get("doc_id", ""),
            chunk_id=point_id,
            score=score,
            title=payload.get("title", ""),
            text=payload.get("text", ""),
            kind=payload.get("kind", "document"),
            metadata=payload.get("metadata") or {},
            section=list(payload.get("section") or []),
            start=int(payload.get("start", 0)),
            end=int(payload.get("end", 0)),
            source=payload.get("source", ""),
        )
