"""The evaluation report as one self-contained HTML page (plots inline as SVG)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from eval.report import _fmt, _line, worst, worst_answers

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#212121}
h1{margin-bottom:4px} h2{border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top} th{background:#f5f5f5} td.num{text-align:right}
.pass{color:#2e7d32;font-weight:600} .fail{color:#c62828;font-weight:600}
.case{border:1px solid #ddd;border-left:5px solid #c62828;padding:6px 10px;margin:10px 0}
.case.right{border-left-color:#2e7d32} .case.unjudged{border-left-color:#9e9e9e}
.case dt{font-weight:600;color:#555} .case dd{margin:0 0 4px 0}
.plots svg{max-width:100%;height:auto} .muted{color:#757575}
"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(rows_) + "</tr>" for rows_ in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _td(value: Any, cls: str = "") -> str:
    return (
        f'<td class="{cls}">{escape(str(value))}</td>' if cls else f"<td>{escape(str(value))}</td>"
    )


def settings_html(result: dict[str, Any]) -> str:
    """The suite's settings, overrides, and every effective setting with its source."""
    effective = result.get("settings_effective") or {}
    rows = [[_td(k), _td(v["value"]), _td(v["source"], "" if v["source"] == "default" else "pass")]
            for k, v in sorted(effective.items(), key=lambda kv: (kv[1]["source"] == "default",
                                                                   kv[0]))]  # fmt: skip
    data = [[_td(n), _td(d.get("cases")), _td(d.get("chunks") if d.get("chunks") is not None
             else "-"), _td(d.get("data"))] for n, d in result["sets"].items()]  # fmt: skip
    return (f"<p>Suite settings <code>{escape(json.dumps(result.get('settings') or {}))}</code>; "
            f"--set <code>{escape(json.dumps(result.get('overrides') or {}))}</code>; casebook "
            f"{escape(str(result.get('casebook_version', '?')))}; settings apply to "
            f"{escape(str(result.get('settings_apply_to', 'this process')))}.</p>"
            + _table(["set", "cases", "chunks", "data"], data)
            + "<details><summary>Effective settings (non-default first)</summary>"
            + _table(["setting", "value", "source"], rows) + "</details>")  # fmt: skip


def metrics_html(result: dict[str, Any]) -> str:
    """A metric per row, a set per column; a gated value shows its bound, red when it failed."""
    checks = {c["metric"]: c for c in result.get("checks", [])}
    sets = list(result["sets"])
    grid: dict[str, dict[str, str]] = {}
    for name, value in result["metrics"].items():
        owner = next((s for s in sets if name.startswith(f"{s}.")), "")
        metric = name[len(owner) + 1 :] if owner else name
        check = checks.get(name)
        cell = _fmt(value) + (f" ({check['bound']})" if check else "")
        cls = "num" if check is None else "num pass" if check["passed"] else "num fail"
        grid.setdefault(metric, {})[owner or "all"] = _td(cell, cls)
    columns = sets + (["all"] if any("all" in v for v in grid.values()) else [])
    rows = [[_td(m)] + [cells.get(c, "<td></td>") for c in columns] for m, cells in grid.items()]
    return _table(["metric", *columns], rows)


def answer_case(r: dict[str, Any]) -> str:
    """One answer: the question, history, answer, expected, retrieved and gold."""
    history = "".join(f"<div><b>{escape(str(t.get('role')))}</b>: {escape(_line(t.get('text')))}"
                      "</div>" for t in r.get("history") or [])  # fmt: skip
    answer = escape(_line(r.get("answer", ""), 500)) if r.get("answered") else "<i>abstained</i>"
    expected = "; ".join(escape(_line(e, 300)) for e in r.get("expected") or []) or (
        "-" if r.get("answerable", True) else "an abstention: the question is unanswerable"
    )
    retrieved = "".join(f"<li><code>{escape(h['doc_id'])}</code> {escape(_line(h['text'], 200))}"
                        "</li>" for h in r.get("retrieved", [])[:5])  # fmt: skip
    gold = ", ".join(f"<code>{escape(d)}</code>" for d in r.get("gold_doc_ids") or []) or "-"
    text = r.get("gold_text")
    passage = f" <span class=muted>{escape(_line(text, 300))}</span>" if text else ""
    return (f'<div class="case {escape(r["verdict"])}"><b>{escape(r["qid"])}</b> '
            f'<b>{escape(r["verdict"])}</b> at confidence {r.get("confidence", 0):.2f}, token F1 '
            f'{_fmt(r.get("answer.token_f1"))}<dl><dt>question</dt><dd>{escape(r["question"])}</dd>'
            f'<dt>history</dt><dd>{history or "-"}</dd><dt>answer</dt><dd>{answer}</dd>'
            f"<dt>expected</dt><dd>{expected}</dd><dt>should have found</dt><dd>{gold}"
            f"{passage}"
            f"</dd><dt>retrieved</dt><dd><ol>{retrieved}</ol></dd></dl></div>")  # fmt: skip


def retrieval_rows(rows: list[dict[str, Any]]) -> str:
    """The worst retrieval (or summary) cases as a table."""
    out = []
    for r in worst(rows):
        if "summary" in r:
            out.append(
                [
                    _td(r["qid"]),
                    _td(_fmt(r["summary.rougeL"]), "num"),
                    _td(_line(r["summary"])),
                    _td(""),
                ]
            )
            continue
        got = ", ".join(h["doc_id"] for h in r["retrieved"][:5])
        out.append([_td(r["qid"]), _td(_fmt(r["ndcg@10"]), "num"), _td(_line(r["question"], 200)),
                    _td(f"gold {', '.join(r['gold_doc_ids'])}; retrieved {got}")])  # fmt: skip
    return _table(["case", "score", "question / summary", "documents"], out) if out else ""


def html(result: dict[str, Any], svgs: dict[str, str] | None) -> str:
    """The whole page."""
    passed = result.get("passed", True)
    parts = [f"<h1>Evaluation: {escape(result['suite'])}</h1>",
             f"<p>Run {escape(result['started'])} against {escape(result['target'])}: "
             f'<span class="{"pass" if passed else "fail"}">{"PASSED" if passed else "FAILED"}'
             "</span></p>", "<h2>Settings</h2>", settings_html(result),
             "<h2>Metrics</h2>", metrics_html(result), "<h2>Notes</h2><ul>"
             + "".join(f"<li>{escape(n)}</li>" for n in result["notes"]) + "</ul>"]  # fmt: skip
    if svgs is None:
        parts.append("<p class=muted>Plots not drawn: matplotlib is not installed.</p>")
    for name, data in result["sets"].items():
        parts.append(f"<h2>Set {escape(name)}</h2>")
        drawn = [svg for stem, svg in (svgs or {}).items() if stem.startswith(f"{name}-")]
        parts.append('<div class="plots">' + "".join(drawn) + "</div>")
        answers = worst_answers(data["rows"])
        if answers:
            parts += ["<h3>Worst answers</h3>"] + [answer_case(r) for r in answers]
        parts += ["<h3>Worst retrieval</h3>", retrieval_rows(data["rows"])]
    return (f"<!doctype html><html><head><meta charset=utf-8><title>Evaluation: "
            f"{escape(result['suite'])}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")  # fmt: skip
