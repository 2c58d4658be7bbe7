"""The `casebook` command, run in-process (so the network block applies) on a real Edge index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import corpus
import pytest
from click.testing import Result
from typer.testing import CliRunner

from casebook.settings import Settings
from casebook.store.edge import EdgeStore
from cli.main import app

REPORT_KEYS = {
    "added",
    "updated",
    "unchanged",
    "deleted",
    "chunks",
    "failed",
    "interactions",
    "redactions",
}
RESULT_KEYS = {
    "doc_id",
    "chunk_id",
    "score",
    "title",
    "text",
    "kind",
    "metadata",
    "section",
    "source",
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the data dir and the documents, ingested once for the module."""
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    docs.mkdir()
    corpus.write_md(docs / "thermostat.md")
    corpus.write_jsonl(docs / "kb.jsonl", corpus.RECORDS)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("CASEBOOK_DATA_DIR", str(root / "data"))
        result = CliRunner().invoke(app, ["ingest", str(docs), "--json"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(autouse=True)
def data_dir(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every command in this module reads its settings from the workspace."""
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(workspace / "data"))
    return workspace / "data"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def search(*args: str) -> list[dict[str, Any]]:
    result = run("search", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["results"]  # type: ignore[no-any-return]


def test_ingest_json_prints_the_documented_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "data"))
    docs = tmp_path / "docs"
    docs.mkdir()
    corpus.write_md(docs / "thermostat.md")
    corpus.write_txt(docs / "hours.txt")

    first = run("ingest", str(docs), "--json")
    again = run("ingest", str(docs), "--json")

    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert set(report) == REPORT_KEYS
    assert (report["added"], report["updated"], report["unchanged"], report["failed"]) == (
        2,
        0,
        0,
        [],
    )
    assert report["chunks"] >= 2
    assert json.loads(again.stdout) == {
        "added": 0,
        "updated": 0,
        "unchanged": 2,
        "deleted": 0,
        "chunks": 0,
        "failed": [],
        "interactions": 0,
        "redactions": {},
    }


def test_ingest_prints_a_summary_without_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "data"))
    path = corpus.write_md(tmp_path / "thermostat.md")
    result = run("ingest", str(path))
    assert result.exit_code == 0
    assert "added 1, updated 0, unchanged 0, deleted 0 documents" in result.stdout


def test_ingest_exits_1_and_names_each_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "data"))
    good = corpus.write_md(tmp_path / "thermostat.md")
    bad = tmp_path / "corrupt.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")

    as_json = run("ingest", str(good), str(bad), str(tmp_path / "missing.txt"), "--json")
    as_text = run("ingest", str(bad))

    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["added"] == 1
    assert {f["path"] for f in report["failed"]} == {str(bad), str(tmp_path / "missing.txt")}
    assert as_text.exit_code == 1
    assert f"failed: {bad}: not a readable PDF" in as_text.stderr


def test_ingest_prune_flag_deletes_documents_of_removed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "data"))
    docs = tmp_path / "docs"
    docs.mkdir()
    corpus.write_md(docs / "thermostat.md")
    corpus.write_txt(docs / "hours.txt")
    run("ingest", str(docs))
    (docs / "hours.txt").unlink()

    report = json.loads(run("ingest", str(docs), "--prune", "--json").stdout)

    assert (report["deleted"], report["unchanged"]) == (1, 1)


def test_search_json_returns_results_with_the_documented_fields() -> None:
    results = search("how do I reset the thermostat", "--top-k", "3")
    assert 1 <= len(results) <= 3
    assert all(set(r) >= RESULT_KEYS for r in results)
    best = results[0]
    assert best["doc_id"] == "thermostat.md"
    assert best["kind"] == "document"
    assert best["section"] == ["Thermostat guide", "Resetting"]
    assert corpus.PHRASES["md"] in best["text"]
    assert isinstance(best["score"], float)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_search_prints_ranked_lines_without_json() -> None:
    result = run("search", "thermostat reset", "--top-k", "1")
    assert result.exit_code == 0
    assert result.stdout.startswith("1. [")
    assert "thermostat.md (document)" in result.stdout


def test_filter_narrows_results_to_matching_metadata() -> None:
    router = search("password reset", "--filter", "product=router", "--top-k", "10")
    portal = search("password reset", "--filter", "product=portal", "--top-k", "10")
    assert [r["doc_id"] for r in router] == ["kb-3"]
    assert {r["doc_id"] for r in portal} == {"kb-1", "kb-2"}


def test_a_filter_key_given_twice_matches_any_of_its_values() -> None:
    results = search(
        "password",
        "--filter",
        "lang=fr",
        "--filter",
        "doc_id=kb-1",
        "--filter",
        "doc_id=kb-2",
        "--top-k",
        "10",
    )
    assert [r["doc_id"] for r in results] == ["kb-2"]
    either = search("password", "--filter", "doc_id=kb-1", "--filter", "doc_id=kb-3")
    assert {r["doc_id"] for r in either} == {"kb-1", "kb-3"}


def test_search_in_another_tenant_finds_nothing() -> None:
    assert search("thermostat", "--tenant", "globex") == []
    assert run("search", "thermostat", "--tenant", "globex").stdout.strip() == "no results"


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_search_modes(mode: str) -> None:
    results = search("blinking orange router light", "--mode", mode, "--top-k", "2")
    assert results[0]["doc_id"] == "kb-3"


def test_history_file_is_accepted(tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"role": "user", "text": "My router light keeps blinking orange."},
                {"role": "agent", "text": "Is it during an update?"},
            ]
        )
    )
    results = search("what does that mean?", "--history-file", str(history), "--top-k", "1")
    assert results[0]["doc_id"] == "kb-3"


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"role": "user", "text": "hi"}),
        json.dumps([{"role": "user"}]),
        json.dumps(["hello"]),
    ],
    ids=["invalid-json", "not-a-list", "turn-without-text", "turn-not-an-object"],
)
def test_a_bad_history_file_is_a_usage_error(tmp_path: Path, content: str) -> None:
    history = tmp_path / "history.json"
    history.write_text(content)
    result = run("search", "router", "--history-file", str(history))
    assert result.exit_code == 2
    assert "history file" in result.stderr


def test_a_missing_history_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run("search", "router", "--history-file", str(tmp_path / "nope.json"))
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["search", "router", "--no-such-option"],
        ["search", "router", "--top-k", "0"],
        ["search", "router", "--top-k", "many"],
        ["search", "router", "--mode", "fuzzy"],
        ["search", "router", "--filter", "no-equals-sign"],
        ["search", "router", "--filter", "=value"],
        ["search", "router", "--filter", "tenant=globex"],
        ["search"],
        ["ingest"],
        ["frobnicate"],
    ],
    ids=[
        "unknown-option",
        "top-k-zero",
        "top-k-not-a-number",
        "bad-mode",
        "filter-without-equals",
        "filter-without-key",
        "filter-on-tenant",
        "search-without-query",
        "ingest-without-paths",
        "unknown-command",
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output


def test_stats_json_counts_documents_and_chunks() -> None:
    result = run("stats", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "stats": [{"tenant": "default", "kind": "document", "documents": 4, "chunks": 5}]
    }


def test_stats_of_an_empty_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "data"))
    assert json.loads(run("stats", "--json").stdout) == {"stats": []}
    assert run("stats").stdout.strip() == "the index is empty"


def test_a_locked_index_is_reported_not_raised(data_dir: Path) -> None:
    holder = EdgeStore(Settings(_env_file=None, data_dir=data_dir).edge_path, 384)
    try:
        result = run("stats")
    finally:
        holder.close()
    assert result.exit_code == 1
    assert "in use by another process" in result.stderr


def test_commands_release_the_index_when_they_finish(data_dir: Path) -> None:
    run("stats")
    # Opening the folder again would raise IndexLocked if the command had kept it.
    EdgeStore(Settings(_env_file=None, data_dir=data_dir).edge_path, 384).close()


def test_summarize_a_document_quotes_its_central_sentences() -> None:
    result = run("summarize", "thermostat.md", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["doc_id"] == "thermostat.md" and summary["citations"]
    hits = search("thermostat", "--top-k", "50", "--filter", "doc_id=thermostat.md")
    text = " ".join(h["text"] for h in hits)
    assert all(c["quote"] in text for c in summary["citations"])
    plain = run("summarize", "thermostat.md")
    assert plain.exit_code == 0 and plain.stdout.splitlines()[0] == summary["summary"]


def test_summarize_an_unknown_id_fails_clearly() -> None:
    result = run("summarize", "no-such-thing")
    assert result.exit_code == 1 and "not found" in result.output


COMMANDS = [
    ["ingest"],
    ["search"],
    ["answer"],
    ["summarize"],
    ["stats"],
    ["serve"],
    ["mcp"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
    ["eval", "run"],
    ["eval", "mine"],
    ["eval", "report"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_reflows_each_paragraph_to_the_terminal(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--help joins a docstring's wrapped lines into paragraphs: on a wide terminal each
    paragraph is one line, not the source file's line breaks."""
    monkeypatch.setenv("COLUMNS", "400")
    result = CliRunner().invoke(app, [*command, "--help"], prog_name="casebook")
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    usage, summary = lines[0], lines[1]
    assert usage.startswith("Usage: casebook " + " ".join(command))
    assert len(summary) > 20 and not summary.startswith("╭")
    if command == ["eval", "run"]:
        assert any(
            line.startswith("Exit status: 0") and line.endswith("answered with an error.")
            for line in lines
        ), result.output
