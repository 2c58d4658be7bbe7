"""Ingesting real files of every type: findable, incremental, prunable, honest about failures."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import corpus
import pytest
from backends import open_index
from typer.testing import CliRunner

from casebook.embedding import Embedder
from casebook.index import Index
from casebook.models import SourceDocument
from casebook.shapes import to_json
from casebook.store.base import Condition, Where
from cli.main import app
from ingest.chunking import Chunker
from ingest.discover import Item
from ingest.pipeline import IngestReport, document_hash, ingest, read_item

FILE_DOC_IDS = corpus.FILE_NAMES
RECORD_IDS = corpus.RECORD_IDS


@dataclass
class Ingested:
    index: Index
    folder: Path
    report: IngestReport


@pytest.fixture(scope="module")
def ingested(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, chunker: Chunker
) -> Iterator[Ingested]:
    """One file of every type, ingested once into an Edge index for the module."""
    root = tmp_path_factory.mktemp("corpus")
    corpus.write_all(root / "docs")
    index = open_index("edge", root, embedder)
    report = ingest(index, chunker, [root / "docs"], tenant="default")
    yield Ingested(index, root / "docs", report)
    index.close()


def chunk_count(index: Index, tenant: str, doc_id: str) -> int:
    return index.store.count(
        Where(must=(Condition("tenant", (tenant,)), Condition("doc_id", (doc_id,))))
    )


def expected_chunks(path: Path, doc_id: str, index: Index, chunker: Chunker, tenant: str) -> int:
    """How many chunks the current version of a file should have."""
    (doc,) = read_item(Item(path, doc_id))
    assert isinstance(doc, SourceDocument), doc
    doc_hash = document_hash(doc, chunker.signature, index.embedder.name)
    return len(chunker.chunk(doc, tenant, doc_hash))


# --- every type, once ------------------------------------------------------------------------


def test_first_ingest_adds_every_document_of_every_type(ingested: Ingested) -> None:
    report = ingested.report
    assert report.failed == []
    assert (report.added, report.updated, report.unchanged, report.deleted) == (12, 0, 0, 0)
    documents = ingested.index.documents("default")
    assert set(documents) == set(FILE_DOC_IDS.values()) | set(RECORD_IDS)
    assert report.chunks == sum(state.chunks for state in documents.values())


@pytest.mark.parametrize("kind", sorted(FILE_DOC_IDS))
def test_each_file_type_is_findable_by_a_phrase_from_it(ingested: Ingested, kind: str) -> None:
    hits = ingested.index.search("default", corpus.PHRASES[kind], top_k=3)
    assert hits[0].doc_id == FILE_DOC_IDS[kind]
    assert hits[0].metadata == {"format": kind}
    assert hits[0].source == str((ingested.folder / FILE_DOC_IDS[kind]).resolve())


@pytest.mark.parametrize("record", corpus.RECORDS, ids=RECORD_IDS)
def test_each_jsonl_record_is_a_document_with_its_metadata(
    ingested: Ingested, record: dict[str, object]
) -> None:
    hits = ingested.index.search("default", str(record["text"]), top_k=3)
    assert hits[0].doc_id == record.get("doc_id", record.get("id"))
    assert hits[0].title == record["title"]
    assert hits[0].metadata == record["metadata"]
    assert hits[0].text == record["text"]


@pytest.mark.parametrize(
    ("doc_id", "question", "section"),
    [
        ("warranty.docx", "lightning damage", ["Solar inverter warranty", "Exclusions"]),
        ("opener.pdf", "firmware update overnight", ["Garage door opener"]),
        ("refunds.html", "gift cards", ["Refund policy", "Exceptions"]),
        ("thermostat.md", "AA cells", ["Thermostat guide", "Batteries"]),
        ("retention.pptx", "churn", ["Retention review"]),
    ],
)
def test_document_headings_become_the_section_path(
    ingested: Ingested, doc_id: str, question: str, section: list[str]
) -> None:
    hits = ingested.index.search("default", question, filters={"doc_id": doc_id}, top_k=1)
    assert hits[0].section == section


def test_email_subject_becomes_the_title(ingested: Ingested) -> None:
    (hit,) = ingested.index.search("default", "espresso", filters={"doc_id": "ticket.eml"}, top_k=1)
    assert hit.title == "Leaking espresso machine"
    assert "steam wand" in hit.text


def test_reingesting_an_unchanged_folder_writes_nothing(
    ingested: Ingested, chunker: Chunker
) -> None:
    questions = [*corpus.PHRASES.values(), "password reset"]
    before = [ingested.index.search("default", q, top_k=5) for q in questions]
    points_before = ingested.index.store.count(Where())

    report = ingest(ingested.index, chunker, [ingested.folder], tenant="default")

    assert to_json(report) == {
        "added": 0,
        "updated": 0,
        "unchanged": 12,
        "deleted": 0,
        "chunks": 0,
        "failed": [],
        "interactions": 0,
        "redactions": {},
    }
    assert ingested.index.store.count(Where()) == points_before
    assert [ingested.index.search("default", q, top_k=5) for q in questions] == before


# --- incremental updates (both backends) -----------------------------------------------------

LONG_BODY = " ".join(
    f"Paragraph {i} explains how the zanzibarian widget calibrates its sensor." for i in range(40)
)


def small_folder(root: Path) -> Path:
    folder = root / "docs"
    folder.mkdir()
    corpus.write_md(folder / "thermostat.md")
    corpus.write_txt(folder / "hours.txt")
    corpus.write_jsonl(folder / "kb.jsonl", corpus.RECORDS)
    return folder


def test_changing_one_file_updates_exactly_that_document(
    index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = small_folder(tmp_path)
    ingest(index, chunker, [folder], tenant="acme")
    others_before = {d: s for d, s in index.documents("acme").items() if d != "thermostat.md"}

    corpus.write_md(folder / "thermostat.md", "Turn the dial anticlockwise to calibrate it.")
    report = ingest(index, chunker, [folder], tenant="acme")

    assert (report.added, report.updated, report.unchanged, report.failed) == (0, 1, 4, [])
    documents = index.documents("acme")
    assert {d: s for d, s in documents.items() if d != "thermostat.md"} == others_before
    expected = expected_chunks(folder / "thermostat.md", "thermostat.md", index, chunker, "acme")
    assert documents["thermostat.md"].chunks == expected == report.chunks
    assert chunk_count(index, "acme", "thermostat.md") == expected
    hits = index.search("acme", corpus.PHRASES["md"], filters={"doc_id": "thermostat.md"})
    assert hits and all("ten seconds" not in h.text for h in hits)
    assert index.search("acme", "anticlockwise calibrate", top_k=1)[0].doc_id == "thermostat.md"
    assert index.search("acme", "seconds", mode="bm25", filters={"doc_id": "thermostat.md"}) == []


def test_a_shorter_new_version_leaves_no_stale_chunks(
    index: Index, tmp_path: Path, embedder: Embedder
) -> None:
    chunker = Chunker(embedder.tokens, 64, 16)
    folder = tmp_path / "docs"
    folder.mkdir()
    corpus.write_md(folder / "widget.md", LONG_BODY)
    first = ingest(index, chunker, [folder], tenant="acme")
    assert first.chunks > 5

    corpus.write_md(folder / "widget.md", "The widget no longer needs calibration.")
    report = ingest(index, chunker, [folder], tenant="acme")

    assert report.updated == 1
    expected = expected_chunks(folder / "widget.md", "widget.md", index, chunker, "acme")
    assert chunk_count(index, "acme", "widget.md") == expected == report.chunks < first.chunks
    assert index.search("acme", "zanzibarian", mode="bm25") == []
    hashes = {p.payload["doc_hash"] for p in index.store.scroll(Where(), fields=["doc_hash"])}
    assert len(hashes) == 1


def test_changing_one_jsonl_record_updates_only_that_record(
    index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = small_folder(tmp_path)
    ingest(index, chunker, [folder], tenant="acme")
    records = [dict(r) for r in corpus.RECORDS]
    records[2]["text"] = "A solid green light on the router means it is online."
    corpus.write_jsonl(folder / "kb.jsonl", records)

    report = ingest(index, chunker, [folder], tenant="acme")

    assert (report.updated, report.unchanged, report.added) == (1, 4, 0)
    (hit,) = index.search("acme", "router light", filters={"doc_id": "kb-3"}, top_k=1)
    assert hit.text == records[2]["text"]
    assert chunk_count(index, "acme", "kb-3") == 1


def test_prune_removes_documents_whose_files_were_deleted(
    index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = small_folder(tmp_path)
    ingest(index, chunker, [folder], tenant="acme")
    (folder / "hours.txt").unlink()

    kept = ingest(index, chunker, [folder], tenant="acme")
    assert kept.deleted == 0 and "hours.txt" in index.documents("acme")

    pruned = ingest(index, chunker, [folder], tenant="acme", prune=True)
    assert (pruned.deleted, pruned.unchanged, pruned.failed) == (1, 4, [])
    assert "hours.txt" not in index.documents("acme")
    assert chunk_count(index, "acme", "hours.txt") == 0


def test_prune_keeps_documents_of_other_folders_and_tenants(
    index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = small_folder(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    corpus.write_txt(other / "notes.txt", "Notes\nThe warehouse closes at noon on Fridays.\n")
    ingest(index, chunker, [folder, other], tenant="acme")
    ingest(index, chunker, [folder], tenant="globex")
    (folder / "hours.txt").unlink()

    report = ingest(index, chunker, [folder], tenant="acme", prune=True)

    assert report.deleted == 1
    assert "notes.txt" in index.documents("acme")
    assert "hours.txt" in index.documents("globex")


@pytest.mark.parametrize("breakage", ["empty file", "invalid jsonl line"])
def test_prune_keeps_a_document_whose_file_now_fails_to_parse(
    index: Index, tmp_path: Path, chunker: Chunker, breakage: str
) -> None:
    folder = small_folder(tmp_path)
    ingest(index, chunker, [folder], tenant="acme")
    if breakage == "empty file":
        (folder / "thermostat.md").write_bytes(b"")
        survivors = ["thermostat.md"]
    else:  # kb-3's line is broken; kb-1 and kb-2 stay readable
        lines = (folder / "kb.jsonl").read_text().splitlines()
        (folder / "kb.jsonl").write_text("\n".join([*lines[:2], "{not json"]) + "\n")
        survivors = ["kb-3"]

    report = ingest(index, chunker, [folder], tenant="acme", prune=True)

    assert report.deleted == 0
    assert len(report.failed) == 1
    documents = index.documents("acme")
    for doc_id in survivors:
        assert doc_id in documents and chunk_count(index, "acme", doc_id) > 0


def test_prune_removes_every_document_of_a_folder_that_is_now_empty(
    edge_index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = small_folder(tmp_path)
    ingest(edge_index, chunker, [folder], tenant="acme")
    for path in folder.iterdir():
        path.unlink()

    report = ingest(edge_index, chunker, [folder], tenant="acme", prune=True)

    assert report.deleted == 5
    assert edge_index.documents("acme") == {}


def test_tenants_see_only_their_own_documents(
    index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    acme, globex = tmp_path / "acme", tmp_path / "globex"
    acme.mkdir()
    globex.mkdir()
    corpus.write_md(acme / "thermostat.md")
    corpus.write_jsonl(acme / "kb.jsonl", corpus.RECORDS[:1])
    corpus.write_txt(globex / "hours.txt")
    corpus.write_jsonl(globex / "kb.jsonl", corpus.RECORDS[2:])

    ingest(index, chunker, [acme], tenant="acme")
    ingest(index, chunker, [globex], tenant="globex")

    own = {"acme": {"thermostat.md", "kb-1"}, "globex": {"hours.txt", "kb-3"}}
    for tenant, docs in own.items():
        assert set(index.documents(tenant)) == docs
        for question in [
            corpus.PHRASES["md"],
            corpus.PHRASES["txt"],
            "router firmware",
            "password",
        ]:
            assert {h.doc_id for h in index.search(tenant, question, top_k=10)} <= docs
    assert index.search("nobody", "thermostat") == []
    assert {(r["tenant"], r["documents"]) for r in index.stats()} == {("acme", 2), ("globex", 2)}


def test_the_same_folder_in_two_tenants_is_stored_twice(
    index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = small_folder(tmp_path)
    first = ingest(index, chunker, [folder], tenant="acme")
    second = ingest(index, chunker, [folder], tenant="globex")

    assert first.added == second.added == 5
    assert second.unchanged == 0
    ids = {
        t: {p.id for p in index.store.scroll(Where(must=(Condition("tenant", (t,)),)))}
        for t in ("acme", "globex")
    }
    assert len(ids["acme"]) == len(ids["globex"]) == first.chunks
    assert not ids["acme"] & ids["globex"]


def test_a_duplicate_document_id_in_one_run_is_a_failure(
    edge_index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    path = corpus.write_jsonl(
        tmp_path / "kb.jsonl",
        [{"id": "x", "text": "First version."}, {"id": "x", "text": "Second version."}],
    )
    report = ingest(edge_index, chunker, [path], tenant="acme")

    assert report.added == 1
    assert len(report.failed) == 1 and "duplicate document id 'x'" in report.failed[0].error
    (hit,) = edge_index.search("acme", "version")
    assert hit.text == "First version."


def test_hidden_files_and_unsupported_types_are_skipped(
    edge_index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = tmp_path / "docs"
    (folder / ".git").mkdir(parents=True)
    corpus.write_md(folder / "visible.md")
    corpus.write_md(folder / ".hidden.md")
    corpus.write_md(folder / ".git" / "inside.md")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "notes.xyz").write_text("Not a supported type.")

    report = ingest(edge_index, chunker, [folder], tenant="acme")

    assert (report.added, report.failed) == (1, [])
    assert set(edge_index.documents("acme")) == {"visible.md"}


def test_document_ids_are_paths_relative_to_the_folder_given(
    edge_index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    nested = tmp_path / "docs" / "guides"
    nested.mkdir(parents=True)
    corpus.write_md(nested / "thermostat.md")

    ingest(edge_index, chunker, [tmp_path / "docs"], tenant="by-folder")
    ingest(edge_index, chunker, [nested / "thermostat.md"], tenant="by-file")

    assert set(edge_index.documents("by-folder")) == {"guides/thermostat.md"}
    assert set(edge_index.documents("by-file")) == {"thermostat.md"}


def test_progress_is_reported_once_per_item(
    edge_index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = small_folder(tmp_path)
    totals: list[int] = []
    steps: list[int] = []

    ingest(
        edge_index,
        chunker,
        [folder, tmp_path / "missing.md"],
        tenant="acme",
        progress=steps.append,
        total=totals.append,
    )

    assert totals == [4]  # three files and one missing path
    assert sum(steps) == 4


# --- bad input -------------------------------------------------------------------------------


def bad_folder(root: Path) -> Path:
    folder = root / "mixed"
    folder.mkdir()
    corpus.write_md(folder / "good.md")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "random.docx").write_bytes(os.urandom(512))
    (folder / "records.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"doc_id": "ok-1", "text": "The first good record mentions pelicans."}),
                "{this is not json",
                json.dumps({"doc_id": "no-text", "title": "No text here"}),
                json.dumps({"doc_id": "bad-meta", "text": "Some text.", "metadata": ["a", "b"]}),
                json.dumps({"doc_id": "ok-2", "text": "The second good record mentions otters."}),
            ]
        )
        + "\n"
    )
    (folder / "broken.md").symlink_to(folder / "gone.md")
    return folder


def test_bad_items_are_listed_as_failures_and_the_rest_is_ingested(
    edge_index: Index, tmp_path: Path, chunker: Chunker
) -> None:
    folder = bad_folder(tmp_path)
    missing = tmp_path / "does-not-exist"

    report = ingest(edge_index, chunker, [folder, missing], tenant="acme")

    failed = {f.path: f.error for f in report.failed}
    records = str(folder / "records.jsonl")
    assert set(failed) == {
        str(folder / "corrupt.pdf"),
        str(folder / "empty.txt"),
        str(folder / "random.docx"),
        f"{records}:2",
        f"{records}:3",
        f"{records}:4",
        str(folder / "broken.md"),
        str(missing),
    }
    assert all(error and "\n" not in error for error in failed.values())
    assert "PDF" in failed[str(folder / "corrupt.pdf")]
    assert failed[str(folder / "empty.txt")] == "empty file"
    assert "DOCX" in failed[str(folder / "random.docx")]
    assert "invalid JSON" in failed[f"{records}:2"]
    assert "'text'" in failed[f"{records}:3"]
    assert "'metadata'" in failed[f"{records}:4"]
    assert failed[str(folder / "broken.md")] == "broken symbolic link"
    assert failed[str(missing)] == "no such file or directory"

    assert report.added == 3
    assert set(edge_index.documents("acme")) == {"good.md", "ok-1", "ok-2"}
    assert edge_index.search("acme", "otters", top_k=1)[0].doc_id == "ok-2"


@pytest.mark.parametrize(
    "metadata", ["", [], 0, False], ids=["empty-string", "empty-list", "zero", "false"]
)
def test_falsy_metadata_of_the_wrong_type_is_a_failure(
    edge_index: Index, tmp_path: Path, chunker: Chunker, metadata: object
) -> None:
    path = corpus.write_jsonl(
        tmp_path / "kb.jsonl", [{"id": "x", "text": "Hi.", "metadata": metadata}]
    )
    report = ingest(edge_index, chunker, [path], tenant="acme")
    assert len(report.failed) == 1 and "'metadata'" in report.failed[0].error


def test_cli_exit_status_is_1_when_items_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "data"))
    folder = bad_folder(tmp_path)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    args = ["ingest", str(folder), str(tmp_path / "nope.md"), str(dangling), "--json"]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["added"] == 3
    assert len(report["failed"]) == 9
    assert {"path": str(dangling), "error": "broken symbolic link"} in report["failed"]
    assert all(set(f) == {"path", "error"} and "\n" not in f["error"] for f in report["failed"])
