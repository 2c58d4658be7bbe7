"""Results as JSON and as a Markdown report: metrics, gates, latency and the worst cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WORST = 5  # cases shown per set


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def metrics_table(result: dict[str, Any]) -> str:
    """One row per metric with its gate and whether it held."""
    gates = {c["metric"]: c for c in result.get("checks", []) if c.get("kind", "gate") == "gate"}
    lines = ["| metric | value | gate | |", "|---|---|---|---|"]
    for name, value in result["metrics"].items():
        gate = gates.get(name)
        status = "" if gate is None else ("pass" if gate["passed"] else "**FAIL**")
        lines.append(f"| {name} | {_fmt(value)} | {gate['bound'] if gate else ''} | {status} |")
    return "\n".join(lines)


def failures_table(checks: list[dict[str, Any]]) -> str:
    """The failed gates or baseline comparisons, with the baseline's value where there is one."""
    lines = ["| metric | value | bound | before | delta |", "|---|---|---|---|---|"]
    for c in checks:
        if c["passed"]:
            continue
        before = c.get("before")
        delta = "" if before is None or c["value"] is None else f"{c['value'] - before:+.3f}"
        lines.append(
            f"| {c['metric']} | {_fmt(c['value'])} | {c['bound']} | {_fmt(before)} | {delta} |"
        )
    return "\n".join(lines)


def worst(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lowest-scoring retrieval (or summary) cases."""
    key = "ndcg@10" if any("ndcg@10" in r for r in rows) else "summary.rougeL"
    scored = [r for r in rows if r.get(key) is not None]
    return sorted(scored, key=lambda r: r[key])[:WORST]


def markdown(result: dict[str, Any]) -> str:
    """The whole report."""
    out = [
        f"# Evaluation: {result['suite']}",
        "",
        f"Run {result['started']} against {result['target']}.",
    ]
    out += [
        "",
        f"**{'PASSED' if result.get('passed', True) else 'FAILED'}**",
        "",
        metrics_table(result),
    ]
    failed = [c for c in result.get("checks", []) if not c["passed"]]
    if failed:
        out += ["", "## Failures", "", failures_table(failed)]
    out += ["", "## Notes", ""] + [f"- {n}" for n in result["notes"]]
    out += ["- plots: not drawn (matplotlib is not installed)"]
    for name, data in result["sets"].items():
        out += ["", f"## Worst cases: {name}", ""]
        for r in worst(data["rows"]):
            if "summary" in r:
                out += [f"- `{r['qid']}` ROUGE-L {r['summary.rougeL']:.3f}: {r['summary'][:200]}"]
                continue
            out += [f"- `{r['qid']}` nDCG@10 {r['ndcg@10']:.3f}: {r['question'][:200]}"]
            out += [f"  - should have found: {', '.join(r['gold_doc_ids'])}"]
            if r.get("gold_text"):
                out += [f"    > {' '.join(r['gold_text'].split())[:200]}"]
            for hit in r["retrieved"][:3]:
                out += [f"  - retrieved {hit['doc_id']}: {' '.join(hit['text'].split())[:160]}"]
    return "\n".join(out) + "\n"


def write_report(result: dict[str, Any], folder: Path) -> None:
    """results.json and report.md in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (folder / "report.md").write_text(markdown(result), encoding="utf-8")
