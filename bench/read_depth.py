"""Read-depth benchmark: how many units the answer reranker needs to read, and what it adds.

    python bench/read_depth.py --features /tmp/feat/clapnq.jsonl /tmp/feat/mtrag.jsonl ... \\
        [--out bench/results/read-depth.json]

The feature files come from ``training/fit_answerability.py extract`` (units scored by a reranker
that never saw the set). Per set, over the answerable questions with a right unit among those
read: the share whose chosen unit is right when the reranker reads the best N units by the cheap
features (N = 4, 6, 8 and 12, the baseline), under the shipped unit model; with the quantity
rule (``answers.decision.quantity_of``) at the shipped depth, and how often it changed the
choice; the same with each single feature choosing alone; and the AUC of "answerable" against
the best unit's logit, with and without the reranker's term. Nothing is fitted here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from answers.decision import ANSWERABILITY  # noqa: E402
from answers.evidence import CHEAP, RERANK  # noqa: E402

DEPTHS = (4, 6, 8, 12)
ALONE = ("rerank", "cos_q", "cos_ctx", "cos_topic", "chunk", "lexical")


def logit(unit: dict, without: tuple[str, ...] = ()) -> float:
    weights = ANSWERABILITY["weights"]
    return ANSWERABILITY["bias"] + sum(
        w * unit["features"][k] for k, w in weights.items() if k not in without
    )


def cheap(unit: dict) -> float:
    return sum(w * unit["features"][k] for k, w in CHEAP.items())


def auc(labels: list[bool], scores: list[float]) -> float | None:
    """The chance that a random positive scores above a random negative (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 3)


def judge(rows: list[dict]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    answerable = [r for r in rows if r["answerable"] and any(u["right"] for u in r["units"])]
    for n in DEPTHS:
        right = 0
        for r in answerable:
            read = sorted(r["units"], key=lambda u: -cheap(u))[:n]
            right += bool(max(read, key=logit)["right"])
        out[f"right_reading_{n}"] = round(right / len(answerable), 3)
    # answers.decision.quantity_of (without its threshold check): a question for a quantity whose
    # best unit holds no number quotes the best unit that holds one
    changed = {"fired": 0, "wrong_to_right": 0, "right_to_wrong": 0}
    right = 0
    for r in answerable:
        read = sorted(r["units"], key=lambda u: -cheap(u))[:RERANK]
        best = chosen = max(read, key=logit)
        if best["features"]["number_fit"] < 0:
            numbers = [u for u in read if u["features"]["number_fit"] > 0]
            chosen = max(numbers, key=logit) if numbers else best
        if chosen is not best:
            changed["fired"] += 1
            changed["wrong_to_right"] += not best["right"] and chosen["right"]
            changed["right_to_wrong"] += best["right"] and not chosen["right"]
        right += bool(chosen["right"])
    out[f"right_reading_{RERANK}_with_quantity_rule"] = round(right / len(answerable), 3)
    out |= {f"quantity_rule_{k}": v for k, v in changed.items()}
    for feature in ALONE:
        right = sum(bool(max(r["units"], key=lambda u: u["features"][feature])["right"])
                    for r in answerable)  # fmt: skip
        out[f"right_by_{feature}_alone"] = round(right / len(answerable), 3)
    asked = [r for r in rows if r["units"]]
    labels = [bool(r["answerable"]) for r in asked]
    out["auc_answerable"] = auc(labels, [max(map(logit, r["units"])) for r in asked])
    out["auc_answerable_without_rerank"] = auc(
        labels, [max(logit(u, ("rerank",)) for u in r["units"]) for r in asked]
    )
    out["questions"] = len(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--features", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, default=Path("bench/results/read-depth.json"))
    args = parser.parse_args()
    results = {}
    for path in args.features:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        results[rows[0]["set"]] = judge(rows)
    keys = list(next(iter(results.values())))
    print(f"{'':<34}" + "".join(f"{name:>10}" for name in results))
    for key in keys:
        print(f"{key:<34}" + "".join(f"{str(row[key]):>10}" for row in results.values()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    body = {"features": [str(p) for p in args.features], "sets": results}
    args.out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
