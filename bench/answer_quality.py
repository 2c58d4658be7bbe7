"""Answer benchmark: answer every question of a set through the product's answer path and score it.

    python bench/answer_quality.py [--dataset sample,doc2dial,clapnq,mtrag] [--limit N]
                            [--threshold T] [--data-dir DIR] [--out bench/results/answers.json]

Sets: ``sample`` (casebook/sample with eval/suites/sample/queries.jsonl), and the shared
doc2dial, CLAPNQ and MTRAG dev sets (MTRAG's corpus is the pool of its reference passages).
Per set, for the answerable questions: the share answered, the share of answers citing a gold
document, and the share of answers that are right (every expected phrase in the answer; or the
gold span inside the quote; or token recall >= 0.5 against the reference answer); for the
unanswerable ones the share abstained; over all answers, the expected calibration error (ECE,
10 bins) of the confidence against "right", and the answers that were wrong with confidence
>= 0.8; p50 and p95 latency of one answer, and the reranker's share of it.

The reranker was trained on doc2dial, CLAPNQ and MTRAG (training/train_reranker.py); the
leave-one-dataset-out numbers come from the models trained without the set scored, passed
with --reranker DIR.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casebook.offline import go_offline  # noqa: E402

go_offline()

from answers import ask  # noqa: E402
from answers.reranker import MODEL_DIR, Reranker  # noqa: E402
from casebook.settings import Settings  # noqa: E402
from casebook.wiring import open_index  # noqa: E402
from eval.answers import answer_right, ece  # noqa: E402
from eval.datasets import Query, load_queries, read_jsonl  # noqa: E402
from service import ingestion  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
SAMPLE_CORPUS = ROOT / "casebook" / "sample"
SAMPLE_QUERIES = ROOT / "eval" / "suites" / "sample"
CONFIDENT = 0.8


class TimedReranker:
    """The reranker, with the time spent in it counted (its share of each answer)."""

    def __init__(self, reranker: Reranker) -> None:
        self.reranker = reranker
        self.seconds = 0.0

    def logits(self, query: str, passages: Sequence[str]) -> list[float]:
        start = time.perf_counter()
        try:
            return self.reranker.logits(query, passages)
        finally:
            self.seconds += time.perf_counter() - start

    def probability(self, logit: float) -> float:
        return self.reranker.probability(logit)


@dataclass
class Outcome:
    qid: str
    answerable: bool
    answered: bool
    confidence: float
    cited_gold: bool
    right: bool
    latency_s: float
    answer: str


def corpus_files(name: str, work: Path) -> tuple[list[Path], list[Query], dict[str, str]]:
    """What to ingest for a set, its questions, and the text of each document by id."""
    if name == "sample":
        return [SAMPLE_CORPUS], load_queries(SAMPLE_QUERIES), {}
    folder = DATASETS / name
    if name == "mtrag":
        rows = read_jsonl(folder / "generation_tasks.jsonl")
        passages = {
            d: t for r in rows
            for d, t in zip(r.get("gold_doc_ids") or [], r.get("reference_contexts") or [],
                            strict=False)
        }  # fmt: skip
        path = work / "mtrag-corpus.jsonl"
        path.write_text(
            "".join(json.dumps({"doc_id": d, "title": "", "text": t}) + "\n"
                    for d, t in passages.items()),
            encoding="utf-8",
        )  # fmt: skip
        queries = [
            Query(str(r["qid"]), r["question"], list(r.get("history") or []),
                  list(r.get("gold_doc_ids") or []), [], bool(r["answerable"]),
                  r.get("reference_answer") or "", r.get("metadata") or {})
            for r in rows
            if (r.get("metadata") or {}).get("answerability") in ("ANSWERABLE", "UNANSWERABLE")
        ]  # fmt: skip
        return [path], queries, passages
    docs = {str(r["doc_id"]): r["text"] for r in read_jsonl(folder / "corpus.jsonl")}
    return [folder / "corpus.jsonl"], load_queries(folder), docs


def spread(queries: list[Query], limit: int | None) -> list[Query]:
    """At most `limit` questions, evenly spread over the set (answerable and not alike)."""
    if not limit or len(queries) <= limit:
        return queries
    step = len(queries) / limit
    return [queries[int(i * step)] for i in range(limit)]




def score(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    answered = [o for o in answerable if o.answered]
    every_answer = [o for o in outcomes if o.answered]

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    latency = sorted(o.latency_s for o in outcomes)
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answered": share(len(answered), len(answerable)),
        "cited_gold": share(sum(o.cited_gold for o in answered), len(answered)),
        "right": share(sum(o.right for o in answered), len(answered)),
        "right_of_answerable": share(sum(o.right for o in answered), len(answerable)),
        "abstained_unanswerable": share(sum(not o.answered for o in unanswerable),
                                        len(unanswerable)),  # fmt: skip
        # calibration of every answered question's confidence against "right"
        "ece": ece(np.array([o.confidence for o in every_answer]),
                   np.array([float(o.right) for o in every_answer])),  # fmt: skip
        "confidently_wrong": sum(o.confidence >= CONFIDENT and not o.right for o in every_answer),
        "p50_ms": round(1000 * latency[len(latency) // 2], 1) if latency else None,
        "p95_ms": round(1000 * latency[int(len(latency) * 0.95)], 1) if latency else None,
    }


def run_set(
    name: str, limit: int | None, threshold: float, reranker: Reranker, work: Path
) -> tuple[dict[str, Any], list[Outcome]]:
    paths, queries, docs = corpus_files(name, work)
    settings = Settings(data_dir=work / name, qdrant_url=None, answer_min_confidence=threshold)
    index = open_index(settings)
    try:
        started = time.perf_counter()
        ingestion.ingestor(index, settings).run(paths, tenant="bench")
        index.optimize()
        ingest_s = time.perf_counter() - started
        timed = TimedReranker(reranker)
        answerer = ask.Answerer(index, settings, timed)  # type: ignore[arg-type]
        outcomes = []
        for q in spread(queries, limit):
            start = time.perf_counter()
            result = ask.answer(answerer, ask.Asked("bench", q.question, q.history)).answer
            latency = time.perf_counter() - start
            quoted = " ".join(c.quote for c in result.citations)
            spans = [docs.get(s.doc_id, "")[s.start : s.end] for s in q.gold_spans]
            expected = q.expected
            outcomes.append(
                Outcome(
                    q.qid, q.answerable, result.answerable, result.confidence,
                    bool({c.doc_id for c in result.citations} & set(q.gold_doc_ids)),
                    result.answerable and q.answerable
                    and answer_right(quoted, expected, spans, q.reference_answer),
                    latency, result.answer,
                )
            )  # fmt: skip
    finally:
        index.close()
    total = sum(o.latency_s for o in outcomes) or 1.0
    extra = {"ingest_s": round(ingest_s, 1), "rerank_share": round(timed.seconds / total, 3)}
    return score(outcomes) | extra, outcomes


def print_table(results: dict[str, dict[str, Any]]) -> None:
    keys = ["answered", "cited_gold", "right", "abstained_unanswerable", "ece",
            "confidently_wrong", "p50_ms", "rerank_share"]  # fmt: skip
    print(f"{'set':<10}" + "".join(f"{k:>24}" for k in keys))
    for name, row in results.items():
        print(f"{name:<10}" + "".join(f"{_fmt(row.get(k)):>24}" for k in keys))


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dataset", default="sample,doc2dial,clapnq,mtrag")
    parser.add_argument("--limit", type=int, default=None, help="Questions per set, spread.")
    parser.add_argument("--threshold", type=float, default=Settings().answer_min_confidence)
    parser.add_argument("--reranker", type=Path, default=MODEL_DIR, help="A reranker folder.")
    parser.add_argument("--data-dir", type=Path, help="Keep the indexes here (default: temp).")
    parser.add_argument("--out", type=Path, default=Path("bench/results/answers.json"))
    parser.add_argument("--show", action="store_true", help="Print every answer.")
    args = parser.parse_args()
    reranker = Reranker(args.reranker)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.data_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name in args.dataset.split(","):
            results[name], outcomes = run_set(name, args.limit, args.threshold, reranker, work)
            if args.show:
                for o in outcomes:
                    mark = "ok " if o.right or (not o.answerable and not o.answered) else "BAD"
                    print(f"{mark} {o.qid} {o.confidence:.2f} {o.answer[:150]!r}")
            print(name, json.dumps(results[name]), flush=True)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    body = {"reranker": str(args.reranker), "threshold": args.threshold, "sets": results}
    args.out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
