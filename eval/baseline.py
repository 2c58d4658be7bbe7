"""A run beside a stored one: before, after and delta per metric; cases that got worse or better."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.gates import LOWER_IS_BETTER, quality

CASE_METRICS = (
    "ndcg@10", "recall@5", "context_recall", "answer.token_f1", "summary.rougeL",
)  # fmt: skip
RIGHT = "right"


def metric_deltas(after: Mapping[str, Any], before: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Before, after and delta of every quality metric either run has."""
    names = sorted(n for n in {*after, *before} if quality(n, after.get(n, before.get(n, 0))))
    out = []
    for name in names:
        old, new = before.get(name), after.get(name)
        delta = round(new - old, 4) if isinstance(old, int | float) and new is not None else None
        out.append({"metric": name, "before": old, "after": new, "delta": delta})
    return out


def _changes(
    old: Mapping[str, Any], new: Mapping[str, Any], tolerance: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(worse, better): the per-case metrics and the verdict that moved beyond tolerance."""
    worse: list[dict[str, Any]] = []
    better: list[dict[str, Any]] = []
    for name in CASE_METRICS:
        a, b = old.get(name), new.get(name)
        if isinstance(a, int | float) and isinstance(b, int | float) and abs(b - a) > tolerance:
            sign = -1 if name.endswith(LOWER_IS_BETTER) else 1
            (better if sign * (b - a) > 0 else worse).append(
                {"metric": name, "before": a, "after": b}
            )
    a, b = old.get("verdict"), new.get("verdict")
    if a and b and a != b and RIGHT in (a, b):
        (better if b == RIGHT else worse).append({"metric": "verdict", "before": a, "after": b})
    return worse, better


def case_changes(
    after: Mapping[str, Any], before: Mapping[str, Any], tolerance: float
) -> dict[str, list[dict[str, Any]]]:
    """The cases (by set and qid) that got worse and better, with their before and after."""
    out: dict[str, list[dict[str, Any]]] = {"worse": [], "better": []}
    for name, data in (after.get("sets") or {}).items():
        stored = {r["qid"]: r for r in ((before.get("sets") or {}).get(name) or {}).get("rows", [])}
        for row in data.get("rows", []):
            old = stored.get(row["qid"])
            if old is None:
                continue
            worse, better = _changes(old, row, tolerance)
            case = {"set": name, "qid": row["qid"], "question": row.get("question", "")[:120]}
            if worse:
                out["worse"].append(case | {"changes": worse})
            if better:
                out["better"].append(case | {"changes": better})
    return out


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def baseline_text(comparison: Mapping[str, Any], shown: int = 20) -> str:
    """The metric table and the lists of cases that moved, for the terminal and the report."""
    lines = [f"Baseline {comparison['file']}:", "", "| metric | before | after | delta |",
             "|---|---|---|---|"]  # fmt: skip
    for m in comparison["metrics"]:
        delta = "" if m["delta"] is None else f"{m['delta']:+.3f}"
        lines.append(f"| {m['metric']} | {_fmt(m['before'])} | {_fmt(m['after'])} | {delta} |")
    for label in ("worse", "better"):
        cases: Sequence[dict[str, Any]] = comparison[label]
        lines += ["", f"Cases that got {label}: {len(cases)}"]
        for case in cases[:shown]:
            moves = "; ".join(
                f"{c['metric']} {_fmt(c['before'])} -> {_fmt(c['after'])}" for c in case["changes"]
            )
            lines.append(f"- {case['set']} {case['qid']}: {moves} ({case['question']})")
        if len(cases) > shown:
            lines.append(f"- ... {len(cases) - shown} more in results.json")
    return "\n".join(lines)
