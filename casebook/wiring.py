"""Builds the index the settings describe: the one place that picks a store backend."""

from __future__ import annotations

from casebook.bm25 import Bm25
from casebook.embedding import Embedder, load_embedder
from casebook.index import Index
from casebook.settings import Settings
from casebook.store.base import Store


def open_store(settings: Settings, dense_size: int) -> Store:
    """Qdrant Edge in the data folder, or the Qdrant server at CASEBOOK_QDRANT_URL."""
    if settings.qdrant_url:
        from qdrant_client import QdrantClient

        from casebook.store.server import ServerStore

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return ServerStore(
            QdrantClient(url=settings.qdrant_url, api_key=key), settings.collection, dense_size
        )
    from casebook.store.edge import EdgeStore

    return EdgeStore(settings.edge_path, dense_size)


def build_embedder(settings: Settings) -> Embedder:
    """The embedding model the settings name (loaded once per process and configuration)."""
    return load_embedder(settings.embed_model, settings.embed_batch_size, settings.embed_dtype)


def build_index(settings: Settings, store: Store, embedder: Embedder) -> Index:
    """An index over this store, searching as the settings say."""
    return Index(store, embedder, Bm25(), settings.retrieval)


def open_index(settings: Settings, embedder: Embedder | None = None) -> Index:
    """The index for these settings, with its embedding model loaded."""
    embedder = embedder or build_embedder(settings)
    return build_index(settings, open_store(settings, embedder.dim), embedder)
