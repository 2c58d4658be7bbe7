"""Work kept off the hot paths: uploads read only their own documents, small uploads skip the
HNSW rebuild, /metrics does not scroll per scrape, a search embeds once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import corpus
import pytest
from backends import open_store, world_settings

from casebook.embedding import Embedder
from casebook.index import Index
from casebook.settings import Settings
from casebook.store.base import ScoredPoint, Store, Where
from casebook.wiring import build_index
from service import ingestion
from service.stats_cache import CachedStats


class CountingStore:
    """A real store that records which documents each scroll read and how often it optimised."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.scrolled: list[str] = []
        self.optimized = 0

    def scroll(self, where: Where, fields: Sequence[str] | None = None) -> Iterator[ScoredPoint]:
        for point in self.store.scroll(where, fields):
            self.scrolled.append(point.payload.get("doc_id", ""))
            yield point

    def optimize(self) -> None:
        self.optimized += 1
        self.store.optimize()  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


class CountingEmbedder:
    """The real model, counting its calls."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        return self.embedder.embed(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.embedder, name)


def records(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "title": i, "text": f"How to fix the {i} problem on a router."} for i in ids]


@pytest.fixture
def world(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[Index, CountingStore, Settings]]:
    settings = world_settings(tmp_path / "data", optimize_after_chunks=5)
    store = CountingStore(open_store("edge", tmp_path, embedder.dim))
    index = build_index(settings, store, embedder)  # type: ignore[arg-type]
    corpus.write_jsonl(tmp_path / "old.jsonl", records("alpha", "beta", "gamma"))
    ingestion.ingestor(index, settings).run([tmp_path / "old.jsonl"], tenant="acme")
    store.scrolled.clear()
    yield index, store, settings
    index.close()


def test_an_upload_of_one_document_scrolls_no_other_document(
    tmp_path: Path, world: tuple[Index, CountingStore, Settings]
) -> None:
    index, store, settings = world
    corpus.write_jsonl(tmp_path / "new.jsonl", records("delta"))
    report = ingestion.ingestor(index, settings).run([tmp_path / "new.jsonl"], tenant="acme")
    assert report.added == 1
    assert set(store.scrolled) <= {"delta"}
    corpus.write_jsonl(tmp_path / "again.jsonl", records("alpha"))
    again = ingestion.ingestor(index, settings).run([tmp_path / "again.jsonl"], tenant="acme")
    assert again.unchanged == 1 and set(store.scrolled) <= {"delta", "alpha"}


def test_a_first_load_into_an_empty_tenant_scrolls_nothing(
    tmp_path: Path, world: tuple[Index, CountingStore, Settings]
) -> None:
    index, store, settings = world
    corpus.write_jsonl(tmp_path / "globex.jsonl", records("alpha", "omega"))
    report = ingestion.ingestor(index, settings).run([tmp_path / "globex.jsonl"], tenant="globex")
    assert report.added == 2 and store.scrolled == []


def test_a_small_upload_leaves_the_hnsw_graph_and_a_large_one_rebuilds_it(
    tmp_path: Path, world: tuple[Index, CountingStore, Settings]
) -> None:
    index, store, settings = world
    index.optimize()
    before = store.optimized
    corpus.write_jsonl(tmp_path / "small.jsonl", records("delta"))
    ingestion.ingestor(index, settings).run([tmp_path / "small.jsonl"], tenant="acme")
    assert store.optimized == before and index.unoptimized > 0
    corpus.write_jsonl(tmp_path / "large.jsonl", records(*(f"doc-{i}" for i in range(6))))
    ingestion.ingestor(index, settings).run([tmp_path / "large.jsonl"], tenant="acme")
    assert store.optimized == before + 1 and index.unoptimized == 0


def test_metrics_scrapes_read_cached_counts_until_the_index_changes(
    tmp_path: Path, world: tuple[Index, CountingStore, Settings]
) -> None:
    index, store, settings = world
    now = [0.0]
    stats = CachedStats(lambda: index, max_age_s=60, clock=lambda: now[0])
    first = stats()
    scrolled = len(store.scrolled)
    assert stats() == first and len(store.scrolled) == scrolled  # no scroll for a second scrape
    corpus.write_jsonl(tmp_path / "new.jsonl", records("delta"))
    ingestion.ingestor(index, settings).run([tmp_path / "new.jsonl"], tenant="acme")
    assert stats()[0]["documents"] == first[0]["documents"] + 1
    scrolled = len(store.scrolled)
    now[0] = 61.0
    stats()
    assert len(store.scrolled) > scrolled  # too old: counted again


def test_a_search_with_history_embeds_the_question_and_its_context_in_one_call(
    world: tuple[Index, CountingStore, Settings],
) -> None:
    index, _, _ = world
    counting = CountingEmbedder(index.embedder)
    index.embedder = counting  # type: ignore[assignment]
    history = [{"role": "user", "text": "My router keeps dropping the connection."}]
    hits = index.search("acme", "how do I fix it?", history=history, top_k=3)
    assert hits and counting.calls == 1
    index.search("acme", "router problem", top_k=3)
    assert counting.calls == 2
