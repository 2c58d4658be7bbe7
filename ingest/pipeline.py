"""Incremental, idempotent ingestion: read, hash, chunk, embed and write what changed."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from casebook.index import Index
from casebook.interactions import Interaction
from casebook.models import Chunk, SourceDocument
from casebook.shapes import converted, to_json
from ingest.chunking import Chunker
from ingest.conversation import ConversationChunker
from ingest.discover import Missing, discover
from ingest.pii import Redactor
from ingest.readers.base import Failure
from ingest.routing import DEFAULT_ROUTING, Routing, read_item
from ingest.structure import sections_from_text

log = logging.getLogger(__name__)

WRITE_BATCH_CHUNKS = 256


@dataclass
class IngestReport:
    """What one ingest run did, in document counts (chunks: chunks written)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks: int = 0
    failed: list[Failure] = field(default_factory=list)
    interactions: int = 0  # of the documents above, how many were interactions
    redactions: Counter[str] = field(
        default_factory=Counter, metadata=converted(lambda c: dict(sorted(c.items())))
    )  # kind -> count, written sorted by kind


def document_hash(doc: SourceDocument, chunker_signature: str, model: str) -> str:
    """Content hash of a document plus everything that shapes its chunks and vectors."""
    body = json.dumps(
        [doc.title, doc.text, doc.kind, doc.metadata, chunker_signature, model],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def interaction_hash(interaction: Interaction, signature: str, model: str) -> str:
    """Content hash of a (redacted) interaction plus what shapes its chunks and vectors."""
    body = json.dumps(
        [interaction.fields(), [to_json(t) for t in interaction.turns], signature, model],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def redact_document(
    doc: SourceDocument, redactor: Redactor, counts: Counter[str]
) -> SourceDocument:
    """The document with personal data replaced (its structure found again in the new text)."""
    text, found = redactor.redact(doc.text)
    title, in_title = redactor.redact(doc.title)
    counts.update(found)
    counts.update(in_title)
    return replace(doc, text=text, title=title, sections=sections_from_text(text))


def _under(source: str, roots: Iterable[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


class _Writer:
    """Buffers chunks and writes them in batches; replaces stale chunks once a doc is written."""

    def __init__(self, index: Index, tenant: str) -> None:
        self.index = index
        self.tenant = tenant
        self.pending: list[Chunk] = []
        self.replaced: list[tuple[str, str]] = []  # (doc_id, new hash) of updated documents
        self.written = 0

    def add(self, chunks: Sequence[Chunk], replaces: bool) -> None:
        self.pending.extend(chunks)
        if replaces and chunks:
            self.replaced.append((chunks[0].doc_id, chunks[0].doc_hash))
        if len(self.pending) >= WRITE_BATCH_CHUNKS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.written += self.index.write(self.pending)
            self.pending = []
        # Only after the new version is stored: drop chunks of the old one that were not
        # overwritten (a shorter new version), so a document is never missing mid-update.
        for doc_id, new_hash in self.replaced:
            self.index.delete_document(self.tenant, doc_id, keep_hash=new_hash)
        self.replaced = []


def ingest(
    index: Index,
    chunker: Chunker,
    paths: Sequence[Path],
    *,
    tenant: str = "default",
    prune: bool = False,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
    routing: Routing = DEFAULT_ROUTING,
    conversations: ConversationChunker | None = None,
    redactor: Redactor | None = None,
    redact_interactions: bool = True,
    redact_documents: bool = False,
    source_name: Callable[[str], str] | None = None,
) -> IngestReport:
    """Ingest files and folders into a tenant; re-running it on unchanged input writes nothing.

    Personal data is redacted (by `redactor`, default settings when None) before anything is
    chunked, embedded or stored: in interactions by default, in documents when asked.
    `total` is told how many files there are, `progress` is told as each one is done.
    `source_name` maps a file's path to the source stored and reported (uploads: their name).
    It does not rebuild the index's HNSW graph: the caller decides (`Ingestor.run`, the CLI).
    """
    name = source_name or str
    redactor = redactor or Redactor()
    conversations = conversations or ConversationChunker(chunker.tokenizer, chunker.chunk_tokens)
    redaction = redactor.signature if redact_interactions else "raw"
    conversation_signature = f"{conversations.signature};{redaction}"
    document_signature = f"{chunker.signature};{redactor.signature if redact_documents else 'raw'}"
    model = index.embedder.name

    def prepare(
        result: SourceDocument | Interaction,
    ) -> tuple[str, str, Callable[[], list[Chunk]], Counter[str]]:
        """(id, content hash, how to chunk it, redactions) of one item, redacted as configured."""
        found: Counter[str] = Counter()
        if isinstance(result, Interaction):
            interaction = result
            if redact_interactions:
                interaction, found = redactor.redact_interaction(interaction)
            digest = interaction_hash(interaction, conversation_signature, model)
            return (
                interaction.interaction_id,
                digest,
                lambda: conversations.chunk(interaction, tenant, digest),
                found,
            )
        doc = redact_document(result, redactor, found) if redact_documents else result
        digest = document_hash(doc, document_signature, model)
        return doc.doc_id, digest, lambda: chunker.chunk(doc, tenant, digest), found

    report = IngestReport()
    # Pruning needs every document of the tenant; otherwise each item looks up only its own,
    # and a first load into an empty tenant looks up nothing.
    existing = index.documents(tenant) if prune or not index.holds(tenant) else None
    items = list(discover(paths))
    if total:
        total(len(items))
    writer = _Writer(index, tenant)
    seen: set[str] = set()
    failed_sources: set[str] = set()
    # The prune scope is what was asked for, even a folder that is now empty.
    roots = {p.resolve() for p in paths if p.exists()}
    for item in items:
        if isinstance(item, Missing):
            report.failed.append(Failure(name(str(item.path)), item.reason))
            if progress:
                progress(1)
            continue
        for result in read_item(item, routing):
            if isinstance(result, Failure):
                report.failed.append(Failure(name(result.path), result.error))
                failed_sources.add(str(item.path.resolve()))
                continue
            if source_name is not None:
                result = replace(result, source=source_name(result.source))
            doc_id, doc_hash, make_chunks, found = prepare(result)
            if doc_id in seen:
                report.failed.append(
                    Failure(name(str(item.path)), f"duplicate document id {doc_id!r} in this run")
                )
                continue
            seen.add(doc_id)
            report.interactions += isinstance(result, Interaction)
            if existing is not None:
                before = existing.get(doc_id)
            else:
                before = index.document(tenant, doc_id)
            if before is not None and before.doc_hash == doc_hash:
                report.unchanged += 1
                continue
            chunks = make_chunks()
            if not chunks:
                report.failed.append(Failure(name(str(item.path)), f"{doc_id}: no text to index"))
                continue
            report.redactions.update(found)
            if before is None:
                report.added += 1
            else:
                report.updated += 1
            writer.add(chunks, replaces=before is not None)
        if progress:
            progress(1)
    writer.flush()
    report.chunks = writer.written
    if prune and existing is not None:
        # Only documents whose source lies in what this run read, and never those of a
        # file that failed to read this time: a parse error must not delete earlier data.
        for doc_id, state in existing.items():
            if doc_id in seen or state.source in failed_sources:
                continue
            if _under(state.source, roots):
                index.delete_document(tenant, doc_id)
                report.deleted += 1
    return report
