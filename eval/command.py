"""`casebook eval run`: run a suite, apply its gates and a baseline, print and write results."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from casebook.shapes import to_json
from eval.baseline import baseline_text, case_changes, metric_deltas
from eval.gates import check_gates, compare_baseline
from eval.report import failures_table, metrics_table, write_report
from eval.runner import run_suite
from eval.suite import SuiteError, load_suite, parse_override

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_TARGET = 0, 1, 2, 3


def read_baseline(path: Path) -> dict[str, Any]:
    """A stored results.json (or a bare {metric: value} object)."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SuiteError(f"cannot read baseline {path}: {exc}") from exc
    if not isinstance(stored, dict):
        raise SuiteError(f"baseline {path}: not a results.json object")
    return stored


def evaluate(
    suite_name: str,
    *,
    against: str | None = None,
    key: str | None = None,
    baseline: Path | None = None,
    tolerance: float = 0.02,
    progress: bool = True,
    overrides: Sequence[str] = (),
) -> dict[str, Any]:
    """The suite's result with its checks and a `passed` flag (bad input: SuiteError)."""
    suite = load_suite(suite_name, overrides=[parse_override(o) for o in overrides])
    stored = read_baseline(baseline) if baseline is not None else None
    result = run_suite(suite, against=against, key=key, progress=progress)
    checks = check_gates(result["metrics"], suite.gates)
    if stored is not None:
        before = stored.get("metrics", stored)
        gated = [g.metric for g in suite.gates]
        checks += compare_baseline(result["metrics"], before, tolerance, gated)
        result["baseline"] = {
            "file": str(baseline),
            "tolerance": tolerance,
            "metrics": metric_deltas(result["metrics"], before),
            **case_changes(result, stored, tolerance),
            "missing": sorted(
                n
                for n, v in before.items()
                if isinstance(v, int | float) and result["metrics"].get(n) is None
            ),  # fmt: skip
        }
    result["checks"] = [to_json(c) for c in checks]
    result["passed"] = all(c.passed for c in checks)
    return result


def emit(
    result: dict[str, Any], as_json: bool, report: Path | None, echo: Callable[..., Any]
) -> int:
    """Print the table (or JSON), write the report, and return the exit status."""
    if report is not None:
        write_report(result, report)
    compared = result.get("baseline")
    if as_json:
        echo(json.dumps(result, ensure_ascii=False))
    else:
        echo(metrics_table(result))
        for note in result["notes"]:
            echo(f"note: {note}")
        if compared:
            echo("\n" + baseline_text(compared))
    if compared and compared["missing"]:
        echo(f"warning: {len(compared['missing'])} baseline metric(s) missing from this run: "
             f"{', '.join(compared['missing'][:10])}", err=True)  # fmt: skip
    failed = [c for c in result["checks"] if not c["passed"]]
    for kind, label in (("gate", "gate(s)"), ("baseline", "baseline comparison(s)")):
        these = [c for c in failed if c.get("kind", "gate") == kind]
        if these:
            echo(f"\n{len(these)} {label} failed:\n{failures_table(these)}", err=True)
    return EXIT_FAILED if failed else EXIT_PASSED
