"""Gates: each metric against its threshold, and against a stored baseline result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from eval.suite import Gate

LOWER_IS_BETTER = ("confidently_wrong_rate",)  # metric name endings where a rise is a drop


@dataclass(frozen=True)
class Check:
    """One gate or baseline comparison and whether it passed."""

    metric: str
    value: float | None
    bound: str  # ">= 0.9", "<= 500", "baseline 0.93 - 0.02"
    passed: bool
    kind: Literal["gate", "baseline"] = "gate"
    before: float | None = None  # the baseline's value


def check_gates(metrics: Mapping[str, float | None], gates: Sequence[Gate]) -> list[Check]:
    """Every gate; a metric the run did not produce fails its gate."""
    checks = []
    for gate in gates:
        value = metrics.get(gate.metric)
        if gate.min is not None:
            ok = value is not None and value >= gate.min
            checks.append(Check(gate.metric, value, f">= {gate.min}", ok))
        if gate.max is not None:
            ok = value is not None and value <= gate.max
            checks.append(Check(gate.metric, value, f"<= {gate.max}", ok))
    return checks


def quality(name: str, value: Any) -> bool:
    """Whether a stored metric is compared with a baseline: a number, not latency."""
    return not name.startswith("latency.") and isinstance(value, int | float)


def compare_baseline(
    metrics: Mapping[str, float | None],
    baseline: Mapping[str, Any],
    tolerance: float,
    gated: Sequence[str] = (),
) -> list[Check]:
    """Quality metrics (not latency) may not get worse by more than `tolerance`; a gated
    metric the baseline has and this run lacks fails, and so does sharing no metric at all."""
    checks = []
    for name, before in sorted(baseline.items()):
        if not quality(name, before):
            continue
        value = metrics.get(name)
        if value is None:
            if name in gated:
                checks.append(Check(name, None, "missing (gated)", False, "baseline", before))
            continue
        if name.endswith(LOWER_IS_BETTER):
            bound, ok = f"baseline {before} + {tolerance}", value <= before + tolerance
        else:
            bound, ok = f"baseline {before} - {tolerance}", value >= before - tolerance
        checks.append(Check(name, value, bound, ok, "baseline", before))
    if not checks:
        checks.append(Check("(all)", None, "baseline shares no metric", False, "baseline"))
    return checks
