"""One answer path: REST, the OpenAI-compatible route, MCP, `casebook answer` and the eval
target give the same answer, citations and confidence for the same question (the sample corpus,
the real model and reranker, the real app over HTTP)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from live import call_tool, serve
from typer.testing import CliRunner

from casebook.embedding import Embedder
from casebook.settings import Settings
from casebook.wiring import open_index
from cli.main import app as cli
from eval.targets import LocalTarget, Probe
from service import ingestion
from service.app import create_app

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS: list[tuple[str, list[dict[str, str]]]] = [
    ("what does error E42 mean?", []),
    ("Do I need a C-wire?", []),
    ("how long do I have?", [{"role": "user", "text": "I want to return my thermostat"}]),
    ("Can I pay with Bitcoin?", []),
]
MARKER = re.compile(r"\s*\[\d+\]")


def shape(body: dict[str, Any]) -> tuple[Any, ...]:
    """What must be equal: the text, each citation's document, quote and range, the confidence."""
    cited = [(c["doc_id"], c["quote"], c.get("start"), c.get("end")) for c in body["citations"]]
    return body["answer"], cited, round(float(body["confidence"]), 4), body["answerable"]


def over_openai(url: str, question: str, history: list[dict[str, str]]) -> dict[str, Any]:
    messages = [{"role": t["role"], "content": t["text"]} for t in history]
    reply = httpx.post(
        f"{url}/v1/chat/completions",
        json={"model": "casebook-extractive", "messages": [*messages,
              {"role": "user", "content": question}]},  # fmt: skip
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    info = body["casebook"]
    return {"answer": body["choices"][0]["message"]["content"], "citations": body["citations"],
            "confidence": info["confidence"], "answerable": info["answerable"]}  # fmt: skip


def test_every_front_end_gives_the_same_answer(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(data))
    settings = Settings(data_dir=data, qdrant_url=None)
    index = open_index(settings, embedder)
    try:
        sample = ROOT / "casebook" / "sample"
        report = ingestion.ingestor(index, settings).run([sample], tenant="default")
        assert not report.failed
        target = LocalTarget(index, settings)
        evaluated = [target.answer(Probe("default", q, h), 5) for q, h in QUESTIONS]
    finally:
        index.close()

    history_file = tmp_path / "history.json"
    command_line = []
    for question, history in QUESTIONS:
        history_file.write_text(json.dumps(history))
        run = CliRunner().invoke(cli, ["answer", question, "--json",
                                       "--history-file", str(history_file)])  # fmt: skip
        assert run.exit_code == 0, run.output
        command_line.append(json.loads(run.output))

    index = open_index(settings, embedder)
    try:
        with serve(create_app(settings, index=index)) as url:
            rest = [
                httpx.post(f"{url}/v1/answer", json={"question": q, "history": h}, timeout=60)
                .raise_for_status().json()
                for q, h in QUESTIONS
            ]  # fmt: skip
            openai = [over_openai(url, q, h) for q, h in QUESTIONS]
            mcp = [call_tool(url, "answer_question", {"question": q, "history": h})
                   for q, h in QUESTIONS]  # fmt: skip
    finally:
        index.close()

    assert any(body["answerable"] for body in rest) and not rest[-1]["answerable"]
    for n, body in enumerate(rest):
        expected = shape(body)
        assert shape(command_line[n]) == expected, QUESTIONS[n][0]
        assert shape(mcp[n]) == expected, QUESTIONS[n][0]
        assert shape(openai[n])[1:] == expected[1:], QUESTIONS[n][0]
        assert openai[n]["answer"] == body["answer"] or not body["answerable"]
        reply = evaluated[n]
        assert reply.answerable == body["answerable"]
        assert reply.text == (MARKER.sub("", body["answer"]) if body["answerable"] else "")
        assert reply.cited_doc_ids == [c["doc_id"] for c in body["citations"]]
        assert round(reply.confidence, 4) == expected[2]
