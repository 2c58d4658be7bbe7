"""The MCP server driven by the official mcp client: streamable HTTP against the live app (keys and
tenants as on the REST API), and stdio against `casebook mcp` run as a subprocess."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import corpus
import httpx
import httpx2
import pytest
from api_world import World, build_world, documents
from fastapi.testclient import TestClient
from live import serve
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from typer.testing import CliRunner

from casebook.embedding import Embedder
from cli.main import app as cli
from service.app import create_app
from service.keys import KeyStore

TOOLS = {"search_knowledge", "answer_question", "summarize_interaction", "get_document"}
T = TypeVar("T")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
ACCEPT = {"accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[World]:
    built = build_world(tmp_path_factory.mktemp("mcp"), embedder, rate_limit_per_minute=0)
    yield built
    built.index.close()


@pytest.fixture(scope="module")
def base_url(world: World) -> Iterator[str]:
    with serve(world.app()) as url:
        yield url


def over_http(
    base_url: str, headers: dict[str, str], work: Callable[[ClientSession], Awaitable[T]]
) -> T:
    """Run `work` in an initialized MCP session over streamable HTTP at /mcp."""

    async def main() -> T:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await work(session)

    return anyio.run(main)


def call(base_url: str, world: World, tool: str, tenant: str = "acme", **arguments: Any) -> Any:
    """A tool's result over HTTP with the tenant's agent key (bot keys: tests/test_audience.py)."""

    async def work(session: ClientSession) -> Any:
        return await session.call_tool(tool, arguments)

    return over_http(base_url, world.headers(tenant, "agent"), work)


def test_the_tools_are_listed(base_url: str, world: World) -> None:
    async def work(session: ClientSession) -> Any:
        return await session.list_tools()

    listed = over_http(base_url, world.headers("acme"), work)
    assert {tool.name for tool in listed.tools} == TOOLS
    for tool in listed.tools:
        assert tool.description and tool.annotations and tool.annotations.read_only_hint
        assert "ctx" not in tool.input_schema.get("properties", {})


def test_search_runs_in_the_keys_tenant(base_url: str, world: World) -> None:
    for tenant, marker, other in (("acme", "ACME", "GLOBEX"), ("globex", "GLOBEX", "ACME")):
        result = call(base_url, world, "search_knowledge", tenant, query="return policy", top_k=3)
        assert not result.is_error
        hits = result.structured_content["results"]
        assert hits and hits[0]["doc_id"] == "returns"
        assert all(marker in h["text"] and other not in h["text"] for h in hits)


@pytest.mark.xfail(
    strict=True,
    reason="Found when the test world took the product's retrieval settings (DBSF, 8 history "
    "turns; it had run RRF and 3 turns): the follow-up ranks ticket-3 above the router document "
    "and abstains (confidence 0.496 < 0.5); from 0.3 it quotes the ticket, not 'ten seconds'.",
)
def test_answer_cites_its_sources_and_uses_the_history(base_url: str, world: World) -> None:
    result = call(
        base_url, world, "answer_question", question="How many days do I have to return an item?"
    )
    answer = result.structured_content
    assert answer["answerable"] is True and "30 days" in answer["answer"]
    assert {c["doc_id"] for c in answer["citations"]} == {"returns"}
    history = [{"role": "user", "text": "My router will not connect, I need to reset it."}]
    follow_up = call(
        base_url, world, "answer_question", question="How long does it take?", history=history
    )
    assert "ten seconds" in follow_up.structured_content["answer"]
    globex = call(base_url, world, "answer_question", "globex", question="Return window?")
    assert "ACME" not in str(globex.structured_content)


def test_summaries_and_documents_come_from_the_keys_tenant(base_url: str, world: World) -> None:
    summary = call(base_url, world, "summarize_interaction", "globex", interaction_id="ticket-1")
    assert "GLOBEX" in summary.structured_content["summary"]
    assert summary.structured_content["citations"]
    by_doc = call(base_url, world, "summarize_interaction", doc_id="router")
    assert "ACME" in by_doc.structured_content["summary"]
    document = call(base_url, world, "get_document", "globex", doc_id="globex-only")
    assert "GLOBEX warranty" in document.structured_content["chunks"][0]["text"]


def test_another_tenants_document_is_a_tool_error(base_url: str, world: World) -> None:
    result = call(base_url, world, "get_document", "acme", doc_id="globex-only")
    assert result.is_error and "globex-only" in result.content[0].text
    neither = call(base_url, world, "summarize_interaction")
    assert neither.is_error


def test_mcp_without_a_valid_key_is_401(base_url: str, world: World) -> None:
    for auth in ({}, {"authorization": "Bearer cb_nope_nope"}):
        response = httpx.post(f"{base_url}/mcp", json=INITIALIZE, headers=ACCEPT | auth)
        assert response.status_code == 401
        assert response.json()["type"] == "unauthorized"
    accepted = httpx.post(
        f"{base_url}/mcp", json=INITIALIZE, headers=ACCEPT | world.headers("acme")
    )
    assert accepted.status_code == 200

    async def work(session: ClientSession) -> Any:
        return await session.list_tools()

    with pytest.raises(ExceptionGroup) as refused:  # the SDK's task groups wrap its error
        over_http(base_url, {"authorization": "Bearer cb_nope_nope"}, work)
    assert refused.value.subgroup(lambda exc: isinstance(exc, MCPError)) is not None


# --- stdio: `casebook mcp` ----------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding an Edge index of acme's documents (ingested by the CLI) and a key."""
    root = tmp_path_factory.mktemp("mcp-stdio")
    corpus.write_jsonl(root / "kb.jsonl", documents("acme"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASEBOOK_DATA_DIR", str(root / "data"))
        result = CliRunner().invoke(cli, ["ingest", str(root / "kb.jsonl"), "--tenant", "acme"])
    assert result.exit_code == 0, result.output  # the CLI closed the index: the subprocess opens it
    return root / "data"


def over_stdio(data_dir: Path, args: list[str], env: dict[str, str] | None = None) -> Any:
    """Spawn `casebook mcp ARGS`; list its tools and search for the return policy."""
    # `python -m cli` (the `casebook` command) from this checkout, whichever tree is installed
    checkout = str(Path(__file__).resolve().parents[1])
    server = StdioServerParameters(
        command=sys.executable,
        cwd=checkout,
        args=["-m", "cli", "mcp", *args],
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "PYTHONPATH": checkout,
            "HF_HUB_OFFLINE": "1",
            "CASEBOOK_DATA_DIR": str(data_dir),
            **(env or {}),
        },
    )

    async def main() -> Any:
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            found = await session.call_tool("search_knowledge", {"query": "return policy"})
            return {tool.name for tool in tools.tools}, found

    return anyio.run(main)


def test_casebook_mcp_serves_the_tools_over_stdio(data_dir: Path) -> None:
    key, _ = KeyStore(data_dir / "keys.json").create("acme", "bot")
    names, found = over_stdio(data_dir, [], env={"CASEBOOK_API_KEY": key})
    assert names == TOOLS
    assert not found.is_error
    hits = found.structured_content["results"]
    assert hits[0]["doc_id"] == "returns" and "ACME" in hits[0]["text"]
    _, elsewhere = over_stdio(data_dir, ["--tenant", "globex"])
    assert elsewhere.structured_content["results"] == []  # globex has nothing in this index


def test_casebook_mcp_refuses_a_bad_key(data_dir: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASEBOOK_DATA_DIR", str(data_dir))
        result = CliRunner().invoke(cli, ["mcp", "--key", "cb_nope_nope"])
    assert result.exit_code == 2 and "invalid or revoked API key" in result.output


def test_open_mode_mcp_answers_loopback_hosts_only(world: World, tmp_path: Path) -> None:
    app = create_app(world.settings, index=world.index, keys=KeyStore(tmp_path / "none.json"))
    with TestClient(app) as client:
        local = client.post("/mcp", json=INITIALIZE, headers=ACCEPT | {"host": "127.0.0.1:8000"})
        rebound = client.post("/mcp", json=INITIALIZE, headers=ACCEPT | {"host": "evil.example"})
        page = {"host": "localhost:8000", "origin": "http://evil.example"}
        from_page = client.post("/mcp", json=INITIALIZE, headers=ACCEPT | page)
    assert local.status_code == 200 and local.json()["result"]["serverInfo"]["name"] == "casebook"
    assert rebound.status_code == 421 and from_page.status_code == 403


@pytest.mark.parametrize(
    ("tool", "arguments", "method", "path", "body"),
    [
        ("get_document", {"doc_id": "globex-only"}, "GET", "/v1/documents/globex-only", None),
        ("search_knowledge", {"query": "x" * 5000}, "POST", "/v1/search", {"query": "x" * 5000}),
    ],
    ids=["not-found", "over-a-limit"],
)
def test_mcp_and_rest_name_the_same_error_with_the_same_type(
    base_url: str,
    world: World,
    tool: str,
    arguments: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    rest = httpx.request(
        method, f"{base_url}{path}", json=body, headers=world.headers("acme"), timeout=60
    )
    kind = rest.json()["type"]
    assert rest.status_code >= 400 and kind not in ("bad_request", "validation_error")
    result = call(base_url, world, tool, **arguments)
    assert result.is_error and f": {kind}: " in result.content[0].text, result.content[0].text
