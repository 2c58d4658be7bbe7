"""Results as JSON and as reports (Markdown and HTML): metrics, gates, settings, plots and the
worst cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval import plots

WORST = 5  # cases shown per set
SEVERITY = {"wrong": 0, "abstained_wrongly": 1, "unjudged": 2, "right": 3, "abstained_rightly": 4}


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _line(text: Any, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


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


def worst_answers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The worst answers by correctness: wrong (most confident first), abstained wrongly,
    unjudged, then right ones with the lowest token F1; abstaining rightly is never shown."""
    shown = [
        r for r in rows if r.get("verdict") in SEVERITY and r["verdict"] != "abstained_rightly"
    ]
    order = sorted(shown, key=lambda r: (SEVERITY[r["verdict"]], -r.get("confidence", 0.0),
                                         r.get("answer.token_f1") or 0.0))  # fmt: skip
    return order[:WORST]


def settings_lines(result: dict[str, Any]) -> list[str]:
    """The suite's settings, the overrides, and every effective setting not at its default."""
    effective = result.get("settings_effective") or {}
    changed = {k: v for k, v in effective.items() if v["source"] != "default"}
    out = [f"- suite settings: `{json.dumps(result.get('settings') or {})}`"]
    out += [f"- --set: `{json.dumps(result.get('overrides') or {})}`"]
    out += [f"- `{k}` = `{v['value']}` ({v['source']})" for k, v in sorted(changed.items())]
    out += [f"- casebook {result.get('casebook_version', '?')}; settings apply to "
            f"{result.get('settings_apply_to', 'this process')}"]  # fmt: skip
    return out


def answer_lines(r: dict[str, Any]) -> list[str]:
    """One answer case in Markdown."""
    history = " / ".join(f"{t.get('role')}: {_line(t.get('text'), 120)}" for t in r["history"])
    out = [f"- `{r['qid']}` **{r['verdict']}** at confidence {r.get('confidence', 0):.2f}: "
           f"{_line(r['question'], 200)}"]  # fmt: skip
    out += [f"  - history: {history}"] if history else []
    out += [f"  - answer: {_line(r.get('answer', ''))}" if r.get("answered") else "  - abstained"]
    expected = "; ".join(_line(e, 200) for e in r.get("expected") or [])
    out += [f"  - expected: {expected or ('-' if r['answerable'] else 'an abstention')}"]
    out += [f"  - should have found: {', '.join(r['gold_doc_ids']) or '(nothing)'}"]
    out += [f"  - retrieved: {', '.join(h['doc_id'] for h in r.get('retrieved', [])[:5])}"]
    return out


def markdown(result: dict[str, Any], images: dict[str, str] | None = None) -> str:
    """The whole report; images maps plot stems to files beside it."""
    out = [
        f"# Evaluation: {result['suite']}",
        "",
        f"Run {result['started']} against {result['target']}.",
        "",
        f"**{'PASSED' if result.get('passed', True) else 'FAILED'}**",
        "",
        "## Settings",
        "",
    ]
    out += settings_lines(result) + ["", "## Metrics", "", metrics_table(result)]
    failed = [c for c in result.get("checks", []) if not c["passed"]]
    if failed:
        out += ["", "## Failures", "", failures_table(failed)]
    out += ["", "## Notes", ""] + [f"- {n}" for n in result["notes"]]
    if images is None:
        out += ["- plots: not drawn (matplotlib is not installed)"]
    for name, data in result["sets"].items():
        stems = [s for s in (images or {}) if s.startswith(f"{name}-")]
        if stems:
            out += ["", f"## Plots: {name}", ""] + [f"![{s}]({images[s]})" for s in stems]  # type: ignore[index]
        answers = worst_answers(data["rows"])
        if answers:
            out += ["", f"## Worst answers: {name}", ""]
            out += [line for r in answers for line in answer_lines(r)]
        out += ["", f"## Worst cases: {name}", ""]
        for r in worst(data["rows"]):
            if "summary" in r:
                out += [f"- `{r['qid']}` ROUGE-L {r['summary.rougeL']:.3f}: {r['summary'][:200]}"]
                continue
            out += [f"- `{r['qid']}` nDCG@10 {r['ndcg@10']:.3f}: {r['question'][:200]}"]
            out += [f"  - should have found: {', '.join(r['gold_doc_ids'])}"]
            if r.get("gold_text"):
                out += [f"    > {_line(r['gold_text'], 200)}"]
            for hit in r["retrieved"][:3]:
                out += [f"  - retrieved {hit['doc_id']}: {_line(hit['text'], 160)}"]
    return "\n".join(out) + "\n"


def write_report(result: dict[str, Any], folder: Path) -> list[Path]:
    """results.json, report.md, report.html and the plots (plots/*.png) in folder."""
    from eval.report_html import html

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    svgs: dict[str, str] | None = None
    images: dict[str, str] | None = None
    if plots.available():
        svgs, images = {}, {}
        (folder / "plots").mkdir(exist_ok=True)
        for name, data in result["sets"].items():
            for stem, fig in plots.figures(name, data["rows"]).items():
                svgs[stem], png = plots.render(fig)
                (folder / "plots" / f"{stem}.png").write_bytes(png)
                images[stem] = f"plots/{stem}.png"
    (folder / "report.md").write_text(markdown(result, images), encoding="utf-8")
    (folder / "report.html").write_text(html(result, svgs), encoding="utf-8")
    return [folder / "results.json", folder / "report.md", folder / "report.html"]
