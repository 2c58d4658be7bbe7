"""Eval you can gate on: verdicts see wrong answers, strict suites, baselines that explain, and
the same answers in process and against the served app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from live import free_port, serve
from test_eval import DOCS, write_suite
from typer.testing import CliRunner

from casebook.settings import Settings
from cli.main import app
from eval.command import emit, evaluate
from eval.contexts import average_precision
from service.keys import KeyStore

RIGHT = [  # (qid, question, gold, expected phrases: what the documents say)
    ("r1", "how do I reset my thermostat", "thermostat", ["ten seconds"]),
    ("r2", "when will my refund arrive", "refund", ["five business days"]),
    ("r3", "how long does express shipping take", "shipping", ["next business day"]),
    ("r4", "how can I change my password", "password", ["Security"]),
]
WRONG = [  # the same questions, expecting what the documents do not say
    ("w1", "how do I reset my thermostat", "thermostat", ["twenty seconds"]),
    ("w2", "when will my refund arrive", "refund", ["ten business days"]),
    ("w3", "how long does express shipping take", "shipping", ["same day"]),
    ("w4", "how can I change my password", "password", ["Privacy tab"]),
]
UNANSWERABLE = {"qid": "u1", "question": "what is the warranty on the blender",
                "gold_doc_ids": [], "answerable": False}  # fmt: skip


def write_queries(path: Path, cases: list[tuple[str, str, str, list[str]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [
        {"qid": q, "question": text, "gold_doc_ids": [gold], "answerable": True, "expected": exp}
        for q, text, gold, exp in cases
    ] + [UNANSWERABLE]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def answers_suite(tmp: Path, sets: tuple[str, ...], gates: str = "") -> Path:
    """A suite whose sets keep their questions apart from the shared corpus folder."""
    kb = tmp / "kb" / "corpus.jsonl"
    kb.parent.mkdir(parents=True, exist_ok=True)
    kb.write_text("".join(json.dumps({"doc_id": d, "title": d, "text": t}) + "\n"
                          for d, t in DOCS.items()))  # fmt: skip
    write_queries(tmp / "right" / "queries.jsonl", RIGHT)
    write_queries(tmp / "wrong" / "queries.jsonl", WRONG)
    body = "".join(
        f'[[sets]]\nname = "{s}"\nqueries = "{s}/queries.jsonl"\ncorpus = "kb/corpus.jsonl"\n'
        for s in sets
    )
    path = tmp / f"{'-'.join(sets)}.toml"
    path.write_text(f'name = "answers"\n[settings]\nanswer_min_confidence = 0.0\n{body}{gates}')
    return path


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Every question answered (threshold 0); the `wrong` set expects what no document says."""
    tmp = tmp_path_factory.mktemp("answers")
    gates = '[gates]\n"wrong.answer.citation_correct" = { min = 0.75 }\n' \
            '"wrong.answer.right_rate" = { min = 0.5 }\n'  # fmt: skip
    suite = answers_suite(tmp, ("right", "wrong"), gates)
    return tmp, evaluate(str(suite), progress=False)


def test_wrong_answers_citing_gold_fail_the_correctness_gate(answered: tuple) -> None:
    _, result = answered
    checks = {c["metric"]: c for c in result["checks"]}
    assert checks["wrong.answer.citation_correct"]["passed"]  # citing gold alone would pass
    assert not checks["wrong.answer.right_rate"]["passed"]
    assert not result["passed"]
    assert result["metrics"]["wrong.answer.right_rate"] == 0.0
    assert (
        result["metrics"]["right.answer.right_rate"] > result["metrics"]["wrong.answer.right_rate"]
    )
    verdicts = result["sets"]["wrong"]["answers"]["verdicts"]
    assert verdicts.get("right", 0) == 0 and verdicts["wrong"] >= 4  # u1 answered at threshold 0
    rows = {r["qid"]: r for r in result["sets"]["wrong"]["rows"]}
    assert rows["u1"]["verdict"] == "wrong"  # answering an unanswerable question is wrong
    sure = [r for r in rows.values() if r["verdict"] == "wrong" and r["confidence"] >= 0.8]
    expected = len(sure) / sum(r["verdict"] in ("right", "wrong") for r in rows.values())
    assert result["metrics"]["wrong.answer.confidently_wrong_rate"] == pytest.approx(expected)


def test_results_record_effective_settings_version_and_data(answered: tuple) -> None:
    _, result = answered
    effective = result["settings_effective"]
    assert effective["answer_min_confidence"] == {"value": 0.0, "source": "suite"}
    assert effective["fusion"]["source"] in ("default", "environment")
    assert result["casebook_version"]
    data = result["data"]["right"]
    assert len(data["questions_sha256"]) == 64 and data["corpus_files"] == 1
    assert result["sets"]["right"]["answers"]["generator"] == {"extractive": 5}


def test_same_answers_in_process_and_against_the_served_app(
    answered: tuple, tmp_path: Path
) -> None:
    """A non-default threshold from the suite reaches the in-process answers as it does the
    server's: the same answers, verdicts and metrics."""
    tmp, everything = answered
    confidences = sorted({r["confidence"] for r in everything["sets"]["right"]["rows"]})
    assert len(confidences) >= 2
    threshold = round((confidences[0] + confidences[-1]) / 2, 4)
    suite = answers_suite(tmp_path, ("right",))
    local = evaluate(str(suite), overrides=[f"answer_min_confidence={threshold}"], progress=False)
    assert local["settings_effective"]["answer_min_confidence"]["source"] == "--set"
    answered_now = [r["answered"] for r in local["sets"]["right"]["rows"]]
    assert any(answered_now) and not all(answered_now)  # the threshold took effect

    from casebook.wiring import open_index
    from service import ingestion
    from service.app import create_app

    data = tmp_path / "server"
    settings = Settings(_env_file=None, data_dir=data, qdrant_url=None,  # type: ignore[call-arg]
                        answer_min_confidence=threshold)  # fmt: skip
    index = open_index(settings)
    try:
        report = ingestion.ingestor(index, settings).run(
            [tmp_path / "kb" / "corpus.jsonl"], tenant="right", kind="documents"
        )
        assert not report.failed
        store = KeyStore(data / "keys.json")
        key = store.create("right", "agent")[0]
        with serve(create_app(settings, index=index, keys=store)) as url:
            remote = evaluate(str(suite), against=url, key=key, progress=False)
            refused = CliRunner().invoke(app, ["eval", "run", str(suite), "--against", url,
                                               "--key", "not-a-key"])  # fmt: skip
    finally:
        index.close()
    fields = ("qid", "answered", "answer", "cited", "verdict", "confidence", "generator")
    pick = lambda res: [{f: r[f] for f in fields} for r in res["sets"]["right"]["rows"]]  # noqa: E731
    assert pick(remote) == pick(local)
    quality = lambda res: {k: v for k, v in res["metrics"].items()  # noqa: E731
                           if not k.startswith("latency.") and "span_" not in k}  # fmt: skip
    assert quality(remote) == pytest.approx(quality(local))
    assert refused.exit_code == 3, refused.output
    assert "refused the key (401" in refused.stderr and "Traceback" not in refused.output


def test_unreachable_service_exits_3_with_one_line(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, "tiny")
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["eval", "run", str(suite), "--against", url])
    assert result.exit_code == 3, result.output
    last = result.stderr.strip().splitlines()[-1]  # after the progress bar's line
    assert last.startswith(f"error: cannot reach {url}") and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("[gates]", "[gate]"), ":8: gate: unknown key"),
        (lambda s: s + "\n[settings]\nanswer_min_confdence = 0.9\n", "unknown setting"),
        (
            lambda s: s.replace("answers = false", 'answers = false\nmode = "sparse"'),
            ":7: sets.0.mode: Input should be 'hybrid', 'dense' or 'bm25'",
        ),
        (lambda s: s.replace('data = "tiny"', 'data = "nowhere"'), "data: no folder at"),
        (
            lambda s: s.replace("answers = false", "answers = false\ntopk = 3"),
            ":7: sets.0.topk: unknown key",
        ),
    ],
)
def test_invalid_suites_exit_2_naming_the_line(tmp_path: Path, edit: Any, message: str) -> None:
    suite = write_suite(tmp_path, "typo")
    suite.write_text(edit(suite.read_text()))
    result = CliRunner().invoke(app, ["eval", "run", str(suite)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and str(suite) in result.stderr


def test_set_overrides_are_checked_too(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, "tiny")
    for item, message in (("fusion=rrff", "--set fusion: Input should be 'rrf' or 'dbsf'"),
                          ("nope=1", "--set nope: unknown setting"),
                          ("other.top_k=1", "the suite has no set 'other'")):  # fmt: skip
        result = CliRunner().invoke(app, ["eval", "run", str(suite), "--set", item])
        assert result.exit_code == 2 and message in result.stderr, result.output


def test_baseline_lists_the_regressed_cases(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    suite = write_suite(tmp_path, "tiny")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(evaluate(str(suite), progress=False)))
    worse = evaluate(str(suite), baseline=baseline, overrides=["tiny.mode=dense", "tiny.top_k=1"],
                     progress=False)  # fmt: skip
    assert emit(worse, False, None, lambda *a, **k: print(*a)) == 1
    out = capsys.readouterr().out
    assert "| metric | before | after | delta |" in out
    moved = {c["qid"]: c["changes"] for c in worse["baseline"]["worse"]}
    assert "q5" in moved  # two gold documents, one chunk retrieved
    assert {"metric": "recall@5", "before": 1.0, "after": 0.5} in moved["q5"]
    assert "tiny q5: " in out and "recall@5 1.000 -> 0.500" in out
    failed = [c for c in worse["checks"] if not c["passed"]]
    assert any(c["metric"] == "tiny.recall@5" and c["kind"] == "gate" for c in failed)
    assert any(c["metric"] == "tiny.recall@5" and c["kind"] == "baseline" and c["before"] == 1.0
               for c in failed)  # fmt: skip
    assert "gate(s) failed:" in out and "baseline comparison(s) failed:" in out
    assert out.index("gate(s) failed:") < out.index("baseline comparison(s) failed:")


def test_baseline_sharing_no_metric_fails(tmp_path: Path) -> None:
    from eval.gates import compare_baseline

    checks = compare_baseline({"tiny.recall@5": 1.0}, {"other.recall@5": 1.0}, 0.02)
    assert [c.bound for c in checks] == ["baseline shares no metric"] and not checks[0].passed
    gated = compare_baseline({}, {"tiny.recall@5": 1.0}, 0.02, ["tiny.recall@5"])
    assert gated[0].bound == "missing (gated)" and not gated[0].passed


def test_context_precision_is_not_raised_by_cutting_the_ranking() -> None:
    full = ["other", "gold", "gold", "other2"]
    assert average_precision(full, {"gold"}, 5) == 0.5
    assert average_precision(full[:1], {"gold"}, 5) == 0.0
    assert average_precision(["gold", "gold", "gold"], {"gold"}, 5) == 1.0


CLAPNQ = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "clapnq"


@pytest.mark.skipif(not CLAPNQ.is_dir(), reason="../shared/datasets/clapnq is not here")
def test_context_recall_on_clapnq_rows_ranked_first(tmp_path: Path) -> None:
    """Real CLAPNQ rows: where the gold passage is ranked first, its reference sentences are
    found (the old chunk-to-sentence string similarity gave 0.000)."""
    rows = [json.loads(line) for line in (CLAPNQ / "queries.jsonl").open()]
    rows = [r for r in rows if r["answerable"] and r["reference_contexts"]][:6]
    gold = {d for r in rows for d in r["gold_doc_ids"]}
    folder = tmp_path / "clap"
    folder.mkdir()
    (folder / "queries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    suite = tmp_path / "clap.toml"
    suite.write_text(f'[[sets]]\nname = "clapnq"\nqueries = "clap/queries.jsonl"\n'
                     f'corpus = "{CLAPNQ / "corpus.jsonl"}"\ndistractors = 10\n'
                     'answers = false\n')  # fmt: skip
    result = evaluate(str(suite), progress=False)
    first = [r for r in result["sets"]["clapnq"]["rows"] if r["recall@1"] == 1.0]
    assert len(first) >= 4 and {d for r in first for d in r["gold_doc_ids"]} <= gold
    assert sum(r["context_recall"] for r in first) / len(first) >= 0.9
    assert result["metrics"]["clapnq.context_recall"] >= 0.9


def test_a_metric_without_cases_is_n_a() -> None:
    from eval.report import metrics_table
    from eval.scoring import aggregate

    rows = [{"qid": "u", "answerable": False, "answered": False, "verdict": "abstained_rightly"}]
    metrics = aggregate(rows)
    assert metrics["answer.right_when_answered"] is None and metrics["answer.right_rate"] is None
    assert "| s.answer.right_rate | n/a |" in metrics_table(
        {"metrics": {f"s.{k}": v for k, v in metrics.items()}}
    )
