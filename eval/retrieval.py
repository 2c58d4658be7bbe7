"""Retrieval quality of an index on a question set: document and chunk (span) metrics."""

from __future__ import annotations

import time
from collections.abc import Sequence
from statistics import mean

from casebook.index import Index, Mode
from eval.datasets import Query
from eval.metrics import dedupe, first_hit_rank, mrr_at, ndcg_at, overlaps, recall_at

CANDIDATES = 50  # chunks retrieved per question; documents are their first appearances


def evaluate_retrieval(
    index: Index, queries: Sequence[Query], tenant: str, mode: Mode, with_history: bool
) -> dict[str, float]:
    """Mean recall@1/5/10, MRR@10, nDCG@10 by document, chunk MRR@10 by span, p50 latency.

    Questions without gold documents (unanswerable ones) are left out: they have nothing to find.
    """
    queries = [q for q in queries if q.gold_doc_ids]
    rows: dict[str, list[float]] = {k: [] for k in ("r1", "r5", "r10", "mrr10", "ndcg10", "cmrr10")}
    latencies = []
    for q in queries:
        start = time.perf_counter()
        hits = index.search(
            tenant,
            q.question,
            history=q.history if with_history else None,
            top_k=CANDIDATES,
            mode=mode,
        )
        latencies.append(time.perf_counter() - start)
        docs = dedupe([h.doc_id for h in hits])
        gold = set(q.gold_doc_ids)
        rows["r1"].append(recall_at(docs, gold, 1))
        rows["r5"].append(recall_at(docs, gold, 5))
        rows["r10"].append(recall_at(docs, gold, 10))
        rows["mrr10"].append(mrr_at(docs, gold, 10))
        rows["ndcg10"].append(ndcg_at(docs, gold, 10))
        if q.gold_spans:
            relevant = [
                any(
                    h.doc_id == s.doc_id and overlaps(h.start, h.end, s.start, s.end)
                    for s in q.gold_spans
                )
                for h in hits
            ]
            rows["cmrr10"].append(first_hit_rank(relevant, 10))
    out = {k: round(mean(v), 4) if v else float("nan") for k, v in rows.items()}
    latencies.sort()
    out["p50_ms"] = round(1000 * latencies[len(latencies) // 2], 1) if latencies else 0.0
    return out
