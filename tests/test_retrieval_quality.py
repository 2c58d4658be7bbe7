"""Retrieval quality gates on doc2dial dev (slow: ingests 273 documents, runs 3,160 questions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from backends import open_index, world_settings

from eval.datasets import load_queries
from eval.retrieval import evaluate_retrieval
from ingest.chunking import Chunker
from ingest.pipeline import ingest

DOC2DIAL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "doc2dial"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DOC2DIAL.exists(), reason="needs ../shared/datasets/doc2dial"),
]


@pytest.fixture(scope="module")
def doc2dial_scores(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("doc2dial")
    index = open_index("edge", folder, embedder, world_settings(folder))
    try:
        report = ingest(index, Chunker(embedder.tokens, 200, 40), [DOC2DIAL / "corpus.jsonl"])
        assert report.added == 273 and not report.failed
        queries = load_queries(DOC2DIAL)
        yield {
            mode: evaluate_retrieval(index, queries, "default", mode, with_history=True)
            for mode in ("bm25", "dense", "hybrid")
        }
    finally:
        index.close()


def test_hybrid_with_history_meets_document_targets(doc2dial_scores):
    hybrid = doc2dial_scores["hybrid"]
    assert hybrid["r5"] >= 0.95
    assert hybrid["ndcg10"] >= 0.88


def test_hybrid_is_at_least_as_good_as_either_retriever_alone(doc2dial_scores):
    hybrid, bm25, dense = (doc2dial_scores[m] for m in ("hybrid", "bm25", "dense"))
    for metric in ("r5", "ndcg10"):
        assert hybrid[metric] >= max(bm25[metric], dense[metric])


def test_chunks_overlapping_gold_spans_rank_high(doc2dial_scores):
    assert doc2dial_scores["hybrid"]["cmrr10"] >= 0.60
