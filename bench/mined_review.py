"""Mined-case review: mine the shared TweetSumm and doc2dial interactions, sample cases to read.

    python bench/mined_review.py [--datasets ../shared/datasets] [--part held-out|dev|all]
                                 [--n 30] [--seed 13] [--exclude seen.json] [--json out.json]

Each dataset is split by line: the rules were developed on the first lines (TweetSumm < 500,
doc2dial < 260), and reviewed on the rest (the held-out part). The sample is stratified: each
dataset gets its share of the n cases in proportion to the cases it yields, at least 5 for
doc2dial when it yields that many. It prints each sampled case (question, expected answer, the
interaction's turns) for a verdict by hand; --json writes them; --exclude leaves out the cases of
an earlier --json file, so a second sample is drawn from cases not yet seen.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casebook.offline import go_offline  # noqa: E402

go_offline()

from ingest.readers.interactions_jsonl import record_to_interaction  # noqa: E402
from mining.cases import Fit, distinct, fitting, interaction_case, reranker_fit  # noqa: E402

DEV_LINES = {"tweetsumm": 500, "doc2dial": 260}  # lines below these were used to write the rules
MIN_DOC2DIAL = 5


def mined(folder: Path, name: str, part: str, fit: Fit | None) -> list[dict[str, Any]]:
    """The cases one dataset's interactions make in the part asked for, with line and turns
    (only those the reranker judges answered, as mining keeps them, unless fit is None)."""
    cases = []
    lines = (folder / name / "interactions.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        held_out = number >= DEV_LINES[name]
        if not line.strip() or part == "dev" and held_out or part == "held-out" and not held_out:
            continue
        interaction = record_to_interaction(json.loads(line), name)
        case = interaction_case(interaction)
        if case is not None:
            turns = [f"{t.role}: {t.text}" for t in interaction.turns]
            cases.append({**case, "dataset": name, "line": number, "turns": turns})
    return distinct(cases if fit is None else fitting(cases, fit))


def shares(yields: dict[str, int], n: int) -> dict[str, int]:
    """How many cases to sample from each dataset: in proportion, doc2dial at least 5."""
    total = sum(yields.values()) or 1
    share = max(round(n * yields["doc2dial"] / total), MIN_DOC2DIAL)
    doc2dial = min(yields["doc2dial"], share, n)
    return {"doc2dial": doc2dial, "tweetsumm": min(yields["tweetsumm"], n - doc2dial)}


def sample(by_set: dict[str, list[dict[str, Any]]], n: int, seed: int) -> list[dict[str, Any]]:
    """n cases drawn with one seeded generator, stratified by dataset."""
    rng = random.Random(seed)
    wanted = shares({name: len(cases) for name, cases in by_set.items()}, n)
    return [case for name in sorted(by_set) for case in rng.sample(by_set[name], wanted[name])]


def show(number: int, case: dict[str, Any]) -> str:
    """One sampled case as text to read."""
    head = f"#{number} {case['dataset']} line {case['line']} ({case['metadata']['fix_kind']})"
    turns = "\n".join(f"      {t}" for t in case["turns"])
    return f"{head}\n  Q: {case['question']}\n  A: {case['reference_answer']}\n{turns}\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared/datasets")
    parser.add_argument("--part", choices=("held-out", "dev", "all"), default="held-out")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--exclude", type=Path, help="A --json file whose cases are left out.")
    parser.add_argument("--json", type=Path, help="Write the sampled cases here.")
    parser.add_argument(
        "--no-fit", action="store_true", help="Keep cases the reranker judges unanswered."
    )
    args = parser.parse_args()

    fit = None if args.no_fit else reranker_fit()
    seen = set()
    if args.exclude:
        seen = {c["qid"] for c in json.loads(args.exclude.read_text(encoding="utf-8"))}
    by_set = {
        name: [c for c in mined(args.datasets, name, args.part, fit) if c["qid"] not in seen]
        for name in sorted(DEV_LINES)
    }
    for name, cases in by_set.items():
        kinds = {k: sum(c["metadata"]["fix_kind"] == k for c in cases) for k in ("action",
                 "instruction", "answer")}  # fmt: skip
        print(f"{name} ({args.part}): {len(cases)} cases {kinds}")
    picked = sample(by_set, args.n, args.seed)
    print()
    for number, case in enumerate(picked, 1):
        print(show(number, case))
    if args.json:
        args.json.write_text(json.dumps(picked, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
