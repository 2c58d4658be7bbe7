"""Gates: each metric against its threshold, and against a stored baseline result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from eval.suite import Gate


@dataclass(frozen=True)
class Check:
    """One gate or baseline comparison and whether it passed."""

    metric: str
    value: float | None
    bound: str  # ">= 0.9", "<= 500", "baseline 0.93 - 0.02"
    passed: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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


def compare_baseline(
    metrics: Mapping[str, float | None], baseline: Mapping[str, Any], tolerance: float
) -> list[Check]:
    """Quality metrics (not latency) may not fall more than `tolerance` below the baseline's."""
    checks = []
    for name, before in sorted(baseline.items()):
        if name.startswith("latency.") or not isinstance(before, int | float):
            continue
        value = metrics.get(name)
        if value is None:
            continue
        ok = value >= before - tolerance
        checks.append(Check(name, value, f"baseline {before} - {tolerance}", ok))
    return checks
