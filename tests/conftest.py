"""Shared fixtures: no network, one embedding model per session, indexes over both backends."""

from __future__ import annotations

from casebook.offline import go_offline

go_offline()  # before sentence-transformers, transformers or unstructured are imported

import ipaddress  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from backends import BACKENDS, open_index, world_settings  # noqa: E402

from casebook.bm25 import Bm25  # noqa: E402
from casebook.embedding import Embedder  # noqa: E402
from casebook.index import Index  # noqa: E402
from casebook.wiring import build_embedder  # noqa: E402
from ingest.chunking import Chunker  # noqa: E402

BLOCKED = "network blocked in tests"


def pytest_configure(config: pytest.Config) -> None:
    # qdrant-client's local mode warns that payload indexes do nothing there; that is expected.
    config.addinivalue_line(
        "filterwarnings", "ignore:Payload indexes have no effect in the local Qdrant:UserWarning"
    )


def _is_local(family: int, address: Any) -> bool:
    """Whether a socket address is loopback or a Unix socket (the only ones tests may reach)."""
    if family == getattr(socket, "AF_UNIX", object()) or isinstance(address, str | bytes):
        return True
    host = address[0] if isinstance(address, tuple) and address else ""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session", autouse=True)
def block_network() -> Iterator[None]:
    """Every test (and every fixture, whatever its scope) runs with outbound network refused."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_local(self.family, address):
            raise OSError(BLOCKED)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_local(self.family, address):
            raise OSError(BLOCKED)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _is_local(socket.AF_INET, address):
            raise OSError(BLOCKED)
        return real_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "create_connection", create_connection)
        yield


@pytest.fixture(scope="session", autouse=True)
def no_casebook_environment() -> Iterator[None]:
    """Settings come from the tests alone, not from the developer's CASEBOOK_* variables."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("CASEBOOK_")]:
            patch.delenv(key)
        yield


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default settings' model (the packaged all-MiniLM-L6-v2), loaded once per process."""
    return build_embedder(world_settings(Path("unused")))


@pytest.fixture(scope="session")
def bm25() -> Bm25:
    return Bm25()


@pytest.fixture(scope="session")
def chunker(embedder: Embedder) -> Chunker:
    """The chunker with the default settings' budget (200 tokens, 40 overlap)."""
    settings = world_settings(Path("unused"))
    return Chunker(embedder.tokens, settings.chunk_tokens, settings.chunk_overlap)


@pytest.fixture
def edge_index(tmp_path: Path, embedder: Embedder) -> Iterator[Index]:
    index = open_index("edge", tmp_path, embedder)
    yield index
    index.close()  # Edge locks its folder until closed


@pytest.fixture
def client_index(tmp_path: Path, embedder: Embedder) -> Iterator[Index]:
    index = open_index("client", tmp_path, embedder)
    yield index
    index.close()


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest) -> Index:
    """The same test against Qdrant Edge and against qdrant-client's local mode."""
    return request.getfixturevalue(f"{request.param}_index")  # type: ignore[no-any-return]
