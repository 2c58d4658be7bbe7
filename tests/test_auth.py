"""API keys end to end: the CLI creates them, the app enforces them, tenants stay apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import corpus
import pytest
from backends import open_index
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from casebook.embedding import Embedder
from casebook.settings import Settings
from cli.main import app as cli
from ingest.chunking import Chunker
from ingest.pipeline import ingest
from service.app import create_app
from service.keys import KeyStore

TENANT_DOCS = {
    "acme": {"id": "acme-1", "title": "Acme returns", "text": "Acme takes returns for 30 days."},
    "globex": {
        "id": "globex-1",
        "title": "Globex returns",
        "text": "Globex takes returns for 90 days.",
    },
}


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, chunker: Chunker
) -> Iterator[tuple[TestClient, dict[str, str], KeyStore]]:
    root = tmp_path_factory.mktemp("auth")
    index = open_index("edge", root, embedder)
    for tenant, record in TENANT_DOCS.items():
        path = root / f"{tenant}.jsonl"
        corpus.write_jsonl(path, [record])
        assert not ingest(index, chunker, [path], tenant=tenant).failed
    store = KeyStore(root / "keys.json")
    keys = {
        "acme": store.create("acme", "agent")[0],
        "globex": store.create("globex", "bot")[0],
    }
    with TestClient(create_app(Settings(data_dir=root), index=index, keys=store)) as client:
        yield client, keys, store
    index.close()


def _search(client: TestClient, key: str | None, query: str = "how long are returns?"):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/v1/search", json={"query": query, "top_k": 10}, headers=headers)


def test_search_without_a_key_is_401(setup) -> None:
    client, _, _ = setup
    response = _search(client, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "unauthorized"


def test_an_unknown_key_is_401(setup) -> None:
    client, _, _ = setup
    assert _search(client, "cb_000000000000_" + "x" * 43).status_code == 401


def test_each_key_sees_only_its_tenant(setup) -> None:
    client, keys, _ = setup
    for tenant, key in keys.items():
        response = _search(client, key)
        assert response.status_code == 200
        assert {h["doc_id"] for h in response.json()["results"]} == {TENANT_DOCS[tenant]["id"]}


def test_health_needs_no_key(setup) -> None:
    client, _, _ = setup
    assert client.get("/healthz").status_code == 200


def test_a_revoked_key_stops_working_at_once(setup, tmp_path: Path) -> None:
    client, _, store = setup
    key, record = store.create("acme", "agent")
    assert _search(client, key).status_code == 200
    store.revoke(record.key_id)
    assert _search(client, key).status_code == 401


def test_cli_creates_lists_and_revokes_keys(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    created = runner.invoke(
        cli, ["keys", "create", "--tenant", "acme", "--role", "admin", "--json"]
    )
    assert created.exit_code == 0, created.output
    out = json.loads(created.stdout)
    assert set(out) == {"key", "key_id", "tenant", "role", "audience"} and out["tenant"] == "acme"
    assert out["key"] not in (tmp_path / "keys.json").read_text()
    listed = json.loads(runner.invoke(cli, ["keys", "list", "--json"]).stdout)
    assert [k["key_id"] for k in listed["keys"]] == [out["key_id"]]
    assert runner.invoke(cli, ["keys", "revoke", out["key_id"]]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["keys", "list", "--json"]).stdout)
    assert listed["keys"][0]["active"] is False
    assert runner.invoke(cli, ["keys", "revoke", "nope"]).exit_code == 1
    bad = runner.invoke(cli, ["keys", "create", "--tenant", "acme", "--role", "root"])
    assert bad.exit_code == 2
