"""Caller filters to store conditions, and tenant isolation as a property of search."""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator
from typing import Any

import pytest
from backends import open_index
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.embedding import Embedder
from casebook.errors import InvalidFilter
from casebook.filters import field_path, parse_cli_filters, to_where
from casebook.index import Index
from casebook.models import SourceDocument
from casebook.store.base import Condition, Where
from ingest.chunking import Chunker
from ingest.structure import sections_from_text

TENANT = Condition("tenant", ("acme",))


def test_no_filters_is_just_the_tenant() -> None:
    assert to_where(None, "acme") == Where(must=(TENANT,))
    assert to_where({}, "acme") == Where(must=(TENANT,))


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("product", "metadata.product"),
        ("metadata.product", "metadata.product"),
        ("customer.tier", "metadata.customer.tier"),
        ("kind", "kind"),
        ("doc_id", "doc_id"),
        ("source", "source"),
        ("title", "title"),
        ("section", "section"),
    ],
)
def test_filter_keys_map_to_payload_paths(key: str, path: str) -> None:
    assert field_path(key) == path
    assert to_where({key: "x"}, "acme") == Where(must=(TENANT, Condition(path, ("x",))))


def test_a_list_becomes_an_any_of_condition() -> None:
    where = to_where({"lang": ["en", "fr"], "year": [2023, 2024]}, "acme")
    assert where.must == (
        TENANT,
        Condition("metadata.lang", ("en", "fr")),
        Condition("metadata.year", (2023, 2024)),
    )


def test_scalars_of_every_allowed_type() -> None:
    where = to_where({"active": True, "year": 2024, "kind": "faq"}, "acme")
    assert where.must[1:] == (
        Condition("metadata.active", (True,)),
        Condition("metadata.year", (2024,)),
        Condition("kind", ("faq",)),
    )


def test_a_range_dict_becomes_a_range_condition() -> None:
    (_, year, day) = to_where(
        {"year": {"gte": 2020, "lt": 2024.5}, "published": {"gt": "2024-01-01T00:00:00Z"}}, "acme"
    ).must
    assert year == Condition("metadata.year", gte=2020, lt=2024.5)
    assert year.is_range and year.values == ()
    assert day == Condition("metadata.published", gt="2024-01-01T00:00:00Z")


def test_the_tenant_cannot_be_chosen_by_a_filter() -> None:
    with pytest.raises(InvalidFilter, match="tenant"):
        to_where({"tenant": "globex"}, "acme")


@pytest.mark.parametrize(
    "filters",
    [
        {"kind": []},
        {"kind": {}},
        {"kind": {"foo": 1}},
        {"kind": {"gte": 1, "like": 2}},
        {"year": {"gte": True}},
        {"year": {"gte": None}},
        {"year": {"gte": [1]}},
        {"price": 1.5},
        {"price": [1, 2.5]},
        {"kind": None},
        {"kind": ["a", 1]},
        {"kind": [True, 1]},
        {"kind": [["nested"]]},
        {"kind": {"nested": {"gte": 1}}},
        {"": "x"},
        {".x": "x"},
        {"x.": "x"},
        {"metadata.": "x"},
    ],
)
def test_bad_filter_shapes_raise_invalid_filter(filters: dict[str, Any]) -> None:
    with pytest.raises(InvalidFilter):
        to_where(filters, "acme")


def test_parse_cli_filters_collects_repeated_keys_into_a_list() -> None:
    assert parse_cli_filters(["lang=en", " product = router", "lang=fr", "lang=de"]) == {
        "lang": ["en", "fr", "de"],
        "product": " router",
    }


def test_parse_cli_filters_splits_at_the_first_equals_sign_and_keeps_strings() -> None:
    assert parse_cli_filters(["query=a=b", "year=2024", "empty="]) == {
        "query": "a=b",
        "year": "2024",
        "empty": "",
    }
    assert parse_cli_filters([]) == {}


@pytest.mark.parametrize("pair", ["no-equals", "=value", "  =value", ""])
def test_parse_cli_filters_rejects_pairs_without_a_key(pair: str) -> None:
    with pytest.raises(InvalidFilter, match="KEY=VALUE"):
        parse_cli_filters([pair])


def test_cli_filters_become_store_conditions() -> None:
    where = to_where(parse_cli_filters(["doc_id=a", "doc_id=b", "lang=en"]), "acme")
    assert where.must == (
        TENANT,
        Condition("doc_id", ("a", "b")),
        Condition("metadata.lang", ("en",)),
    )


# --- tenant isolation, as a property ---------------------------------------------------------

WORDS = ["thermostat", "refund", "router", "password", "battery", "shipping", "invoice", "warranty"]
tenant_names = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.@ éü日本", min_size=1, max_size=12
)


class Written:
    """Every document id written to each tenant of the shared index, across examples."""

    def __init__(self) -> None:
        self.by_tenant: dict[str, set[str]] = {}
        self.counter = itertools.count()


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[tuple[Index, Written]]:
    index = open_index("edge", tmp_path_factory.mktemp("isolation"), embedder)
    yield index, Written()
    index.close()


@pytest.fixture(scope="module")
def tiny_chunker(embedder: Embedder) -> Chunker:
    return Chunker(embedder.tokens, 64, 8)


@given(
    tenants=st.lists(tenant_names, min_size=2, max_size=2, unique=True),
    docs=st.lists(
        st.tuples(st.booleans(), st.lists(st.sampled_from(WORDS), min_size=1, max_size=6)),
        min_size=1,
        max_size=6,
    ),
    question=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
)
@settings(max_examples=15, deadline=None)
def test_search_never_returns_another_tenants_documents(
    shared: tuple[Index, Written],
    tiny_chunker: Chunker,
    tenants: list[str],
    docs: list[tuple[bool, list[str]]],
    question: list[str],
) -> None:
    index, written = shared
    a, b = tenants
    now: dict[str, set[str]] = {a: set(), b: set()}
    chunks = []
    for to_b, words in docs:
        tenant = b if to_b else a
        doc_id = f"doc-{next(written.counter)}"
        text = " ".join(words)
        doc = SourceDocument(doc_id, "", text, sections_from_text(text), "/property")
        chunks += tiny_chunker.chunk(doc, tenant, "h")
        now[tenant].add(doc_id)
    index.write(chunks)
    for tenant in (a, b):
        written.by_tenant.setdefault(tenant, set()).update(now[tenant])

    for mine, theirs in ((a, b), (b, a)):
        for mode in ("hybrid", "bm25"):
            hits = {h.doc_id for h in index.search(mine, " ".join(question), top_k=50, mode=mode)}  # type: ignore[arg-type]
            assert hits <= written.by_tenant[mine]
            assert not hits & now[theirs]
        if now[mine]:
            dense = {
                h.doc_id for h in index.search(mine, " ".join(question), top_k=50, mode="dense")
            }
            assert now[mine] <= dense  # a tenant always sees its own documents


def test_ne_and_not_become_must_not_conditions() -> None:
    where = to_where({"kind": {"ne": "interaction"}, "status": {"not": ["open", "pending"]}}, "a")
    assert where.must == (Condition("tenant", ("a",)),)
    assert where.must_not == (
        Condition("kind", ("interaction",)),
        Condition("metadata.status", ("open", "pending")),
    )


@pytest.mark.parametrize(
    "value", [{"ne": ["a"]}, {"not": []}, {"not": ["a", 1]}, {"ne": 1.5}, {"ne": "a", "gte": 1}]
)
def test_bad_exclusions_are_invalid_filters(value: dict[str, Any]) -> None:
    with pytest.raises(InvalidFilter):
        to_where({"status": value}, "acme")


def test_the_customer_audience_reads_published_documents_only() -> None:
    where = to_where({"product": "hub"}, "acme", "customer")
    assert Condition("kind", ("document",)) in where.must
    assert Condition("metadata.product", ("hub",)) in where.must
    keys = {c.key for c in where.must_not}
    assert {"metadata.audience", "metadata.visibility", "metadata.internal"} <= keys
    assert to_where({"product": "hub"}, "acme", "agent") == to_where({"product": "hub"}, "acme")


def test_exclusions_and_audiences_hold_on_both_backends(index: Index, chunker: Chunker) -> None:
    """The same must_not conditions through Qdrant Edge and qdrant-client's local mode."""
    docs = [
        ("open-guide", "document", {"product": "hub"}),
        ("staff-guide", "document", {"product": "hub", "audience": "agent"}),
        ("secret-note", "document", {"product": "hub", "internal": True}),
        ("router-guide", "document", {"product": "router"}),
    ]
    chunks = []
    for doc_id, kind, metadata in docs:
        text = f"How to reset the hub safely, guide {doc_id}."
        doc = SourceDocument(doc_id, doc_id, text, sections_from_text(text), "/x", kind, metadata)
        chunks += chunker.chunk(doc, "acme", "h")
    index.write(chunks)

    def found(filters: dict[str, Any], audience: str = "agent") -> set[str]:
        hits = index.search("acme", "reset the hub", filters=filters, top_k=10, audience=audience)
        return {h.doc_id for h in hits}

    everything = {d for d, _, _ in docs}
    assert found({}) == everything
    assert found({"product": {"ne": "router"}}) == everything - {"router-guide"}
    not_two = {"doc_id": {"not": ["open-guide", "secret-note"]}}
    assert found(not_two) == {"staff-guide", "router-guide"}
    assert found({}, "customer") == {"open-guide", "router-guide"}
    assert found({"audience": "agent"}, "customer") == set()  # a filter cannot widen it
