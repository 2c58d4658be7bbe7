"""Score one case at a time (a row per question or interaction), then average the rows."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from statistics import mean
from typing import Any

from eval.answers import abstention, best_f1, citation_correct
from eval.cases import Cases
from eval.datasets import Query
from eval.metrics import dedupe, first_hit_rank, mrr_at, ndcg_at, overlaps, recall_at
from eval.ragas_metrics import RagasScorer
from eval.rouge import rouge
from eval.suite import DataSet
from eval.targets import Hit, Target

Row = dict[str, Any]
Clock = dict[str, list[float]]  # stage -> seconds per call
CONTEXTS = 5  # chunks Ragas's context metrics look at: what the answerer reads by default


def _timed(clock: Clock, stage: str, call: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    try:
        return call()
    finally:
        clock.setdefault(stage, []).append(time.perf_counter() - start)


def gold_texts(q: Query, corpus: dict[str, str]) -> list[str]:
    """The gold grounding spans' text, else the reference contexts, else the reference answer."""
    spans = [corpus.get(s.doc_id, "")[s.start : s.end] for s in q.gold_spans]
    spans = [s for s in spans if s.strip()]
    return spans or q.reference_contexts or ([q.reference_answer] if q.reference_answer else [])


def retrieval_row(q: Query, hits: Sequence[Hit]) -> Row:
    """Document metrics of the ranking, and span metrics where gold spans and offsets exist."""
    docs = dedupe([h.doc_id for h in hits])
    gold = set(q.gold_doc_ids)
    row: Row = {
        "recall@1": recall_at(docs, gold, 1),
        "recall@5": recall_at(docs, gold, 5),
        "recall@10": recall_at(docs, gold, 10),
        "mrr@10": mrr_at(docs, gold, 10),
        "ndcg@10": ndcg_at(docs, gold, 10),
    }
    if q.gold_spans and hits and hits[0].start >= 0:
        relevant = [
            any(
                h.doc_id == s.doc_id and overlaps(h.start, h.end, s.start, s.end)
                for s in q.gold_spans
            )
            for h in hits
        ]
        row["span_recall@10"] = float(any(relevant[:10]))
        row["span_mrr@10"] = first_hit_rank(relevant, 10)
    return row


def score_question(
    target: Target,
    scorer: RagasScorer,
    tenant: str,
    dataset: DataSet,
    q: Query,
    cases: Cases,
    clock: Clock,
) -> Row:
    """Every metric of one question: retrieval, Ragas contexts and, when asked, the answer."""
    row: Row = {
        "qid": q.qid,
        "question": q.question,
        "answerable": q.answerable,
        "gold_doc_ids": q.gold_doc_ids,
    }
    hits = _timed(
        clock,
        "search",
        lambda: target.search(tenant, q.question, q.history, dataset.top_k, dataset.mode),
    )
    row["retrieved"] = [
        {"doc_id": h.doc_id, "title": h.title, "text": h.text[:300]} for h in hits[:5]
    ]
    golds = gold_texts(q, cases.corpus)
    if q.gold_doc_ids:
        row |= retrieval_row(q, hits)
        top = hits[:CONTEXTS]
        row |= scorer.contexts(
            [h.doc_id for h in top], q.gold_doc_ids, [h.text for h in top], golds
        )
        row["gold_text"] = golds[0][:300] if golds else ""
    if dataset.answers:
        reply = _timed(
            clock,
            "answer",
            lambda: target.answer(tenant, q.question, q.history, dataset.answer_top_k),
        )
        row |= {
            "answered": reply.answerable,
            "answer": reply.text[:500],
            "cited": reply.cited_doc_ids,
        }
        if reply.answerable and q.answerable and q.gold_doc_ids:
            row["answer.citation_correct"] = citation_correct(reply.cited_doc_ids, q.gold_doc_ids)
        if reply.answerable and q.answerable and golds:
            row["answer.token_f1"] = best_f1(reply.text, golds)
            reference = q.reference_answer or golds[0]
            row |= scorer.response(reply.text, reference)
    return row


def score_summary(target: Target, tenant: str, record: dict[str, Any], clock: Clock) -> Row:
    """ROUGE (eval/rouge.py, best over the references) of one interaction's summary."""
    interaction_id = str(record["interaction_id"])
    text = _timed(clock, "summary", lambda: target.summarize(tenant, interaction_id))
    scores = rouge(text, record["reference_summaries"])
    return {"qid": interaction_id, "summary": text[:500]} | {
        f"summary.{k}": v for k, v in scores.items()
    }


SKIP = {
    "qid",
    "question",
    "answerable",
    "gold_doc_ids",
    "retrieved",
    "gold_text",
    "answered",
    "answer",
    "cited",
    "summary",
}


def aggregate(rows: Sequence[Row]) -> dict[str, float | None]:
    """Mean of each metric over the rows that have it, plus abstention over answered rows."""
    names = sorted({k for r in rows for k in r if k not in SKIP})
    out: dict[str, float | None] = {}
    for name in names:
        values = [float(r[name]) for r in rows if r.get(name) is not None]
        out[name] = round(mean(values), 4) if values else None
    answered = [r for r in rows if "answered" in r]
    if answered:
        out |= {
            k: (round(v, 4) if v is not None else None)
            for k, v in abstention(
                [r["answered"] for r in answered], [r["answerable"] for r in answered]
            ).items()
        }
    return out


def percentiles(clock: Clock) -> dict[str, dict[str, float]]:
    """p50 and p95 in milliseconds per stage."""
    out = {}
    for stage, seconds in clock.items():
        ordered = sorted(seconds)
        if ordered:
            out[stage] = {
                "p50_ms": round(1000 * ordered[len(ordered) // 2], 1),
                "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
                "n": len(ordered),
            }
    return out
