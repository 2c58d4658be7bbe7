"""BM25 sparse vectors from Qdrant Edge's built-in embedder (same tokens as Qdrant server)."""

from __future__ import annotations

import qdrant_edge as qe

from casebook.store.base import SparseVector


class Bm25:
    """Term-frequency vectors for documents and term sets for queries; Qdrant applies IDF."""

    def __init__(self, avg_len: float = 100.0) -> None:
        self._model = qe.Bm25(qe.Bm25Config(avg_len=avg_len, language="english"))

    def document(self, text: str) -> SparseVector:
        """The vector stored for a chunk."""
        vec = self._model.embed_document(text)
        return SparseVector(indices=list(vec.indices), values=list(vec.values))

    def query(self, text: str) -> SparseVector:
        """The vector a query is scored with."""
        vec = self._model.embed_query(text)
        return SparseVector(indices=list(vec.indices), values=list(vec.values))
