"""What the index holds, by document: listing with filters and pages, and one document whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casebook.errors import DocumentNotFound
from casebook.filters import to_where
from casebook.index import Index

INTERACTION_KINDS = frozenset({"interaction", "resolution"})
LIST_FIELDS = ["doc_id", "doc_hash", "title", "kind", "source", "metadata"]


@dataclass(frozen=True)
class DocumentInfo:
    """One document (or interaction) as a listing shows it."""

    doc_id: str
    title: str
    kind: str  # "document" or "interaction"
    source: str
    metadata: dict[str, Any]
    chunks: int
    doc_hash: str


def _kind(chunk_kind: str) -> str:
    return "interaction" if chunk_kind in INTERACTION_KINDS else chunk_kind


def list_documents(
    index: Index, tenant: str, filters: Mapping[str, Any] | None = None, audience: str = "agent"
) -> list[DocumentInfo]:
    """A tenant's documents whose chunks match the filters, sorted by doc_id.

    A filter on kind "interaction" also matches resolution chunks: callers list documents
    and interactions, not the chunk kinds they are stored as.
    """
    wanted = dict(filters or {})
    if "kind" in wanted:
        kinds = wanted["kind"] if isinstance(wanted["kind"], list) else [wanted["kind"]]
        if "interaction" in kinds:
            kinds = [*kinds, "resolution"]
        wanted["kind"] = kinds
    found: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for point in index.store.scroll(to_where(wanted, tenant, audience), fields=LIST_FIELDS):
        payload = point.payload
        doc_id = str(payload.get("doc_id", ""))
        counts[doc_id] = counts.get(doc_id, 0) + 1
        if doc_id not in found or payload.get("kind") == "resolution":
            found[doc_id] = payload
    return [
        DocumentInfo(
            doc_id=doc_id,
            title=str(p.get("title", "")),
            kind=_kind(str(p.get("kind", "document"))),
            source=str(p.get("source", "")),
            metadata=dict(p.get("metadata") or {}),
            chunks=counts[doc_id],
            doc_hash=str(p.get("doc_hash", "")),
        )
        for doc_id, p in sorted(found.items())
    ]


def page(
    documents: list[DocumentInfo], limit: int, after: str | None
) -> tuple[list[DocumentInfo], str | None]:
    """Up to `limit` documents after the cursor (a doc_id), and the cursor of the next page."""
    rest = [d for d in documents if after is None or d.doc_id > after]
    chosen = rest[:limit]
    return chosen, (chosen[-1].doc_id if len(rest) > limit else None)


def get_document(
    index: Index, tenant: str, doc_id: str, audience: str = "agent"
) -> dict[str, Any]:
    """A document with its chunks in order (an interaction also with its turns)."""
    where = to_where({"doc_id": doc_id}, tenant, audience)
    points = sorted(index.store.scroll(where), key=lambda p: int(p.payload.get("position", 0)))
    if not points:
        raise DocumentNotFound(doc_id)
    first = points[0].payload
    resolution = next((p.payload for p in points if p.payload.get("kind") == "resolution"), None)
    document: dict[str, Any] = {
        "doc_id": doc_id,
        "title": first.get("title", ""),
        "kind": _kind(str(first.get("kind", "document"))),
        "source": first.get("source", ""),
        "metadata": dict((resolution or first).get("metadata") or {}),
        "doc_hash": first.get("doc_hash", ""),
        "chunks": [
            {
                "chunk_id": p.id,
                "position": int(p.payload.get("position", 0)),
                "kind": p.payload.get("kind", "document"),
                "section": list(p.payload.get("section") or []),
                "text": p.payload.get("text", ""),
            }
            for p in points
        ],
    }
    if resolution is not None:
        document["turns"] = list(resolution.get("turns") or [])
    return document


def count_chunks(index: Index, tenant: str, doc_id: str) -> int:
    """How many chunks a document has (0: none, so nothing to delete)."""
    return index.store.count(to_where({"doc_id": doc_id}, tenant))
