"""Ragas metrics: the ones that need no judge always, the LLM-judged ones when one is set.

Ragas 0.4.3's single-turn metrics (``ragas.metrics``) are used as they are; only the embedding
model is ours, wrapped in Ragas's embeddings interface so semantic similarity runs offline.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from casebook.embedding import Embedder
from casebook.settings import Settings

warnings.filterwarnings("ignore", category=DeprecationWarning, module="ragas")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from ragas import SingleTurnSample
    from ragas.embeddings import BaseRagasEmbeddings
    from ragas.metrics import (  # the single-turn metrics; collections has no ID-based ones
        IDBasedContextPrecision,
        IDBasedContextRecall,
        NonLLMContextRecall,
        RougeScore,
        SemanticSimilarity,
    )
    from ragas.run_config import RunConfig

JUDGE_METRICS = (
    "faithfulness",
    "response_relevancy",
    "llm_context_precision",
    "factual_correctness",
)
NO_JUDGE = (
    "LLM-judged Ragas metrics ({}) skipped: no judge endpoint configured "
    "(set CASEBOOK_LLM_PROVIDER, CASEBOOK_LLM_BASE_URL and CASEBOOK_LLM_MODEL)"
).format(", ".join(JUDGE_METRICS))


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
    """The judge-free Ragas metrics of one retrieval (and answer, when there is one)."""

    def __init__(self, embedder: Embedder) -> None:
        self.id_precision = IDBasedContextPrecision()
        self.id_recall = IDBasedContextRecall()
        self.context_recall = NonLLMContextRecall()
        self.rouge = RougeScore(rouge_type="rougeL")
        self.similarity = SemanticSimilarity(embeddings=CasebookEmbeddings(embedder))

    def contexts(
        self,
        retrieved_ids: Sequence[str],
        gold_ids: Sequence[str],
        retrieved: Sequence[str],
        reference: Sequence[str],
    ) -> dict[str, float | None]:
        """ID-based context precision and recall; non-LLM context recall where texts exist."""
        sample = SingleTurnSample(
            retrieved_context_ids=list(retrieved_ids), reference_context_ids=list(gold_ids)
        )
        out: dict[str, float | None] = {
            "ragas.id_context_precision": _score(self.id_precision, sample),
            "ragas.id_context_recall": _score(self.id_recall, sample),
            "ragas.context_recall": None,
        }
        if reference and retrieved:
            texts = SingleTurnSample(
                retrieved_contexts=list(retrieved), reference_contexts=list(reference)
            )
            out["ragas.context_recall"] = _score(self.context_recall, texts)
        return out

    def response(self, response: str, reference: str) -> dict[str, float | None]:
        """ROUGE-L and semantic similarity (Casebook's embedder) of an answer to its reference."""
        sample = SingleTurnSample(response=response, reference=reference)
        return {
            "ragas.answer_rougeL": _score(self.rouge, sample),
            "ragas.answer_similarity": _score(self.similarity, sample),
        }


def _score(metric: Any, sample: SingleTurnSample) -> float:
    return float(metric.single_turn_score(sample))


def judge_configured(settings: Settings) -> bool:
    """Whether settings name an LLM endpoint a judge could use."""
    return settings.llm_provider != "none" and bool(settings.llm_model)
