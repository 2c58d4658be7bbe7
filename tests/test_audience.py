"""Audiences on every read path: a customer-audience key never receives an internal note, an
agent-only document or an interaction turn; an agent key still does; no request widens it.

One real app over HTTP (uvicorn), a real Edge index with the packaged model, the official MCP
client over streamable HTTP and over stdio (`casebook mcp` as a subprocess).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import corpus
import httpx
import httpx2
import pytest
from live import serve
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from typer.testing import CliRunner

from casebook.embedding import Embedder
from casebook.settings import Settings
from casebook.wiring import open_index
from cli.main import app as cli
from ingest.chunking import Chunker
from ingest.conversation import ConversationChunker
from ingest.pipeline import ingest
from service.app import create_app
from service.keys import KeyStore
from summaries.interaction import resolution_sections

PUBLISHED = {"returns-policy", "firmware-update"}
HIDDEN = {"credits-guidance", "firmware-known-issue", "outage-runbook.md", "ticket-77"}
# Text that only hidden items hold: none of it may reach a customer-audience caller.
SECRETS = ("manual credits", "Known issue with firmware 4.2.0", "duty manager", "LH-100888")
DOCUMENTS: list[dict[str, Any]] = [
    {
        "id": "returns-policy",
        "title": "Returns and refunds",
        "text": "You can return a thermostat within 30 days of delivery. Refunds reach your card "
        "within 5 business days after we receive the return. A duplicate charge is refunded "
        "automatically within 3 business days.",
    },
    {
        "id": "firmware-update",
        "title": "Firmware updates",
        "text": "Firmware updates install automatically at night. To check your firmware version, "
        "open Settings > Device > About on the thermostat.",
    },
    {
        "id": "credits-guidance",
        "title": "Duplicate charges: agent guidance",
        "text": "For a duplicate charge, refund the second charge and do not add manual credits "
        "to the account.",
        "metadata": {"audience": "agent"},
    },
    {
        "id": "firmware-known-issue",
        "title": "Firmware 4.2.0 known issue",
        "text": "Known issue with firmware 4.2.0: the thermostat may reboot overnight. Escalate "
        "to tier 2 if it persists after the 4.2.1 update.",
        "metadata": {"visibility": "internal"},
    },
]
RUNBOOK = """---
audience: agent
title: Outage runbook
---
# Cloud outage runbook

When many thermostats show offline at once, page the duty manager and post the status banner.
Firmware problems during an outage go to tier 2.
"""
TICKETS: list[dict[str, Any]] = [
    {
        "interaction_id": "ticket-77",
        "channel": "chat",
        "status": "resolved",
        "turns": [
            {"role": "customer", "text": "There are two charges on my card for order LH-100888."},
            {"role": "internal", "text": "Known issue with firmware 4.2.0, escalate if persists."},
            {"role": "agent", "text": "I refunded the duplicate charge for order LH-100888."},
        ],
    }
]
QUESTIONS = (
    "Is there a known issue with firmware 4.2.0?",
    "I see two charges for one order",
    "should I add manual credits for a duplicate charge?",
    "what do we do in a cloud outage?",
)


def settings_for(root: Path) -> Settings:
    """The product's settings over root/data, as `casebook serve` and `casebook mcp` read them."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=root / "data", rate_limit_per_minute=0
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, chunker: Chunker) -> Path:
    """An Edge index of the corpus above in root/data (closed again), and its keys."""
    root = tmp_path_factory.mktemp("audience")
    folder = root / "input"
    folder.mkdir()
    corpus.write_jsonl(folder / "kb.jsonl", DOCUMENTS)
    (folder / "outage-runbook.md").write_text(RUNBOOK)
    corpus.write_jsonl(folder / "tickets.jsonl", TICKETS)
    index = open_index(settings_for(root), embedder)
    conversations = ConversationChunker(
        embedder.tokens, chunker.chunk_tokens, summarize=resolution_sections
    )
    report = ingest(index, chunker, [folder], tenant="acme", conversations=conversations)
    assert not report.failed, report
    index.close()
    store = KeyStore(root / "data" / "keys.json")
    keys = {
        "customer": store.create("acme", "bot")[0],  # bot keys default to the customer audience
        "agent": store.create("acme", "agent")[0],
        "bot-as-agent": store.create("acme", "bot", audience="agent")[0],
    }
    (root / "keys.json").write_text(json.dumps(keys))
    # A copy for `casebook mcp`: the live app below holds the folder lock of root/data.
    shutil.copytree(root / "data", root / "stdio")
    return root


@pytest.fixture(scope="module")
def keys(root: Path) -> dict[str, str]:
    return json.loads((root / "keys.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def base_url(root: Path, embedder: Embedder) -> Iterator[str]:
    settings = settings_for(root)
    index = open_index(settings, embedder)
    try:
        with serve(create_app(settings, index=index)) as url:
            yield url
    finally:
        index.close()


def post(base_url: str, key: str, path: str, body: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.post(f"{base_url}{path}", json=body, headers=headers, timeout=60)


def get(base_url: str, key: str, path: str) -> httpx.Response:
    return httpx.get(f"{base_url}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=60)


def assert_customer_safe(payload: Any) -> None:
    """No hidden document id, no interaction and no hidden text anywhere in a response."""
    text = json.dumps(payload)
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} reached a customer: {text[:500]}"
    for doc_id in HIDDEN:
        assert f'"{doc_id}"' not in text, f"{doc_id} reached a customer"
    assert '"interaction"' not in text and '"resolution"' not in text


def search_ids(base_url: str, key: str, query: str, **extra: Any) -> set[str]:
    response = post(base_url, key, "/v1/search", {"query": query, "top_k": 20, **extra})
    assert response.status_code == 200, response.text
    return {hit["doc_id"] for hit in response.json()["results"]}


def test_customer_search_finds_only_published_documents(
    base_url: str, keys: dict[str, str]
) -> None:
    for question in QUESTIONS:
        response = post(base_url, keys["customer"], "/v1/search", {"query": question, "top_k": 20})
        assert response.status_code == 200
        assert_customer_safe(response.json())
        assert search_ids(base_url, keys["customer"], question) <= PUBLISHED
    found = set().union(*(search_ids(base_url, keys["agent"], q) for q in QUESTIONS))
    assert found >= HIDDEN  # the agent still sees the notes, guidance, runbook and ticket


def test_customer_answers_quote_only_published_documents(
    base_url: str, keys: dict[str, str]
) -> None:
    for question in QUESTIONS:
        for stream in (False, True):
            body = {"question": question, "stream": stream}
            response = post(base_url, keys["customer"], "/v1/answer", body)
            assert response.status_code == 200
            assert_customer_safe(response.text if stream else response.json())
    agent = [post(base_url, keys["agent"], "/v1/answer", {"question": q}).json() for q in QUESTIONS]
    cited = {c["doc_id"] for a in agent for c in a["citations"]}
    assert cited & HIDDEN, agent  # the same questions, for staff, quote the internal sources
    for citation in (c for a in agent for c in a["citations"]):
        expected = "interaction" if citation["doc_id"] == "ticket-77" else "document"
        assert citation["kind"] == expected  # past cases are cited as such


def test_customer_summaries_never_show_an_interaction(base_url: str, keys: dict[str, str]) -> None:
    customer, agent = keys["customer"], keys["agent"]
    ticket, runbook = "ticket-77", "outage-runbook.md"
    items = ({"interaction_id": ticket}, {"doc_id": ticket}, {"doc_id": runbook})
    for body in items:
        assert post(base_url, customer, "/v1/summarize", body).status_code == 404
        assert post(base_url, agent, "/v1/summarize", body).status_code == 200
    topic = post(base_url, customer, "/v1/summarize", {"query": "duplicate charge"}).json()
    assert topic["interactions"] == 0 and not topic["points"]
    assert_customer_safe(topic)
    published = post(base_url, customer, "/v1/summarize", {"doc_id": "returns-policy"})
    assert published.status_code == 200
    agent_topic = post(base_url, agent, "/v1/summarize", {"query": "duplicate charge"}).json()
    assert agent_topic["interactions"] == 1


def test_customer_document_listing_and_fetch_hide_internal_items(
    base_url: str, keys: dict[str, str]
) -> None:
    listed = get(base_url, keys["customer"], "/v1/documents").json()
    assert {d["doc_id"] for d in listed["documents"]} == PUBLISHED
    for doc_id in HIDDEN:
        assert get(base_url, keys["customer"], f"/v1/documents/{doc_id}").status_code == 404
        assert get(base_url, keys["agent"], f"/v1/documents/{doc_id}").status_code == 200
    everything = get(base_url, keys["agent"], "/v1/documents").json()
    assert {d["doc_id"] for d in everything["documents"]} == PUBLISHED | HIDDEN


def test_customer_chat_completions_are_customer_safe(base_url: str, keys: dict[str, str]) -> None:
    for question in QUESTIONS:
        for stream in (False, True):
            body = {
                "model": "casebook-extractive",
                "messages": [{"role": "user", "content": question}],
                "stream": stream,
            }
            response = post(base_url, keys["customer"], "/v1/chat/completions", body)
            assert response.status_code == 200
            assert_customer_safe(response.text)


def test_a_request_cannot_widen_its_audience(base_url: str, keys: dict[str, str]) -> None:
    customer = keys["customer"]
    assert not search_ids(base_url, customer, "duplicate charge", filters={"kind": "interaction"})
    assert not search_ids(base_url, customer, "credits", filters={"audience": "agent"})
    assert not search_ids(base_url, customer, "firmware", filters={"visibility": "internal"})
    for path, body in (
        ("/v1/search", {"query": "firmware", "audience": "agent"}),
        ("/v1/answer", {"question": "firmware?", "audience": "agent"}),
    ):
        assert post(base_url, customer, path, body).status_code == 422
    # A bot key made for staff (casebook keys create --role bot --audience agent) sees everything.
    assert "credits-guidance" in search_ids(base_url, keys["bot-as-agent"], "manual credits")


def test_ne_and_not_filters_exclude(base_url: str, keys: dict[str, str]) -> None:
    agent = keys["agent"]
    query = "duplicate charge refund"
    assert "ticket-77" in search_ids(base_url, agent, query)
    not_interactions = {"kind": {"not": ["interaction", "resolution"]}}
    assert "ticket-77" not in search_ids(base_url, agent, query, filters=not_interactions)
    only_documents = search_ids(base_url, agent, query, filters={"kind": {"ne": "interaction"}})
    assert "returns-policy" in only_documents
    unmarked = search_ids(base_url, agent, query, filters={"audience": {"ne": "agent"}})
    assert "credits-guidance" not in unmarked and "returns-policy" in unmarked
    bad = post(base_url, agent, "/v1/search", {"query": "x", "filters": {"kind": {"ne": None}}})
    assert bad.status_code == 422


def mcp_over_http(base_url: str, key: str, tool: str, arguments: dict[str, Any]) -> Any:
    async def main() -> Any:
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await session.call_tool(tool, arguments)

    return anyio.run(main)


def test_mcp_over_http_is_customer_safe(base_url: str, keys: dict[str, str]) -> None:
    customer = keys["customer"]
    for question in QUESTIONS:
        for tool, arguments in (
            ("search_knowledge", {"query": question, "top_k": 20}),
            ("answer_question", {"question": question}),
        ):
            result = mcp_over_http(base_url, customer, tool, arguments)
            assert not result.is_error
            assert_customer_safe(result.structured_content)
    for tool, arguments in (
        ("summarize_interaction", {"interaction_id": "ticket-77"}),
        ("get_document", {"doc_id": "ticket-77"}),
        ("get_document", {"doc_id": "credits-guidance"}),
    ):
        assert mcp_over_http(base_url, customer, tool, arguments).is_error
        assert not mcp_over_http(base_url, keys["agent"], tool, arguments).is_error


def test_mcp_over_stdio_runs_in_the_keys_audience(root: Path, keys: dict[str, str]) -> None:
    # `python -m cli` (the `casebook` command) from this checkout, whichever tree is installed
    checkout = str(Path(__file__).resolve().parents[1])

    def run(key: str) -> tuple[Any, Any]:
        server = StdioServerParameters(
            command=sys.executable,
            cwd=checkout,
            args=["-m", "cli", "mcp"],
            env={
                "PATH": os.environ.get("PATH", ""),
                "HOME": os.environ.get("HOME", ""),
                "PYTHONPATH": checkout,
                "HF_HUB_OFFLINE": "1",
                "CASEBOOK_DATA_DIR": str(root / "stdio"),
                "CASEBOOK_API_KEY": key,
            },
        )

        async def main() -> tuple[Any, Any]:
            async with stdio_client(server) as (read, write), ClientSession(read, write) as s:
                await s.initialize()
                found = await s.call_tool("search_knowledge", {"query": QUESTIONS[0], "top_k": 20})
                fetched = await s.call_tool("get_document", {"doc_id": "firmware-known-issue"})
                return found, fetched

        return anyio.run(main)

    found, fetched = run(keys["customer"])
    assert_customer_safe(found.structured_content)
    assert fetched.is_error
    found, fetched = run(keys["agent"])
    assert not found.is_error, found.content
    ids = {hit["doc_id"] for hit in found.structured_content["results"]}
    assert "firmware-known-issue" in ids and not fetched.is_error


def test_keys_create_takes_an_audience(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(cli, ["keys", "create", "--tenant", "t", "--role", "bot", "--json"])
    assert made.exit_code == 0 and json.loads(made.stdout)["audience"] == "customer"
    staff = ["keys", "create", "--tenant", "t", "--role", "bot", "--audience", "agent", "--json"]
    assert json.loads(runner.invoke(cli, staff).stdout)["audience"] == "agent"
    wrong = runner.invoke(cli, [*staff[:-2], "x"])
    assert wrong.exit_code == 2 and "invalid audience" in wrong.output
    listed = json.loads(runner.invoke(cli, ["keys", "list", "--json"]).stdout)["keys"]
    assert sorted(k["audience"] for k in listed) == ["agent", "customer"]
