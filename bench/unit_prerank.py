"""Pre-rank benchmark: how often the answer unit is among those the reranker reads.

    python bench/unit_prerank.py [--dataset sample,clapnq,doc2dial,mtrag] [--limit N]
                                 [--out bench/results/unit-prerank.json]

``answers.evidence`` scores every unit of the top chunks with cheap features (embedding and
word closeness, the chunk's rank) and lets the reranker read only the best ``RERANK`` of them;
an answer unit ranked below that is never quoted. Per set, over the answerable questions with
a right unit among the candidates (labelled as ``training/fit_answerability.py`` labels them),
this prints the share whose best right unit is in the top 4, 8 and 12 under the shipped cheap
weights (the baseline, same run) and under each variant. No variant is fitted: each is judged
on all four sets at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "training"))

from answer_quality import corpus_files, spread  # noqa: E402
from fit_answerability import unit_right  # noqa: E402

from answers.evidence import CHEAP, gather  # noqa: E402
from casebook.settings import Settings  # noqa: E402
from casebook.wiring import open_index  # noqa: E402
from service.ingestion import ingestor as Ingestor  # noqa: E402

VARIANTS: dict[str, dict[str, float]] = {
    "shipped": dict(CHEAP),
    "+ topic 0.5": {**CHEAP, "cos_topic": 0.5},
    "+ topic 1.0": {**CHEAP, "cos_topic": 1.0},
    "chunk 1.0": {**CHEAP, "chunk": 1.0},
}
DEPTHS = (4, 8, 12)


def ranks(name: str, limit: int | None) -> list[dict[str, int]]:
    """Per answerable question with a right unit: that unit's best rank under each variant."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths, queries, _ = corpus_files(name, work)
        settings = Settings(data_dir=work / "index", qdrant_url=None)
        index = open_index(settings)
        try:
            Ingestor(index, settings).run(paths, tenant="bench")
            index.optimize()
            for q in spread(queries, limit):
                if not q.answerable:
                    continue
                ev = gather(index, "bench", q.question, q.history)
                right = []
                for i, (_, unit) in enumerate(ev.units):
                    hit = ev.hit_of(i)
                    start, end = hit.start + unit.start, hit.start + unit.end
                    right.append(unit_right(name, q, hit.doc_id, start, end, ev.quote(i)))
                if not any(right):
                    continue
                row = {}
                for variant, weights in VARIANTS.items():
                    cheap = sum(w * ev.features[k] for k, w in weights.items())
                    order = list(np.argsort(-np.asarray(cheap), kind="stable"))
                    row[variant] = min(order.index(i) for i, r in enumerate(right) if r)
                out.append(row)
        finally:
            index.close()
    return out


def summarise(rows: list[dict[str, int]]) -> dict[str, Any]:
    return {
        "questions": len(rows),
        **{
            variant: {f"top{d}": round(sum(r[variant] < d for r in rows) / len(rows), 4)
                      for d in DEPTHS}
            for variant in VARIANTS
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="sample,clapnq,doc2dial,mtrag")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/unit-prerank.json")
    args = parser.parse_args()
    results = {}
    for name in args.dataset.split(","):
        results[name] = summarise(ranks(name, args.limit))
        print(name, json.dumps(results[name]), flush=True)
    header = f"{'set':10} {'variant':14}" + "".join(f"{'top' + str(d):>8}" for d in DEPTHS)
    print(header)
    for name, res in results.items():
        for variant in VARIANTS:
            cells = "".join(f"{res[variant][f'top{d}']:>8.3f}" for d in DEPTHS)
            print(f"{name:10} {variant:14}{cells}")
    command = f"python bench/unit_prerank.py --dataset {args.dataset} --limit {args.limit}"
    body = {"command": command, "cheap_weights": VARIANTS, "results": results}
    args.out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
