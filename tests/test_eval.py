"""Evaluation suites: gates catch regressions, baselines, reports, and mined cases that score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casebook.feedback import AnsweredQuestion, FeedbackStore
from cli.main import app
from eval.command import emit, evaluate
from eval.gates import compare_baseline
from eval.ragas_metrics import NO_JUDGE
from eval.report import write_report

DOCS = {
    "thermostat": "To reset the Lumen T2 thermostat, hold the dial for ten seconds until the "
    "screen flashes. The thermostat then restarts with its factory schedule.",
    "remote": "To pair the remote with the thermostat, press the pairing button on the back of "
    "the remote until the light blinks blue, then confirm on the thermostat screen.",
    "refund": "Refunds are issued to the original payment method within five business days "
    "after the returned item reaches our warehouse.",
    "shipping": "Standard shipping takes three to five days. Express shipping arrives the next "
    "business day when ordered before noon.",
    "password": "To change your account password, open Settings, choose Security and enter "
    "your current password followed by the new one twice.",
}
QUERIES = [
    ("q1", "how do I reset my thermostat", ["thermostat"]),
    ("q2", "when will my refund arrive", ["refund"]),
    ("q3", "how long does express shipping take", ["shipping"]),
    ("q4", "how can I change my password", ["password"]),
    ("q5", "reset the thermostat and pair the remote", ["thermostat", "remote"]),
]
GATES = '[gates]\n"tiny.recall@5" = { min = 0.95 }\n"tiny.mrr@10" = { min = 0.9 }\n'


def write_dataset(folder: Path) -> Path:
    """A five-document corpus and questions in the shared dataset layout."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "corpus.jsonl").open("w") as handle:
        for doc_id, text in DOCS.items():
            handle.write(json.dumps({"doc_id": doc_id, "title": doc_id, "text": text}) + "\n")
    with (folder / "queries.jsonl").open("w") as handle:
        for qid, question, gold in QUERIES:
            record = {"qid": qid, "question": question, "gold_doc_ids": gold, "answerable": True}
            handle.write(json.dumps(record) + "\n")
    return folder


def write_suite(tmp: Path, name: str, options: str = "", gates: str = GATES) -> Path:
    write_dataset(tmp / "tiny")
    path = tmp / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\n\n[[sets]]\nname = "tiny"\ndata = "tiny"\nanswers = false\n'
        f"{options}\n{gates}"
    )
    return path


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The default settings' result on the tiny suite."""
    tmp = tmp_path_factory.mktemp("eval")
    return evaluate(str(write_suite(tmp, "tiny")), progress=False)


def test_default_settings_pass_the_gates(passing: dict) -> None:
    assert passing["passed"], passing["checks"]
    assert passing["metrics"]["tiny.recall@5"] == 1.0


def test_gate_catches_dense_top_k_1_regression(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    suite = write_suite(tmp_path, "regressed", 'mode = "dense"\ntop_k = 1\n')
    result = evaluate(str(suite), progress=False)
    assert not result["passed"]
    assert emit(result, False, None, lambda *a, **k: print(*a)) == 1
    assert "tiny.recall@5" in capsys.readouterr().out


def test_baseline_drop_beyond_tolerance_fails(passing: dict, tmp_path: Path) -> None:
    better = {"metrics": {"tiny.mrr@10": passing["metrics"]["tiny.mrr@10"] + 0.1}}
    checks = compare_baseline(passing["metrics"], better["metrics"], 0.02)
    assert checks and not checks[0].passed
    same = compare_baseline(passing["metrics"], passing["metrics"], 0.02)
    assert all(c.passed for c in same)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(better))
    result = evaluate(str(write_suite(tmp_path, "tiny")), baseline=baseline, progress=False)
    assert not result["passed"]


def test_json_and_markdown_reports_are_written(passing: dict, tmp_path: Path) -> None:
    write_report(passing, tmp_path / "report")
    stored = json.loads((tmp_path / "report" / "results.json").read_text())
    assert stored["metrics"] == passing["metrics"]
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "| tiny.recall@5 |" in markdown and "Worst cases: tiny" in markdown


def test_no_judge_note_appears(passing: dict) -> None:
    assert NO_JUDGE in passing["notes"]


INTERACTIONS = [
    [
        ("customer", "My Lumen T2 thermostat shows error E42 and will not heat."),
        ("agent", "Sorry about that. Hold the dial for ten seconds to reset it."),
        ("customer", "That worked, thanks so much!"),
    ],
    [
        ("customer", "I was charged twice for order 5521."),
        ("agent", "I have refunded the duplicate charge; it will show in five days."),
        ("customer", "Great, thank you, that solves it."),
    ],
]


def test_mined_cases_from_interactions_and_feedback_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(data))
    source = tmp_path / "interactions.jsonl"
    with source.open("w") as handle:
        for n, turns in enumerate(INTERACTIONS):
            record = {
                "interaction_id": f"ticket-{n}",
                "channel": "chat",
                "turns": [{"role": r, "text": t} for r, t in turns],
            }
            handle.write(json.dumps(record) + "\n")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(source), "--kind", "interactions"]).exit_code == 0
    answered = AnsweredQuestion("a1", "default", "thermostat error E42", [], True, 0.9, "", [])
    FeedbackStore(data).add(
        answered, rating="down", comment="", expected_doc_ids=["ticket-0"], key_id="k"
    )
    out = tmp_path / "mined.toml"
    result = runner.invoke(app, ["eval", "mine", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cases = [json.loads(line) for line in (tmp_path / "mined-cases" / "queries.jsonl").open()]
    sources = {c["metadata"]["source"] for c in cases}
    assert sources == {"interaction", "feedback"}
    assert any(c["gold_doc_ids"] == ["ticket-0"] and "E42" in c["question"] for c in cases)
    result = runner.invoke(app, ["eval", "run", str(out), "--json"])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert scored["sets"]["mined"]["cases"] == len(cases)
    assert scored["metrics"]["mined.recall@5"] is not None


@pytest.mark.slow
def test_smoke_suite_passes_end_to_end(tmp_path: Path) -> None:
    if not (Path(__file__).resolve().parents[2] / "shared" / "datasets" / "doc2dial").exists():
        pytest.skip("../shared/datasets is not here")
    result = CliRunner().invoke(app, ["eval", "run", "smoke", "--report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results.json").exists()
