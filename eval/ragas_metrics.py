"""Ragas metrics that need no judge (the judged ones are in eval/ragas_judge.py).

Ragas 0.4.3's single-turn metrics (``ragas.metrics``) are used as they are; only the embedding
model is ours, wrapped in Ragas's embeddings interface so semantic similarity runs offline.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from casebook.embedding import Embedder
from casebook.settings import Settings
from eval.ragas_judge import NO_JUDGE, Judge, judge_note

__all__ = ["NO_JUDGE", "CasebookEmbeddings", "RagasScorer"]

warnings.filterwarnings("ignore", category=DeprecationWarning, module="ragas")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from ragas import SingleTurnSample
    from ragas.embeddings import BaseRagasEmbeddings
    from ragas.metrics import (  # the single-turn metrics; collections has no ID-based ones
        IDBasedContextRecall,
        RougeScore,
        SemanticSimilarity,
    )
    from ragas.run_config import RunConfig


class CasebookEmbeddings(BaseRagasEmbeddings):
    """Casebook's own embedding model behind Ragas's embeddings interface."""

    def __init__(self, embedder: Embedder) -> None:
        super().__init__()
        self.embedder = embedder
        self.set_run_config(RunConfig())

    def embed_query(self, text: str) -> list[float]:
        return list(self.embedder.embed([text])[0])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(v) for v in self.embedder.embed(texts)]

    async def aembed_query(self, text: str) -> list[float]:
        return self.embed_query(text)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)


class RagasScorer:
    """The judge-free Ragas metrics of one retrieval and answer, and the judged ones when
    settings name a judge."""

    def __init__(self, embedder: Embedder, settings: Settings | None = None) -> None:
        self.id_recall = IDBasedContextRecall()
        self.rouge = RougeScore(rouge_type="rougeL")
        embeddings = CasebookEmbeddings(embedder)
        self.similarity = SemanticSimilarity(embeddings=embeddings)
        self.judge_note = judge_note(settings) if settings is not None else NO_JUDGE
        self.judge = Judge(settings, embeddings) if settings and not self.judge_note else None

    def contexts(self, retrieved_ids: Sequence[str], gold_ids: Sequence[str]) -> dict[str, float]:
        """Ragas ID-based context recall: the gold documents among the retrieved chunks'."""
        sample = SingleTurnSample(
            retrieved_context_ids=list(retrieved_ids), reference_context_ids=list(gold_ids)
        )
        return {"ragas.id_context_recall": _score(self.id_recall, sample)}

    def response(self, response: str, reference: str) -> dict[str, float | None]:
        """ROUGE-L and semantic similarity (Casebook's embedder) of an answer to its reference."""
        sample = SingleTurnSample(response=response, reference=reference)
        return {
            "ragas.answer_rougeL": _score(self.rouge, sample),
            "ragas.answer_similarity": _score(self.similarity, sample),
        }

    def judged(
        self, question: str, answer: str, contexts: Sequence[str], reference: str
    ) -> dict[str, float | None]:
        """Faithfulness, factual correctness and response relevancy; {} without a judge."""
        if self.judge is None:
            return {}
        return self.judge.score(question, answer, contexts, reference)


def _score(metric: Any, sample: SingleTurnSample) -> float:
    return float(metric.single_turn_score(sample))
