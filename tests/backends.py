"""The two real store backends the suite runs against: Qdrant Edge and qdrant-client local mode."""

from __future__ import annotations

from pathlib import Path

from qdrant_client import QdrantClient

from casebook.bm25 import Bm25
from casebook.embedding import Embedder
from casebook.index import Index
from casebook.store.base import Store
from casebook.store.edge import EdgeStore
from casebook.store.server import ServerStore

BACKENDS = ("edge", "client")


def open_store(kind: str, folder: Path, dense_size: int, *, in_memory: bool = True) -> Store:
    """Edge in `folder`, or qdrant-client's in-process mode (in memory or in `folder`)."""
    if kind == "edge":
        return EdgeStore(folder / "edge", dense_size)
    if kind == "client":
        client = QdrantClient(":memory:") if in_memory else QdrantClient(path=str(folder / "local"))
        return ServerStore(client, "casebook", dense_size)
    raise ValueError(f"unknown backend {kind!r}")


def open_index(kind: str, folder: Path, embedder: Embedder) -> Index:
    """An index over a fresh store of this kind."""
    return Index(open_store(kind, folder, embedder.dim), embedder, Bm25())
