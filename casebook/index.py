"""The index: chunks in, hybrid search out, over whichever store was configured."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from casebook.bm25 import Bm25
from casebook.embedding import Embedder
from casebook.errors import DocumentNotFound
from casebook.filters import to_where
from casebook.interactions import Interaction, interaction_from_payload
from casebook.models import Chunk, SearchResult
from casebook.ranking import two_level
from casebook.settings import Retrieval
from casebook.store.base import Condition, HybridQuery, Point, ScoredPoint, Store, Where

Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class DocumentState:
    """What the index holds for one document: its content hash and chunk count."""

    doc_hash: str
    source: str
    chunks: int


def query_text(question: str, history: Sequence[Mapping[str, str]] | None, turns: int) -> str:
    """The question followed by the most recent `turns` turns of the conversation, newest first.

    Follow-up questions ("what about for a van?") name little; the turns before them name the
    topic. The question comes first so that a truncating encoder keeps it.
    """
    recent = [t.get("text", "") for t in (history or [])][-turns:] if turns else []
    return "\n".join([question, *reversed([t for t in recent if t.strip()])])


class Index:
    """Chunks stored with a dense and a BM25 vector each, searched by fusing both in Qdrant."""

    def __init__(self, store: Store, embedder: Embedder, bm25: Bm25, retrieval: Retrieval) -> None:
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.retrieval = retrieval
        self.unoptimized = 0  # chunks written since the last optimize(), by this process
        self.generation = 0  # counts this process's writes and deletes (stats caches key on it)

    @property
    def history_turns(self) -> int:
        """Previous turns a search adds to the question as context."""
        return self.retrieval.history_turns

    def embed(self, chunks: Sequence[Chunk]) -> list[list[float]]:
        """Dense vectors for chunks (the slow stage of ingestion)."""
        return self.embedder.embed([c.indexed_text for c in chunks])

    def write(self, chunks: Sequence[Chunk], dense: Sequence[list[float]] | None = None) -> int:
        """Upsert chunks by their deterministic ids; returns how many were written."""
        vectors = list(dense) if dense is not None else self.embed(chunks)
        self.unoptimized += len(chunks)
        self.generation += 1
        self.store.upsert(
            [
                Point(
                    id=c.id, dense=v, sparse=self.bm25.document(c.indexed_text), payload=c.payload()
                )
                for c, v in zip(chunks, vectors, strict=True)
            ]
        )
        return len(chunks)

    def documents(
        self, tenant: str, kinds: Iterable[str] | None = None
    ) -> dict[str, DocumentState]:
        """Every document of a tenant with its hash, source and chunk count."""
        where = Where(must=(Condition("tenant", (tenant,)),))
        if kinds:
            where = where.and_(Condition("kind", tuple(kinds)))
        return self._states(where)

    def document(self, tenant: str, doc_id: str) -> DocumentState | None:
        """One document's hash, source and chunk count (reads only its own chunks), or None."""
        where = Where(must=(Condition("tenant", (tenant,)), Condition("doc_id", (doc_id,))))
        return self._states(where).get(doc_id)

    def holds(self, tenant: str) -> bool:
        """Whether the tenant has any chunk (a count, not a scroll)."""
        return self.store.count(Where(must=(Condition("tenant", (tenant,)),))) > 0

    def _states(self, where: Where) -> dict[str, DocumentState]:
        hashes: dict[str, str] = {}
        sources: dict[str, str] = {}
        counts: Counter[str] = Counter()
        for point in self.store.scroll(where, fields=["doc_id", "doc_hash", "source"]):
            doc_id = point.payload["doc_id"]
            hashes[doc_id] = point.payload.get("doc_hash", "")
            sources[doc_id] = point.payload.get("source", "")
            counts[doc_id] += 1
        return {d: DocumentState(hashes[d], sources[d], counts[d]) for d in hashes}

    def delete_document(self, tenant: str, doc_id: str, keep_hash: str | None = None) -> None:
        """Delete a document's chunks, or only those not of version `keep_hash`."""
        where = Where(must=(Condition("tenant", (tenant,)), Condition("doc_id", (doc_id,))))
        if keep_hash is not None:
            where = Where(must=where.must, must_not=(Condition("doc_hash", (keep_hash,)),))
        self.generation += 1
        self.store.delete(where)

    def search(
        self,
        tenant: str,
        query: str,
        *,
        history: Sequence[Mapping[str, str]] | None = None,
        filters: Mapping[str, Any] | None = None,
        top_k: int = 10,
        mode: Mode = "hybrid",
        audience: str = "agent",
    ) -> list[SearchResult]:
        """The top_k chunks of a tenant for a query, with conversation history as context.

        Dense and BM25 are fused inside Qdrant; with history, a second search for the bare
        question re-ranks passages within the documents the conversation points to.
        """
        where = to_where(filters, tenant, audience)
        settings = self.retrieval
        contextual = query_text(query, history, settings.history_turns)
        limit = max(top_k, settings.candidates)
        texts = [contextual] if contextual == query else [contextual, query]
        # One embedding call for both texts: the model's cost is per call more than per text.
        dense = self.embedder.embed(texts) if mode in ("hybrid", "dense") else [[] for _ in texts]
        hits = [self._retrieve(t, v, where, limit, mode) for t, v in zip(texts, dense, strict=True)]
        ctx_hits, q_hits = hits[0], hits[-1]
        # Qdrant's DBSF already returns scores on a common scale; other fusions are rescaled.
        fused = mode == "hybrid" and settings.fusion == "dbsf"
        ranked = two_level(ctx_hits, q_hits, settings.weights, already_normalized=fused)
        return [SearchResult.from_payload(h.id, h.score, h.payload) for h in ranked[:top_k]]

    def _retrieve(
        self, text: str, vector: list[float], where: Where, limit: int, mode: Mode
    ) -> list[ScoredPoint]:
        """One search in Qdrant: dense and BM25 prefetches fused, or one retriever alone."""
        return self.store.query(
            HybridQuery(
                where=where,
                limit=limit,
                dense=[vector] if mode in ("hybrid", "dense") else [],
                sparse=[self.bm25.query(text)] if mode in ("hybrid", "bm25") else [],
                prefetch_limit=max(self.retrieval.prefetch_limit, limit),
                fusion=self.retrieval.fusion,
                rrf_k=self.retrieval.rrf_k,
            )
        )

    def get_interaction(
        self, tenant: str, interaction_id: str, audience: str = "agent"
    ) -> Interaction:
        """An ingested interaction with every turn, read back from its resolution chunk.

        Interactions are staff-only: for the customer audience none exists.
        """
        if audience != "agent":
            raise DocumentNotFound(interaction_id)
        where = Where(
            must=(
                Condition("tenant", (tenant,)),
                Condition("doc_id", (interaction_id,)),
                Condition("kind", ("resolution",)),
            )
        )
        for point in self.store.scroll(where):
            return interaction_from_payload(point.payload)
        raise DocumentNotFound(interaction_id)

    def stats(self) -> list[dict[str, Any]]:
        """Documents and chunks per tenant and kind."""
        chunks: Counter[tuple[str, str]] = Counter()
        docs: dict[tuple[str, str], set[str]] = {}
        for point in self.store.scroll(Where(), fields=["tenant", "kind", "doc_id"]):
            key = (point.payload.get("tenant", ""), point.payload.get("kind", ""))
            chunks[key] += 1
            docs.setdefault(key, set()).add(point.payload.get("doc_id", ""))
        return [
            {"tenant": t, "kind": k, "documents": len(docs[(t, k)]), "chunks": chunks[(t, k)]}
            for t, k in sorted(chunks)
        ]

    def optimize(self) -> None:
        """Let the store build its indexes after bulk writes."""
        optimize = getattr(self.store, "optimize", None)
        if optimize:
            optimize()
        self.unoptimized = 0

    def close(self) -> None:
        self.store.close()
