"""No planted personal value reaches the index: not in chunks, payloads or search results."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from backends import open_index
from pii_corpus import generate

from casebook.embedding import Embedder
from casebook.index import Index
from casebook.shapes import to_json
from casebook.store.base import Where
from ingest.chunking import Chunker
from ingest.pipeline import IngestReport, ingest
from ingest.routing import Routing


@pytest.fixture(scope="module")
def corpus():
    return generate()


@pytest.fixture(scope="module")
def edge_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder):
    index = open_index("edge", tmp_path_factory.mktemp("pii"), embedder)
    yield index
    index.close()


@pytest.fixture(scope="module")
def redacted(
    edge_index: Index, chunker: Chunker, tmp_path_factory: pytest.TempPathFactory, corpus
) -> IngestReport:
    folder = tmp_path_factory.mktemp("history")
    tickets = []
    for doc in corpus.documents:
        if doc.kind == "ticket":
            record = dict(doc.content)
            meta = {"requester": record.pop("requester"), "custom": record.pop("custom_fields")}
            tickets.append({**record, "metadata": meta, "channel": "ticket"})
        elif doc.kind == "email":
            (folder / f"{doc.doc_id}.eml").write_text(doc.content, encoding="utf-8")
        else:
            (folder / f"{doc.doc_id}.txt").write_text(doc.content, encoding="utf-8")
    (folder / "tickets.jsonl").write_text("\n".join(json.dumps(t) for t in tickets) + "\n")
    return ingest(edge_index, chunker, [folder], routing=Routing(kind="interactions"))


def test_every_item_of_the_corpus_is_ingested(redacted: IngestReport, corpus) -> None:
    assert redacted.failed == []
    assert redacted.interactions == len(corpus.documents)


def test_the_report_counts_redactions_by_type(redacted: IngestReport, corpus) -> None:
    planted = Counter(kind for kind, _ in corpus.truth)
    # Addresses in email headers other than the sender are not stored, so not counted.
    assert 0 < redacted.redactions["EMAIL"] <= planted["EMAIL"]
    assert {k: v for k, v in redacted.redactions.items() if k != "EMAIL"} == {
        k: v for k, v in planted.items() if k != "EMAIL"
    }


def test_no_planted_value_is_stored_anywhere(redacted: IngestReport, edge_index: Index, corpus):
    stored = json.dumps([p.payload for p in edge_index.store.scroll(Where())], ensure_ascii=False)
    leaked = [(kind, value) for kind, value in corpus.truth if value in stored]
    assert leaked == []


def test_searching_for_a_planted_value_finds_nothing_that_contains_it(
    redacted: IngestReport, edge_index: Index, corpus
) -> None:
    for _, value in corpus.truth[::3]:
        hits = edge_index.search("default", value, top_k=10)
        assert not any(value in json.dumps(to_json(h), ensure_ascii=False) for h in hits)


def test_order_numbers_dates_and_amounts_survive(redacted, edge_index: Index, corpus) -> None:
    stored = json.dumps([p.payload for p in edge_index.store.scroll(Where())], ensure_ascii=False)
    # Ticket turns are stored verbatim (email headers and transcript time stamps are not text).
    lookalikes = [v for doc in corpus.documents if doc.kind == "ticket" for v in doc.lookalikes]
    assert lookalikes and [v for v in lookalikes if v not in stored] == []
