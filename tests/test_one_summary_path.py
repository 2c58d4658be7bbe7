"""One summary path: REST /v1/summarize, MCP summarize_interaction, `casebook summarize` and
summaries.summarizer give the same summary of an interaction, a document and a topic (the sample
corpus, the real model, the real app over HTTP); with an LLM, REST, MCP and the entry agree too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_llm import FakeLLM, Script
from live import call_tool, serve
from typer.testing import CliRunner

from casebook.documents import list_documents
from casebook.embedding import Embedder
from casebook.llm import build_llm
from casebook.settings import Settings
from casebook.wiring import open_index
from cli.main import app as cli
from service import ingestion
from service.app import create_app
from summaries import summarizer
from summaries.summarizer import Subject, Summarizer

ROOT = Path(__file__).resolve().parents[1]
TICKET = "T-1001"  # a double charge, refunded
TOPIC = "charged twice"
GENERATED = "Issue: The customer was charged twice [t0].\nResolution: The agent refunded it [t2]."


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Path]:
    """A data directory holding the ingested sample corpus, closed again (the CLI opens it)."""
    folder = tmp_path_factory.mktemp("summaries") / "data"
    settings = Settings(data_dir=folder, qdrant_url=None)
    index = open_index(settings, embedder)
    try:
        sample = ROOT / "casebook" / "sample"
        report = ingestion.ingestor(index, settings).run([sample], tenant="default")
        assert not report.failed
    finally:
        index.close()
    yield folder


def document_id(settings: Settings, embedder: Embedder) -> str:
    index = open_index(settings, embedder)
    try:
        ids = [d.doc_id for d in list_documents(index, "default") if d.kind == "document"]
    finally:
        index.close()
    return next(i for i in ids if i.endswith("reset-thermostat.md"))


def in_process(settings: Settings, embedder: Embedder, subjects: list[Subject]) -> list[Any]:
    index = open_index(settings, embedder)
    try:
        entry = Summarizer(index, settings, build_llm(settings))
        return [summarizer.summarize(entry, subject) for subject in subjects]
    finally:
        index.close()


def over_rest(url: str, body: dict[str, str]) -> dict[str, Any]:
    reply = httpx.post(f"{url}/v1/summarize", json=body, timeout=60)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def served(
    settings: Settings, embedder: Embedder, rest: list[dict[str, str]], mcp: list[dict[str, str]]
) -> tuple[list[Any], list[Any]]:
    index = open_index(settings, embedder)
    try:
        with serve(create_app(settings, index=index)) as url:
            tool = [call_tool(url, "summarize_interaction", b) for b in mcp]
            return [over_rest(url, b) for b in rest], tool
    finally:
        index.close()


def test_every_front_end_gives_the_same_summary(
    data: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(data))
    settings = Settings(data_dir=data, qdrant_url=None)
    doc = document_id(settings, embedder)
    ids = [{"interaction_id": TICKET}, {"doc_id": TICKET}, {"doc_id": doc}]
    subjects = [*(Subject("default", **b) for b in ids), Subject("default", query=TOPIC)]
    entry = in_process(settings, embedder, subjects)
    command_line = []
    for item in (TICKET, doc):
        run = CliRunner().invoke(cli, ["summarize", item, "--json"])
        assert run.exit_code == 0, run.output
        command_line.append(json.loads(run.output))
    rest, mcp = served(settings, embedder, [*ids, {"query": TOPIC}], ids)

    assert entry[0]["interaction_id"] == TICKET and "[t0]" in entry[0]["summary"]
    assert entry[2]["doc_id"] == doc and entry[2]["citations"]
    assert entry[3]["points"] and any(c["interaction_id"] == TICKET for c in entry[3]["citations"])
    assert rest == entry
    assert mcp == entry[:3]
    assert command_line == [entry[0], entry[2]]


def test_with_an_llm_every_front_end_gives_the_same_summary(data: Path, embedder: Embedder) -> None:
    fake = FakeLLM().start()
    fake.default = Script(GENERATED)
    try:
        settings = Settings(
            data_dir=data, qdrant_url=None, llm_provider="openai_like", llm_base_url=fake.url,
            llm_model="fake-model", llm_timeout_s=5.0,
        )  # fmt: skip
        doc = document_id(settings, embedder)
        ids = [{"interaction_id": TICKET}, {"doc_id": doc}]
        subjects = [*(Subject("default", **b) for b in ids), Subject("default", query=TOPIC)]
        entry = in_process(settings, embedder, subjects)
        rest, mcp = served(settings, embedder, [*ids, {"query": TOPIC}], ids)
    finally:
        fake.close()

    assert entry[0]["generator"] == "llm" and entry[0]["summary"].startswith(GENERATED)
    assert (entry[1]["generator"], entry[1]["fallback_reason"]) == ("extractive", None)
    assert rest == entry
    assert mcp == entry[:2]
