"""Retrieval benchmark: ingest a shared dataset, then score BM25, dense and hybrid search.

    python bench/retrieval.py --dataset ../shared/datasets/doc2dial [--limit N] [--out FILE]

Prints a table and writes JSON. Document metrics use the chunk ranking deduplicated to
documents; chunk MRR@10 counts a chunk relevant when its character range overlaps a gold span.
BM25-only in the same run is the baseline each row is compared with (ratio columns).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casebook.offline import go_offline  # noqa: E402

go_offline()

from casebook.settings import Settings  # noqa: E402
from casebook.wiring import open_index  # noqa: E402
from eval.datasets import load_queries  # noqa: E402
from eval.retrieval import evaluate_retrieval  # noqa: E402
from ingest.chunking import Chunker  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402

MODES = ("bm25", "dense", "hybrid")
RERANK_DEPTH = 20  # hybrid hits the reranker reorders


class RerankedIndex:
    """The index, with its hybrid hits reordered by the answer reranker (same call shape)."""

    def __init__(self, index: Any, reranker: Any, depth: int = RERANK_DEPTH) -> None:
        self.index, self.reranker, self.depth = index, reranker, depth

    def search(self, tenant: str, question: str, history: Any = None, **kw: Any) -> Any:
        from answers.reranker import query_text, rerank_hits

        hits = self.index.search(tenant, question, history=history, **kw)
        return rerank_hits(self.reranker, query_text(question, history), hits, self.depth)


def timed_embedder(index: Any, clock: dict[str, float]) -> None:
    """Wrap the embedder so the embedding stage's time is counted separately."""
    embed = index.embedder.embed

    def wrapped(texts: Any) -> Any:
        start = time.perf_counter()
        try:
            return embed(texts)
        finally:
            clock["embed_s"] += time.perf_counter() - start
            clock["embedded"] += len(texts)

    index.embedder.embed = wrapped


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=ROOT.parent / "shared/datasets/doc2dial")
    parser.add_argument("--limit", type=int, default=0, help="Score only the first N queries.")
    parser.add_argument("--out", type=Path, default=Path("bench/results/retrieval.json"))
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="Keep the index here (reused when rerun)."
    )
    parser.add_argument("--chunk-tokens", type=int, default=None)
    parser.add_argument("--chunk-overlap", type=int, default=None)
    parser.add_argument("--fusion", choices=("rrf", "dbsf"), default=None)
    parser.add_argument("--rrf-k", type=int, default=None)
    parser.add_argument("--history-turns", type=int, default=None)
    parser.add_argument(
        "--rerank", action="store_true",
        help=f"Also score hybrid search with its top {RERANK_DEPTH} reordered by the reranker.",
    )  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.data_dir or scratch
        overrides = {
            k: v
            for k, v in {
                "chunk_tokens": args.chunk_tokens,
                "chunk_overlap": args.chunk_overlap,
                "fusion": args.fusion,
                "rrf_k": args.rrf_k,
                "history_turns": args.history_turns,
            }.items()
            if v is not None
        }
        settings = Settings(data_dir=Path(tmp), qdrant_url=None, **overrides)
        index = open_index(settings)
        clock = {"embed_s": 0.0, "embedded": 0}
        timed_embedder(index, clock)
        chunker = Chunker(index.embedder.tokens, settings.chunk_tokens, settings.chunk_overlap)
        start = time.perf_counter()
        report = ingest(index, chunker, [args.dataset / "corpus.jsonl"], tenant="bench")
        ingest_s = time.perf_counter() - start
        embed_s, embedded = clock["embed_s"], clock["embedded"]
        throughput = {
            "documents": report.added,
            "chunks": report.chunks,
            "ingest_s": round(ingest_s, 1),
            "chunks_per_s_end_to_end": round(report.chunks / ingest_s, 1),
            "chunks_per_s_embedding": round(embedded / embed_s, 1) if embed_s else None,
        }
        queries = load_queries(args.dataset)
        if args.limit:
            queries = queries[: args.limit]
        results: dict[str, dict[str, float]] = {}
        for with_history in (False, True):
            for mode in MODES:
                name = f"{mode}{' +history' if with_history else ''}"
                results[name] = evaluate_retrieval(index, queries, "bench", mode, with_history)
            if args.rerank:
                from answers.reranker import packaged_reranker

                reranked = RerankedIndex(index, packaged_reranker())
                name = f"hybrid{' +history' if with_history else ''} +rerank"
                results[name] = evaluate_retrieval(
                    reranked, queries, "bench", "hybrid", with_history  # type: ignore[arg-type]
                )
        index.close()

    print(f"\n{args.dataset.name}: {len(queries)} queries, {throughput['chunks']} chunks")
    header = f"{'config':<26}" + "".join(
        f"{c:>9}"
        for c in ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "cMRR@10", "p50 ms", "nDCG/bm25")
    )
    print(header)
    for name, r in results.items():
        base = results["bm25 +history" if "history" in name else "bm25"]
        ratio = r["ndcg10"] / base["ndcg10"] if base["ndcg10"] else float("nan")
        print(
            f"{name:<26}"
            + "".join(f"{r[k]:>9.3f}" for k in ("r1", "r5", "r10", "mrr10", "ndcg10", "cmrr10"))
            + f"{r['p50_ms']:>9.1f}{ratio:>9.2f}"
        )
    print(
        f"\ningestion: {throughput['chunks_per_s_end_to_end']} chunks/s end to end, "
        f"{throughput['chunks_per_s_embedding']} chunks/s embedding alone "
        f"(embedding = {embed_s / ingest_s:.0%} of ingest time)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "dataset": args.dataset.name,
                "queries": len(queries),
                "settings": {
                    "chunk_tokens": settings.chunk_tokens,
                    "chunk_overlap": settings.chunk_overlap,
                    "fusion": settings.fusion,
                    "rrf_k": settings.rrf_k,
                    "history_turns": settings.history_turns,
                },
                "throughput": throughput,
                "results": results,
                "command": " ".join(sys.argv),
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
