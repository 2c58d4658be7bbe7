"""Refine the answer reranker on the candidates the product actually shows it (stage 2, on CPU).

    # units of each training set as the answer path gathers them (question, unit, right)
    python training/fit_answerability.py extract --set clapnq --reranker answers/reranker \\
        --out /tmp/units/clapnq.jsonl
    python training/refine_reranker.py --from answers/reranker \\
        --units /tmp/units/doc2dial.jsonl /tmp/units/clapnq.jsonl /tmp/units/mtrag.jsonl \\
        --out /tmp/rr-refined [--heldout /tmp/units/sample.jsonl]

Stage 1 (training/train_reranker.py) learns from sentences a TF-IDF search ranks; at run time
the reranker reads something else: the answer units of the retrieved chunks (FAQ answer cells,
table rows, steps, turns, sentences) that the cheap features put first, written by
``answers.evidence.unit_passage``. Its hardest cases there are siblings of the answer in the
same section ("To get a new set of backup codes..." beside "You get 10 backup codes"). This
stage trains on exactly those: every unit the reranker read for a training question, labelled
right when it holds the answer (``fit_answerability.unit_right``), unanswerable questions' units
all wrong. Fixed seed; the Platt calibration is refitted on 10 % of the questions held back.
With --heldout, units of a set it never saw are scored: how often the best one is right.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from fit_answerability import load, questions_only  # noqa: E402
from train_reranker import SEED, fit_platt, save, score, train  # noqa: E402


def unit_pairs(rows: list[dict]) -> list[tuple[str, str, float]]:
    """(query, passage, right) for every unit the reranker read."""
    return [(r["query"], u["passage"], float(u["right"])) for r in rows for u in r["units"]]


def best_right(model, tokenizer, rows: list[dict]) -> tuple[np.ndarray, np.ndarray, float]:  # type: ignore[no-untyped-def]
    """Per question: the best unit's score and whether it is right; the share of answerable
    questions whose best unit is right."""
    best, right, hits = [], [], []
    for r in rows:
        if not r["units"]:
            continue
        s = score(model, tokenizer, unit_pairs([r]))
        i = int(np.argmax(s))
        best.append(float(s[i]))
        right.append(float(r["units"][i]["right"]))
        if r["answerable"]:
            hits.append(float(r["units"][i]["right"]))
    return np.array(best), np.array(right), round(float(np.mean(hits)), 4) if hits else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="start", type=Path, required=True, help="Stage-1 model.")
    parser.add_argument("--units", type=Path, nargs="+", required=True)
    parser.add_argument("--heldout", type=Path, nargs="*", default=[])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = parser.parse_args()

    from answers.reranker import Reranker

    random.seed(SEED)
    np.random.seed(SEED)
    rows = questions_only(load(args.units), args.data_dir)
    random.Random(SEED).shuffle(rows)
    cut = int(len(rows) * 0.9)
    fit_rows, calib_rows = rows[:cut], rows[cut:]
    pairs = unit_pairs(fit_rows)
    print(f"refining on {len(pairs)} unit pairs from {len(fit_rows)} questions", flush=True)
    reranker = Reranker(args.start, dtype="float32")
    model, tokenizer = reranker.model.float(), reranker.tokenizer
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    before = {p.name: best_right(model, tokenizer, load([p]))[2] for p in args.heldout}
    started = time.time()
    train(model, tokenizer, pairs, args.epochs, args.batch, args.lr)
    seconds = time.time() - started
    best, right, _ = best_right(model, tokenizer, calib_rows)
    a, b = fit_platt(best, right)
    card = json.loads((args.start / "model.json").read_text(encoding="utf-8"))
    card["refined"] = {
        "on": sorted({r["set"] for r in rows}),
        "pairs": len(pairs), "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
        "seed": SEED, "seconds": round(seconds),
        "best_unit_right_calibration_split": best_right(model, tokenizer, calib_rows)[2],
        "heldout_best_unit_right": {
            p.name: {"before": before[p.name], "after": best_right(model, tokenizer, load([p]))[2]}
            for p in args.heldout
        },
    }  # fmt: skip
    card["calibration"] = {"a": a, "b": b, "fitted_on": "10% of refining questions held back"}
    print(json.dumps(card["refined"], indent=2), flush=True)
    save(model, args.out, card)


if __name__ == "__main__":
    main()
