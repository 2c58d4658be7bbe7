"""`casebook eval run`: run a suite, apply its gates and a baseline, print and write results."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.gates import check_gates, compare_baseline
from eval.report import failures_table, metrics_table, write_report
from eval.runner import run_suite
from eval.suite import load_suite


def evaluate(
    suite_name: str,
    *,
    against: str | None = None,
    key: str | None = None,
    baseline: Path | None = None,
    tolerance: float = 0.02,
    progress: bool = True,
) -> dict[str, Any]:
    """The suite's result with its checks and a `passed` flag."""
    suite = load_suite(suite_name)
    result = run_suite(suite, against=against, key=key, progress=progress)
    checks = check_gates(result["metrics"], suite.gates)
    if baseline is not None:
        stored = json.loads(baseline.read_text(encoding="utf-8"))
        checks += compare_baseline(result["metrics"], stored.get("metrics", stored), tolerance)
    result["checks"] = [c.to_json() for c in checks]
    result["passed"] = all(c.passed for c in checks)
    return result


def emit(
    result: dict[str, Any], as_json: bool, report: Path | None, echo: Callable[..., Any]
) -> int:
    """Print the table (or JSON), write the report, and return the exit status."""
    if report is not None:
        write_report(result, report)
    if as_json:
        echo(json.dumps(result, ensure_ascii=False))
    else:
        echo(metrics_table(result))
        for note in result["notes"]:
            echo(f"note: {note}")
    failed = [c for c in result["checks"] if not c["passed"]]
    if failed:
        echo(f"\n{len(failed)} gate(s) failed:\n{failures_table(failed)}", err=True)
        return 1
    return 0
