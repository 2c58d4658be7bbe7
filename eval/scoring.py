"""Score one case at a time (a row per question or interaction), then average the rows."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from statistics import mean
from typing import Any

from eval.answers import abstention, best_f1, citation_correct
from eval.cases import Cases
from eval.contexts import average_precision, reference_sentences, sentence_recall
from eval.datasets import Query
from eval.metrics import dedupe, first_hit_rank, mrr_at, ndcg_at, overlaps, recall_at
from eval.ragas_metrics import RagasScorer
from eval.rouge import rouge
from eval.suite import DataSet
from eval.targets import Hit, Probe, Reply, Target
from eval.verdicts import judgeable, verdict, verdict_row

Row = dict[str, Any]
Clock = dict[str, list[float]]  # stage -> seconds per call
CONTEXTS = 5  # chunks Ragas's context metrics look at: what the answerer reads by default


def _timed(clock: Clock, stage: str, call: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    try:
        return call()
    finally:
        clock.setdefault(stage, []).append(time.perf_counter() - start)


def span_texts(q: Query, corpus: dict[str, str]) -> list[str]:
    """The gold grounding spans' text."""
    spans = [corpus.get(s.doc_id, "")[s.start : s.end] for s in q.gold_spans]
    return [s for s in spans if s.strip()]


def gold_texts(q: Query, corpus: dict[str, str]) -> list[str]:
    """The gold grounding spans' text, else the reference contexts, else the reference answer."""
    spans = span_texts(q, corpus)
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
    if len(gold) > 1:  # any acceptable document will do
        row |= {f"hit@{k}": float(bool(set(docs[:k]) & gold)) for k in (1, 5, 10)}
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


def context_row(q: Query, hits: Sequence[Hit], spans: Sequence[str], scorer: RagasScorer) -> Row:
    """What the answerer reads (the top CONTEXTS chunks): Ragas ID recall, precision over
    distinct documents, and the share of the reference sentences it holds."""
    top = hits[:CONTEXTS]
    ids = [h.doc_id for h in top]
    row: Row = scorer.contexts(ids, q.gold_doc_ids)
    row["context_precision"] = average_precision(ids, q.gold_doc_ids, CONTEXTS)
    sentences = reference_sentences(q.reference_contexts, spans)
    row["context_recall"] = sentence_recall([h.text for h in top], sentences)
    return row


def answer_row(q: Query, reply: Reply, spans: Sequence[str], golds: Sequence[str]) -> Row:
    """The verdict on an answer and its scores: citation, token F1, the correctness rates."""
    reference = q.reference_answer
    kind = verdict(reply.answerable, q.answerable, reply.text, q.expected, spans, reference)
    row: Row = {
        "answered": reply.answerable,
        "answer": reply.text[:500],
        "cited": reply.cited_doc_ids,
        "confidence": round(reply.confidence, 4),
        "generator": reply.generator,
        "fallback_reason": reply.fallback_reason,
        "verdict": kind,
        "expected": q.expected or ([q.reference_answer] if q.reference_answer else list(spans)),
    }
    row |= verdict_row(kind, q.answerable, judgeable(q.expected, spans, q.reference_answer),
                       reply.confidence)  # fmt: skip
    if reply.answerable and q.answerable and q.gold_doc_ids:
        row["answer.citation_correct"] = citation_correct(reply.cited_doc_ids, q.gold_doc_ids)
    references = [*golds, q.reference_answer] if q.reference_answer else list(golds)
    if reply.answerable and q.answerable and references:
        row["answer.token_f1"] = best_f1(reply.text, references)
    return row


def judge_reference(q: Query, golds: Sequence[str]) -> str:
    """What a right answer says: the reference answer, else the expected phrases, else the
    gold text."""
    return q.reference_answer or "; ".join(q.expected) or (golds[0] if golds else "")


def score_question(
    target: Target,
    scorer: RagasScorer,
    tenant: str,
    dataset: DataSet,
    q: Query,
    cases: Cases,
    clock: Clock,
) -> Row:
    """Every metric of one question: retrieval, contexts and, when asked, the answer."""
    row: Row = {
        "qid": q.qid,
        "question": q.question,
        "history": q.history,
        "answerable": q.answerable,
        "gold_doc_ids": q.gold_doc_ids,
    }
    exclude = list(q.metadata.get("exclude_doc_ids") or [])  # a mined case's own source
    probe = Probe(tenant, q.question, q.history, exclude)
    hits = _timed(clock, "search", lambda: target.search(probe, dataset.top_k, dataset.mode))
    row["retrieved"] = [
        {"doc_id": h.doc_id, "title": h.title, "text": h.text[:300]} for h in hits[:5]
    ]
    spans = span_texts(q, cases.corpus)
    golds = gold_texts(q, cases.corpus)
    if q.gold_doc_ids:
        row |= retrieval_row(q, hits) | context_row(q, hits, spans, scorer)
        row["gold_text"] = golds[0][:300] if golds else ""
    if dataset.answers:
        reply = _timed(clock, "answer", lambda: target.answer(probe, dataset.answer_top_k))
        row |= answer_row(q, reply, spans, golds)
        reference = judge_reference(q, golds)
        if reply.answerable and q.answerable and reference:
            row |= scorer.response(reply.text, reference)
            row |= scorer.judged(q.question, reply.text, [h.text for h in hits[:CONTEXTS]],
                                 reference)  # fmt: skip
    return row


def score_summary(target: Target, tenant: str, record: dict[str, Any], clock: Clock) -> Row:
    """ROUGE (eval/rouge.py, best over the references) of one interaction's summary."""
    interaction_id = str(record["interaction_id"])
    text = _timed(clock, "summary", lambda: target.summarize(tenant, interaction_id))
    scores = rouge(text, record["reference_summaries"])
    return {"qid": interaction_id, "summary": text[:500]} | {
        f"summary.{k}": v for k, v in scores.items()
    }


ANSWER_METRICS = (
    "answer.right_rate", "answer.right_when_answered", "answer.confidently_wrong_rate",
    "answer.citation_correct", "answer.token_f1",
)  # fmt: skip
SKIP = {
    "qid", "question", "history", "answerable", "gold_doc_ids", "retrieved", "gold_text",
    "answered", "answer", "cited", "summary", "confidence", "generator", "fallback_reason",
    "verdict", "expected",
}  # fmt: skip


def aggregate(rows: Sequence[Row]) -> dict[str, float | None]:
    """Mean of each metric over the rows that have it, plus abstention over answered rows."""
    names = {k for r in rows for k in r if k not in SKIP}
    if any("verdict" in r for r in rows):  # every answer metric, n/a (None) without cases
        names |= set(ANSWER_METRICS)
    out: dict[str, float | None] = {}
    for name in sorted(names):
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
