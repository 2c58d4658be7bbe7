"""Answer benchmark: ingest a shared dataset, answer every question, score answers and abstentions.

    python bench/answers.py [--dataset doc2dial|clapnq|both] [--limit N] [--fit]
                            [--given-doc] [--data-dir DIR] [--out bench/results/answers.json]

Per dataset: citation precision (of the answered questions that have gold documents, the share
citing one), answered rate of answerable and unanswerable questions, token F1 and exact match
(SQuAD normalisation) of the answer without its markers against the gold grounding span
(doc2dial) or the reference answer (CLAPNQ), for the answered questions and for the sentences
selected before the abstention decision; abstention precision and recall (an abstention is
right when the question is unanswerable or the answer would cite no gold document); a
reliability table and the Brier score of the confidence; p50 latency of ``answer``.

--fit refits the confidence (logistic regression, label "a cited document is a gold
document") on every question answered in this run and prints the constants to paste into
casebook/answer.py. Calibration is checked by five-fold cross-validation: questions are split
into folds by a hash of their conversation, a model fitted on four folds predicts the fifth, and
the scores, reliability table and Brier score of those held-out predictions are reported beside
the in-sample ones.
--given-doc adds a doc2dial row with the search filtered to the gold document, the setting of
the published span-selection results (bert-base F1 56.3, bert-large 63.0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casebook.offline import go_offline  # noqa: E402

go_offline()

from casebook import answer as answering  # noqa: E402
from casebook.evidence import gather  # noqa: E402
from casebook.index import Index  # noqa: E402
from casebook.settings import Settings  # noqa: E402
from casebook.wiring import open_index  # noqa: E402
from eval.answers import normalize, token_f1  # noqa: E402
from eval.datasets import Query, load_queries  # noqa: E402
from ingest.chunking import Chunker  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
PUBLISHED = {"bert-base": (56.3, 39.7), "bert-large": (63.0, 50.5)}  # doc2dial span F1 / EM
BINS = 10


# --- metrics ------------------------------------------------------------------------------


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize(prediction) == normalize(gold))


# --- one run over a dataset ---------------------------------------------------------------


@dataclass
class Record:
    """One question answered, with what is needed to score and to refit."""

    qid: str
    group: str  # the conversation: two folds never share one
    answerable: bool
    gold_docs: list[str]
    gold: str
    selected: str  # the selected sentences, whatever the decision
    selected_docs: list[str]
    features: dict[str, float]
    reason: str
    latency_s: float
    confidence: float = 0.0
    answered: bool = False

    @property
    def right(self) -> bool:
        """The label of the confidence: a cited document is a gold document."""
        return bool(set(self.selected_docs) & set(self.gold_docs))


def run(
    index: Index, queries: Sequence[Query], given_doc: bool = False, standalone: bool = True
) -> list[Record]:
    """Answer every query as the service does (a question answerable alone stands alone)."""
    records = []
    for q in queries:
        filters = {"doc_id": q.gold_doc_ids} if given_doc and q.gold_doc_ids else None
        start = time.perf_counter()
        evidence = gather(index, "bench", q.question, q.history, filters)
        if (
            standalone
            and evidence.conversational
            and answering.changes_topic(index, q.question, q.history)
        ):
            bare = gather(index, "bench", q.question, None, filters)
            evidence = answering.prefer_standalone(evidence, bare, answering.THRESHOLD)
        result = answering.decide(evidence)
        latency = time.perf_counter() - start
        features: dict[str, float] = {}
        selected, docs = "", []
        if evidence.sentences:
            chosen = answering.select(evidence)
            features = answering.confidence_features(evidence, chosen)
            selected = " ".join(evidence.quote(i) for i in chosen)
            docs = [evidence.hits[evidence.sentences[i][0]].doc_id for i in chosen]
        records.append(
            Record(
                qid=q.qid,
                group=str(q.metadata.get("dial_id") or q.qid),
                answerable=q.answerable,
                gold_docs=q.gold_doc_ids,
                gold=" ".join(s_text(q)),
                selected=selected,
                selected_docs=docs,
                features=features,
                reason=result.reason,
                latency_s=latency,
                confidence=result.confidence,
                answered=result.answerable,
            )
        )
    return records


def s_text(q: Query) -> list[str]:
    return [q.reference_answer] if not q.gold_spans else [_span_text(q, s) for s in q.gold_spans]


_CORPUS: dict[str, str] = {}


def _span_text(q: Query, span: Any) -> str:
    return _CORPUS.get(span.doc_id, "")[span.start : span.end]


def redecide(records: list[Record], coefficients: dict[str, float], threshold: float) -> None:
    """Apply another confidence model to recorded features (after --fit)."""
    for r in records:
        if r.features:
            r.confidence = answering.confidence(r.features, coefficients)
            r.answered = r.confidence >= threshold
            r.reason = "" if r.answered else answering.LOW_CONFIDENCE


# --- calibration --------------------------------------------------------------------------


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Weights (bias first) of a logistic regression by Newton's method (IRLS), with L2."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    penalty = l2 * np.eye(len(w))
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_confidence(records: Sequence[Record]) -> dict[str, float]:
    """Coefficients on the raw features (fitted standardised, then mapped back)."""
    names = answering.CONFIDENCE_FEATURES
    x = np.array([[answering.design(r.features)[k] for k in names] for r in records])
    y = np.array([float(r.right) for r in records])
    mean, scale = x.mean(0), x.std(0) + 1e-9
    w = fit_logistic((x - mean) / scale, y)
    raw = w[1:] / scale
    return {"bias": float(w[0] - raw @ mean)} | {
        k: float(v) for k, v in zip(names, raw, strict=True)
    }


FOLDS = 5


def fold(record: Record) -> int:
    return hashlib.sha256(record.group.encode()).digest()[0] % FOLDS


def reliability(records: Sequence[Record]) -> tuple[list[dict[str, float]], float]:
    """Predicted-probability bins with observed accuracy, and the Brier score."""
    p = np.array([r.confidence for r in records])
    y = np.array([float(r.right) for r in records])
    bins = []
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        mask = (p >= low) & ((p < high) if b < BINS - 1 else (p <= high))
        if mask.any():
            bins.append(
                {"bin": f"{low:.1f}-{high:.1f}", "n": int(mask.sum()),
                 "predicted": round(float(p[mask].mean()), 3),
                 "observed": round(float(y[mask].mean()), 3)}
            )  # fmt: skip
    return bins, round(float(np.mean((p - y) ** 2)), 4) if len(p) else float("nan")


# --- report -------------------------------------------------------------------------------


def score(records: Sequence[Record]) -> dict[str, Any]:
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    answered = [r for r in records if r.answered]
    with_gold = [r for r in answered if r.gold_docs]
    should_abstain = [r for r in records if not r.answerable or not r.right]
    abstained = [r for r in records if not r.answered]
    correct_abstentions = [r for r in abstained if not r.answerable or not r.right]
    scored = [r for r in answered if r.answerable and r.gold]
    all_answerable = [r for r in answerable if r.gold]
    latencies = sorted(r.latency_s for r in records)

    def mean(values: Sequence[float]) -> float:
        return round(float(np.mean(values)), 4) if len(values) else float("nan")

    bins, brier = reliability([r for r in records if r.features])
    return {
        "questions": len(records),
        "answerable": len(answerable),
        "citation_precision": mean([r.right for r in with_gold]),
        "answered_rate_answerable": mean([r.answered for r in answerable]),
        "answered_rate_unanswerable": mean([r.answered for r in unanswerable]),
        "abstain_rate_unanswerable": mean([not r.answered for r in unanswerable]),
        "f1_answered": mean([token_f1(r.selected, r.gold) for r in scored]),
        "em_answered": mean([exact_match(r.selected, r.gold) for r in scored]),
        "f1_all_answerable": mean(
            [token_f1(r.selected, r.gold) if r.answered else 0.0 for r in all_answerable]
        ),
        "f1_selected": mean([token_f1(r.selected, r.gold) for r in all_answerable]),
        "em_selected": mean([exact_match(r.selected, r.gold) for r in all_answerable]),
        "selected_doc_precision": mean([r.right for r in answerable if r.features]),
        "abstention_precision": mean(
            [1.0] * len(correct_abstentions) + [0.0] * (len(abstained) - len(correct_abstentions))
        ),
        "abstention_recall": mean([not r.answered for r in should_abstain]),
        "reasons": dict(Counter(r.reason or "answered" for r in records)),
        "brier": brier,
        "reliability": bins,
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else 0.0,
    }


ROWS = (
    ("citation precision (answered)", "citation_precision"),
    ("answered, answerable", "answered_rate_answerable"),
    ("answered, unanswerable", "answered_rate_unanswerable"),
    ("token F1, answered", "f1_answered"),
    ("EM, answered", "em_answered"),
    ("token F1, all answerable (abstain = 0)", "f1_all_answerable"),
    ("token F1, selected before abstaining", "f1_selected"),
    ("EM, selected before abstaining", "em_selected"),
    ("abstention precision", "abstention_precision"),
    ("abstention recall", "abstention_recall"),
    ("Brier score", "brier"),
    ("p50 latency ms", "p50_ms"),
)


def print_table(results: dict[str, dict[str, Any]]) -> None:
    names = list(results)
    print("\n" + f"{'metric':<40}" + "".join(f"{n:>18}" for n in names))
    for label, key in ROWS:
        print(f"{label:<40}" + "".join(f"{_fmt(results[n].get(key)):>18}" for n in names))
    for name in names:
        print(f"\n{name}: reliability (confidence bin, n, mean predicted, observed accuracy)")
        for b in results[name]["reliability"]:
            print(f"  {b['bin']}  {b['n']:>5}  {b['predicted']:.3f}  {b['observed']:.3f}")
        print(f"  reasons: {results[name]['reasons']}")


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


# --- main ---------------------------------------------------------------------------------


def open_dataset(name: str, data_dir: Path) -> tuple[Index, list[Query], dict[str, Any]]:
    """A fresh (or reused) Edge index over a dataset's corpus, and its questions."""
    folder = DATASETS / name
    settings = Settings(data_dir=data_dir / name, qdrant_url=None)
    index = open_index(settings)
    chunker = Chunker(index.embedder.tokens, settings.chunk_tokens, settings.chunk_overlap)
    start = time.perf_counter()
    report = ingest(index, chunker, [folder / "corpus.jsonl"], tenant="bench")
    if report.added or report.updated:
        index.optimize()
    with (folder / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                _CORPUS[str(row["doc_id"])] = row["text"]
    stats = {"chunks": sum(s.chunks for s in index.documents("bench").values()),
             "ingest_s": round(time.perf_counter() - start, 1)}  # fmt: skip
    return index, load_queries(folder), stats


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dataset", choices=("doc2dial", "clapnq", "both"), default="both")
    parser.add_argument(
        "--limit", type=int, default=0, help="Answer an even sample of N questions."
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/answers.json"))
    parser.add_argument("--fit", action="store_true", help="Refit the confidence and print it.")
    parser.add_argument("--given-doc", action="store_true", help="Add a gold-document row.")
    parser.add_argument("--threshold", type=float, default=answering.THRESHOLD)
    parser.add_argument(
        "--no-standalone",
        action="store_true",
        help="Always answer from the conversation (the baseline of prefer_standalone).",
    )
    parser.add_argument("--save-records", type=Path, help="Write every answered question here.")
    parser.add_argument(
        "--from-records", type=Path, help="Score (and --fit) saved records; answer nothing."
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="Keep the indexes here (reused when rerun)."
    )
    args = parser.parse_args()
    names = ("doc2dial", "clapnq") if args.dataset == "both" else (args.dataset,)

    records: dict[str, list[Record]] = {}
    stats: dict[str, Any] = {}
    if args.from_records:
        saved = json.loads(args.from_records.read_text())
        records = {n: [Record(**r) for r in rs] for n, rs in saved["records"].items()}
        stats = saved["datasets"]
        names = ()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch)
        for name in names:
            index, queries, stats[name] = open_dataset(name, data_dir)
            if args.limit and len(queries) > args.limit:
                queries = queries[:: len(queries) // args.limit][: args.limit]
            try:
                records[name] = run(index, queries, standalone=not args.no_standalone)
                if args.given_doc and name == "doc2dial":
                    records["doc2dial given doc"] = run(index, queries, given_doc=True)
            finally:
                index.close()

    if args.save_records:
        args.save_records.write_text(
            json.dumps(
                {
                    "datasets": stats,
                    "records": {n: [vars(r) for r in rs] for n, rs in records.items()},
                }
            )
        )
    coefficients, threshold = dict(answering.CONFIDENCE), args.threshold
    held_out: dict[str, Any] = {}
    if args.from_records and not args.fit:  # saved decisions may predate the current model
        for rs in records.values():
            redecide(rs, coefficients, threshold)
    if args.fit:
        fitted = [r for n, rs in records.items() if "given" not in n for r in rs if r.features]
        coefficients = fit_confidence(fitted)
        crossed: list[Record] = []
        for side in range(FOLDS):
            model = fit_confidence([r for r in fitted if fold(r) != side])
            test = [Record(**vars(r)) for r in fitted if fold(r) == side]
            redecide(test, model, threshold)
            crossed += test
        held_out = {name: score([r for r in crossed if r.qid in {x.qid for x in rs}])
                    for name, rs in records.items() if "given" not in name}  # fmt: skip
        for rs in records.values():
            redecide(rs, coefficients, threshold)

    results = {name: score(rs) for name, rs in records.items()}
    print_table(results)
    if held_out:
        print(f"\n{FOLDS}-fold cross-validation (fit on the other folds' conversations):")
        print_table(held_out)
        print("\nfitted confidence (paste into casebook/answer.py):")
        print(
            "CONFIDENCE = {" + ", ".join(f'"{k}": {v:.4f}' for k, v in coefficients.items()) + "}"
        )
    sweep = threshold_sweep(records, coefficients)
    print("\nthreshold sweep:")
    for row in sweep:
        print("  " + "  ".join(f"{k}={v}" for k, v in row.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": " ".join(["python", *sys.argv]),
                "datasets": stats,
                "threshold": threshold,
                "confidence": coefficients,
                "results": results,
                "held_out": held_out,
                "threshold_sweep": sweep,
                "published_doc2dial_span_selection": PUBLISHED,
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")


def threshold_sweep(
    records: dict[str, list[Record]], coefficients: dict[str, float]
) -> list[dict[str, Any]]:
    """How answered rates and citation precision move with the abstention threshold."""
    rows = []
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        row: dict[str, Any] = {"threshold": t}
        for name, rs in records.items():
            copy = [Record(**vars(r)) for r in rs]
            redecide(copy, coefficients, t)
            s = score(copy)
            row[name] = {k: s[k] for k in ("citation_precision", "answered_rate_answerable",
                                            "abstain_rate_unanswerable")}  # fmt: skip
        rows.append(row)
    return rows


if __name__ == "__main__":
    main()
