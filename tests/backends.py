"""The two real store backends the suite runs against: Qdrant Edge and qdrant-client local mode.

Indexes over them are built by the product's wiring from Settings, so tests search as the
product does.
"""

from __future__ import annotations

from pathlib import Path

from qdrant_client import QdrantClient

from casebook.embedding import Embedder
from casebook.index import Index
from casebook.settings import Settings
from casebook.store.base import Store
from casebook.store.edge import EdgeStore
from casebook.store.server import ServerStore
from casebook.wiring import build_index

BACKENDS = ("edge", "client")


def open_store(kind: str, folder: Path, dense_size: int, *, in_memory: bool = True) -> Store:
    """Edge in `folder`, or qdrant-client's in-process mode (in memory or in `folder`)."""
    if kind == "edge":
        return EdgeStore(folder / "edge", dense_size)
    if kind == "client":
        client = QdrantClient(":memory:") if in_memory else QdrantClient(path=str(folder / "local"))
        return ServerStore(client, "casebook", dense_size)
    raise ValueError(f"unknown backend {kind!r}")


def world_settings(folder: Path, **overrides: object) -> Settings:
    """The product's settings for a test world: defaults, not the developer's environment."""
    return Settings(_env_file=None, data_dir=folder, **overrides)  # type: ignore[arg-type]


def open_index(
    kind: str, folder: Path, embedder: Embedder, settings: Settings | None = None
) -> Index:
    """An index over a fresh store of this kind, searching as the settings say."""
    settings = settings or world_settings(folder)
    return build_index(settings, open_store(kind, folder, embedder.dim), embedder)
