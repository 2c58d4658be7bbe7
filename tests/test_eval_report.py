"""The evaluation report people read: HTML and Markdown with settings, metrics, plots and the
worst answers, from a real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_eval_gating import answers_suite
from typer.testing import CliRunner

from cli.main import app
from eval import plots
from eval.report import worst_answers


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`casebook eval run --report` on a suite whose answers cite gold but say the wrong thing."""
    tmp = tmp_path_factory.mktemp("report")
    suite = answers_suite(tmp, ("wrong",), '[gates]\n"wrong.answer.right_rate" = { min = 0.5 }\n')
    result = CliRunner().invoke(app, ["eval", "run", str(suite), "--report", str(tmp / "out")])
    assert result.exit_code == 1, result.output  # the gate fails; the report is still written
    return tmp / "out"


def test_the_run_writes_html_markdown_and_plots(run: Path) -> None:
    assert plots.available()
    html = (run / "report.html").read_text()
    markdown = (run / "report.md").read_text()
    assert html.startswith("<!doctype html>") and html.count("<svg") >= 3
    for stem in ("distributions", "reliability", "confidence"):
        assert (run / "plots" / f"wrong-{stem}.png").stat().st_size > 1000
        assert f"](plots/wrong-{stem}.png)" in markdown
    for text, bound in ((html, "&gt;= 0.5"), (markdown, ">= 0.5")):
        assert "answer_min_confidence" in text and "Worst answers" in text
        assert "FAILED" in text and bound in text


def test_the_report_holds_the_worst_answer(run: Path) -> None:
    """The most confidently wrong answer comes first, with everything needed to judge it."""
    result = json.loads((run / "results.json").read_text())
    first = worst_answers(result["sets"]["wrong"]["rows"])[0]
    assert first["verdict"] == "wrong"
    wrong = [r for r in result["sets"]["wrong"]["rows"] if r["verdict"] == "wrong"]
    assert first["confidence"] == max(r["confidence"] for r in wrong)
    html = (run / "report.html").read_text()
    markdown = (run / "report.md").read_text()
    for text in (html, markdown):
        head = text[text.index("Worst answers") :]
        assert first["question"] in head and first["answer"][:60] in head
        assert first["expected"][0] in head and first["gold_doc_ids"][0] in head
        assert first["retrieved"][0]["doc_id"] in head


def test_eval_report_rewrites_a_stored_result(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    result = CliRunner().invoke(
        app, ["eval", "report", str(run / "results.json"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "report.md").read_text() == (run / "report.md").read_text()
    assert (out / "report.html").read_text().count("<svg") == (
        run / "report.html"
    ).read_text().count("<svg")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    refused = CliRunner().invoke(app, ["eval", "report", str(bad)])
    assert refused.exit_code == 2 and "cannot read" in refused.output
