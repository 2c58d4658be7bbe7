"""The ingest pipeline configured from settings: what the CLI and the upload API both run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from casebook.index import Index
from casebook.settings import Settings
from ingest.chunking import Chunker
from ingest.conversation import ConversationChunker, Summarize
from ingest.pii import Redactor
from ingest.pipeline import IngestReport, ingest
from ingest.routing import Kind, Routing


@dataclass
class Ingestor:
    """Chunkers, redactor and routing built once from settings; `run` ingests paths.

    `summarize` writes an interaction's resolution chunk; the composition root passes the
    summary feature's (service.ingestion.ingestor), and without one the chunk holds the first
    customer and the last agent turn.
    """

    index: Index
    settings: Settings
    summarize: Summarize | None = None

    def __post_init__(self) -> None:
        tokens = self.index.embedder.tokens
        self.chunker = Chunker(tokens, self.settings.chunk_tokens, self.settings.chunk_overlap)
        self.conversations = ConversationChunker(
            tokens, self.settings.chunk_tokens, summarize=self.summarize
        )
        self.redactor = Redactor(
            extra_patterns=self.settings.pii_patterns, pseudonymize=self.settings.pii_pseudonyms
        )

    def run(
        self,
        paths: Sequence[Path],
        *,
        tenant: str,
        prune: bool = False,
        kind: Kind = "auto",
        mapping: str | None = None,
        redact: bool | None = None,
        progress: Callable[[int], None] | None = None,
        total: Callable[[int], None] | None = None,
        source_name: Callable[[str], str] | None = None,
    ) -> IngestReport:
        """Ingest files and folders into a tenant (redact=None: as the settings say).

        The HNSW graph is rebuilt only once CASEBOOK_OPTIMIZE_AFTER_CHUNKS chunks were written
        since the last rebuild: Qdrant Edge searches newer points without it.
        """
        routing = Routing(
            kind=kind, mapping=mapping, agent_domains=tuple(self.settings.agent_email_domains)
        )
        report = ingest(
            self.index,
            self.chunker,
            paths,
            tenant=tenant,
            prune=prune,
            progress=progress,
            total=total,
            routing=routing,
            conversations=self.conversations,
            redactor=self.redactor,
            redact_interactions=self.settings.redact_interactions if redact is None else redact,
            redact_documents=self.settings.redact_documents if redact is None else redact,
            source_name=source_name,
        )
        if self.index.unoptimized >= self.settings.optimize_after_chunks:
            self.index.optimize()
        return report
