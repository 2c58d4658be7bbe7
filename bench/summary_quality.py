"""Summary benchmark: summarise every interaction of a dataset and score it with ROUGE.

    python bench/summary_quality.py [--dataset ../shared/datasets/tweetsumm] [--limit N]
                              [--no-embedder] [--stem] [--out bench/results/summaries.json]

ROUGE-1/2/L F1 (eval/rouge.py over rouge-score: best over each interaction's reference
summaries; --stem adds its Porter stemmer) of the ``summary`` text without its "[tN]" markers.
The baseline is the lead summary: the first customer turn and the last agent turn, as written.
Two controls split the gain: the lead turns cleaned as Casebook cleans quotes, and the same
turns laid out as Casebook lays out a summary (section and role labels, status), so the labels'
share of the score shows. "quotes only" is Casebook's selected sentences without any labels. The
last columns give ROUGE-L on TweetSumm's own train and valid splits (the scoring weights were set
on train).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casebook.offline import go_offline  # noqa: E402

go_offline()

from casebook.interactions import (  # noqa: E402
    Interaction,
    Turn,
    normalize_channel,
    normalize_role,
)
from casebook.shapes import to_json  # noqa: E402
from eval.rouge import rouge  # noqa: E402
from summaries.cues import clean  # noqa: E402
from summaries.interaction import Summary, summarize  # noqa: E402
from summaries.status import Citation, infer_status  # noqa: E402

METRICS = ("rouge1", "rouge2", "rougeL")


def load(folder: Path, limit: int = 0) -> list[tuple[Interaction, list[str], str]]:
    """(interaction, reference summaries, split) for each line of interactions.jsonl."""
    out = []
    with (folder / "interactions.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            turns = [Turn(normalize_role(t["role"]), t["text"]) for t in row["turns"]]
            interaction = Interaction(
                str(row["interaction_id"]), normalize_channel(row["channel"]), turns
            )
            split = (row.get("metadata") or {}).get("tweetsumm_split") or row.get("split", "")
            out.append((interaction, list(row["reference_summaries"]), str(split)))
            if limit and len(out) >= limit:
                break
    return out


def lead_turns(interaction: Interaction) -> list[tuple[int, Turn]]:
    """The first customer turn and the last agent turn (the lead baseline's text)."""
    numbered = list(enumerate(interaction.turns))
    first = [(n, t) for n, t in numbered if t.role == "customer" and t.text.strip()][:1]
    last = [(n, t) for n, t in numbered if t.role == "agent" and t.text.strip()][-1:]
    return first + last


def lead(interaction: Interaction) -> str:
    return " ".join(t.text for _, t in lead_turns(interaction))


def lead_cleaned(interaction: Interaction) -> str:
    return " ".join(clean(t.text) for _, t in lead_turns(interaction))


def lead_laid_out(interaction: Interaction) -> str:
    """The lead turns in Casebook's layout: Issue / Resolution lines and the status line."""
    cites = [Citation(n, t.role, clean(t.text)) for n, t in lead_turns(interaction)]
    status, source = infer_status(interaction)
    issue = [c for c in cites if c.role == "customer"]
    resolution = [c for c in cites if c.role != "customer"]
    summary = Summary(interaction.interaction_id, issue, [], resolution, status, source)
    return summary.text(markers=False)


def quotes_only(summary: Summary) -> str:
    return " ".join(c.quote for c in [*summary.issue, *summary.actions, *summary.resolution])


def score(
    texts: Sequence[str], items: Sequence[tuple[Interaction, list[str], str]], stem: bool = False
) -> dict[str, float]:
    """Mean ROUGE F1 over the items, overall and (ROUGE-L) per split, and mean length."""
    scores = [rouge(t, refs, stemmed=stem) for t, (_, refs, _) in zip(texts, items, strict=True)]
    out = {m: statistics.mean(s[m] for s in scores) for m in METRICS}
    out["words"] = statistics.mean(len(t.split()) for t in texts)
    for split in sorted({split for _, _, split in items}):
        picked = [s["rougeL"] for s, (_, _, sp) in zip(scores, items, strict=True) if sp == split]
        out[f"rougeL_{split}"] = statistics.mean(picked)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=ROOT.parent / "shared/datasets/tweetsumm")
    parser.add_argument("--limit", type=int, default=0, help="Only the first N interactions.")
    parser.add_argument(
        "--no-embedder", action="store_true", help="Skip the run with the embedding model."
    )
    parser.add_argument(
        "--stem", action="store_true", help="Score with rouge-score's Porter stemmer."
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/summaries.json"))
    args = parser.parse_args()

    items = load(args.dataset, args.limit)
    interactions = [interaction for interaction, _, _ in items]
    rows: dict[str, list[str]] = {
        "lead (baseline)": [lead(i) for i in interactions],
        "lead, cleaned": [lead_cleaned(i) for i in interactions],
        "lead, Casebook layout": [lead_laid_out(i) for i in interactions],
    }
    timings: dict[str, float] = {}
    runs: list[tuple[str, Callable[[Interaction], Summary]]] = [("casebook", summarize)]
    if not args.no_embedder:
        from casebook.embedding import load_embedder

        embedder = load_embedder(None, 32, "auto")
        runs.append(("casebook +embedder", lambda i: summarize(i, embedder)))
    statuses: dict[str, dict[str, int]] = {}
    examples: list[dict[str, Any]] = []
    for name, run in runs:
        start = time.perf_counter()
        summaries = [run(i) for i in interactions]
        timings[name] = (time.perf_counter() - start) / max(len(items), 1) * 1000
        if name == "casebook":
            rows["casebook quotes only"] = [quotes_only(s) for s in summaries]
            examples = [to_json(s) for s in summaries[:3]]
        rows[name] = [s.text(markers=False) for s in summaries]
        statuses[name] = dict(Counter(s.status for s in summaries))

    results = {name: score(texts, items, args.stem) for name, texts in rows.items()}
    base = results["lead (baseline)"]["rougeL"]
    splits = sorted(k for k in results["lead (baseline)"] if k.startswith("rougeL_"))
    stemmed = ", stemmed" if args.stem else ""
    print(f"\n{args.dataset.name}: {len(items)} interactions, ROUGE F1{stemmed}")
    header = f"{'summary':<24}" + "".join(
        f"{c:>10}"
        for c in ("R-1", "R-2", "R-L", "words", "R-L gain", *(f"R-L {k[7:]}" for k in splits))
    )
    print(header)
    for name, r in results.items():
        gain = r["rougeL"] / base - 1 if base else float("nan")
        print(
            f"{name:<24}"
            + "".join(f"{r[m]:>10.4f}" for m in METRICS)
            + f"{r['words']:>10.1f}{gain:>+10.1%}"
            + "".join(f"{r[k]:>10.4f}" for k in splits)
        )
    for name, ms in timings.items():
        print(f"{name}: {ms:.1f} ms per interaction, statuses {statuses[name]}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "dataset": args.dataset.name,
                "interactions": len(items),
                "metric": "ROUGE F1, best over references, of the summary without markers",
                "stemmed": args.stem,
                "results": results,
                "rougeL_gain_over_lead": {
                    name: r["rougeL"] / base - 1 if base else None for name, r in results.items()
                },
                "ms_per_interaction": timings,
                "statuses": statuses,
                "examples": examples,
                "command": " ".join(["python", *sys.argv]),
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
