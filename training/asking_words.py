"""The words answerable questions use without the retrieved chunks holding them: the candidates
for ``answers.coverage.ASKING_WORDS``, counted over dev-set feature files only (never the
sample set, which judges the coverage feature).

    python training/asking_words.py /tmp/feat/clapnq.jsonl /tmp/feat/doc2dial.jsonl \\
        /tmp/feat/mtrag.jsonl --min-sets 2 --min-questions 3
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from answers.coverage import held  # noqa: E402
from casebook.sentences import terms  # noqa: E402


def missing_counts(path: Path) -> tuple[Counter[str], int]:
    """Per word, in how many answerable questions of one feature file no chunk holds it."""
    counts: Counter[str] = Counter()
    questions = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if not row["answerable"]:
                continue
            questions += 1
            pool = set(row["pool"])
            by_prefix: dict[str, list[str]] = {}
            for p in pool:
                by_prefix.setdefault(p[:4], []).append(p)
            words = dict.fromkeys(terms(row["question"]))
            counts.update(w for w in words if not held(w, pool, by_prefix))
    return counts, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("features", type=Path, nargs="+")
    parser.add_argument("--min-sets", type=int, default=2, help="Missing in this many sets.")
    parser.add_argument("--min-questions", type=int, default=3, help="...and this many questions.")
    parser.add_argument("--json", action="store_true", help="Print the words as JSON.")
    args = parser.parse_args()
    per_set = {}
    for path in args.features:
        counts, questions = missing_counts(path)
        per_set[path.stem] = counts
        print(f"{path.stem}: {questions} answerable questions", file=sys.stderr)
    total: Counter[str] = sum(per_set.values(), Counter())
    words = sorted(
        w
        for w, n in total.items()
        if n >= args.min_questions and sum(w in c for c in per_set.values()) >= args.min_sets
    )
    if args.json:
        print(json.dumps(words))
        return
    for w in sorted(words, key=lambda w: -total[w]):
        print(f"{w:16} {total[w]:4}  " + "  ".join(f"{s} {c[w]}" for s, c in per_set.items()))


if __name__ == "__main__":
    main()
