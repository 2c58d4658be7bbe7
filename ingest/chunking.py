"""Token-bounded chunks within sections, with llama-index's sentence splitter."""

from __future__ import annotations

from collections.abc import Callable

from llama_index.core.node_parser import SentenceSplitter

from casebook.audience import with_visibility
from casebook.models import Chunk, SourceDocument, heading_path

# Bump when chunk boundaries change, so every document re-ingests once.
CHUNKER_VERSION = "2"


class Chunker:
    """Splits each section of a document into overlapping chunks that never cross sections."""

    def __init__(
        self, tokenizer: Callable[[str], list[int]], chunk_tokens: int, overlap: int
    ) -> None:
        self.chunk_tokens = chunk_tokens
        self.overlap = min(overlap, chunk_tokens // 2)
        self.tokenizer = tokenizer
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=self.overlap,
            tokenizer=tokenizer,
            paragraph_separator="\n\n",
        )

    @property
    def signature(self) -> str:
        """What, besides content, decides chunk boundaries (part of each document's hash)."""
        return f"chunker={CHUNKER_VERSION};tokens={self.chunk_tokens};overlap={self.overlap}"

    def chunk(self, doc: SourceDocument, tenant: str, doc_hash: str) -> list[Chunk]:
        """The chunks of a document, in order, with character offsets into its text."""
        chunks: list[Chunk] = []
        metadata = with_visibility(doc.metadata)  # internal markers, as one filterable string
        for section in doc.sections:
            context = heading_path(doc.title, section.path)
            budget = self.chunk_tokens - len(self.tokenizer(context)) - 1
            if budget < self.chunk_tokens // 2:  # a very long heading path: keep room for text
                context = ""
            pieces = (
                self._splitter.split_text_metadata_aware(section.text, context)
                if context
                else self._splitter.split_text(section.text)
            )
            cursor = 0
            for piece in pieces:
                found = section.text.find(piece, cursor)
                if found == -1:
                    found = section.text.find(piece)
                offset = max(found, 0)
                cursor = offset + 1
                start = section.start + offset
                chunks.append(
                    Chunk(
                        tenant=tenant,
                        doc_id=doc.doc_id,
                        doc_hash=doc_hash,
                        position=len(chunks),
                        text=piece,
                        section=section.path,
                        start=start,
                        end=start + len(piece),
                        title=doc.title,
                        source=doc.source,
                        kind=doc.kind,
                        metadata=metadata,
                        context=context,
                    )
                )
        return chunks
