"""Topic summaries: recurring problems across interactions, quoted and cited, per tenant."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from backends import open_index

from casebook.embedding import Embedder
from casebook.index import Index
from casebook.interactions import Interaction
from casebook.shapes import to_json
from ingest.chunking import Chunker
from ingest.conversation import ConversationChunker
from ingest.pipeline import ingest
from summaries.interaction import summarize
from summaries.topics import CLUSTER, cluster, summarize_topic


def _ticket(ticket_id: str, subject: str, product: str, turns: list[tuple[str, str]]) -> dict:
    return {
        "interaction_id": ticket_id,
        "channel": "chat",
        "subject": subject,
        "status": "solved",
        "product": product,
        "turns": [{"role": role, "text": text} for role, text in turns],
    }


BILLING = [
    _ticket("B-1", "Charged twice this month", "Plus", [
        ("customer", "I was charged twice for my monthly subscription."),
        ("agent", "I can see the duplicate payment on your account."),
        ("agent", "I have refunded the duplicate charge to your card."),
        ("customer", "Thanks, that helps!"),
    ]),
    _ticket("B-2", "Double payment", "Plus", [
        ("customer", "My card was billed two times for the same subscription renewal."),
        ("agent", "We refunded the second payment, it shows on your statement in 3 days."),
        ("customer", "Perfect, thank you."),
    ]),
    _ticket("B-3", "Duplicate charge on my card", "Plus", [
        ("customer", "You took the subscription fee twice from my bank account this month."),
        ("agent", "Sorry about that. I have refunded the extra charge today."),
        ("customer", "Got it, thanks."),
    ]),
]  # fmt: skip
ROUTER = [
    _ticket("R-1", "Router not connecting", "Router X", [
        ("customer", "My router will not connect to the internet since this morning."),
        ("agent", "Please unplug the router for 30 seconds and plug it back in."),
        ("customer", "That worked, thanks!"),
    ]),
    _ticket("R-2", "No internet", "Router X", [
        ("customer", "The router shows a red light and I have no internet connection."),
        ("agent", "Restart the router by holding the power button for ten seconds."),
        ("customer", "It works again, thank you."),
    ]),
    _ticket("R-3", "Wifi down", "Router X", [
        ("customer", "My wifi router keeps dropping the connection to the internet."),
        ("agent", "Please reboot the router and wait two minutes for the lights to turn green."),
        ("customer", "Sorted, thanks."),
    ]),
]  # fmt: skip
SHIPPING = _ticket("S-1", "Parcel not delivered", "Plus", [
    ("customer", "My parcel has not arrived and the tracking page has not changed in a week."),
    ("agent", "The courier delayed your parcel at the depot; it will arrive on Friday."),
    ("customer", "Ok, thanks."),
])  # fmt: skip
OTHER = _ticket("OTHER-1", "Charged twice", "Plus", [
    ("customer", "I was charged twice for my monthly subscription."),
    ("agent", "I have refunded the duplicate charge to your card."),
])  # fmt: skip

BILLING_IDS = {"B-1", "B-2", "B-3"}
ROUTER_IDS = {"R-1", "R-2", "R-3"}


def _sections(interaction: Interaction) -> dict[str, str]:
    """The extractive summary's sections, as the CLI's ingest writes them."""
    return dict(to_json(summarize(interaction))["sections"])


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["summary", "fallback"])
def topic_index(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Index]:
    """Tenant "acme" with billing, router and shipping tickets; tenant "other" with one.

    Resolution chunks written by the CLI's extractive summarizer, or by the fallback (first
    customer turn, last agent turn) when none is configured.
    """
    folder = tmp_path_factory.mktemp(f"topics-{request.param}")
    index = open_index("edge", folder, embedder)
    summarizer: Callable[[Interaction], dict[str, str]] | None = (
        _sections if request.param == "summary" else None
    )
    chunker = Chunker(embedder.tokens, 200, 40)
    conversations = ConversationChunker(embedder.tokens, 200, summarize=summarizer)
    for tenant, records in (("acme", [*BILLING, *ROUTER, SHIPPING]), ("other", [OTHER])):
        path = _write(folder / f"{tenant}.jsonl", records)
        report = ingest(index, chunker, [path], tenant=tenant, conversations=conversations)
        assert report.failed == [] and report.added == len(records)
    yield index
    index.close()


def _turn_texts(index: Index, tenant: str, interaction_id: str) -> list[str]:
    return [t.text for t in index.get_interaction(tenant, interaction_id).turns]


def _cited(result: dict) -> set[str]:
    ids = {i for p in result["points"] for i in p["interactions"]}
    return ids | {c["interaction_id"] for c in result["citations"]}


def test_the_first_point_is_the_recurring_problem_the_query_names(topic_index: Index) -> None:
    result = to_json(summarize_topic(topic_index, "acme", "charged twice"))
    first = result["points"][0]
    assert set(first["interactions"]) == BILLING_IDS
    assert (result["interactions"], first["count"], first["statuses"]) == (3, 3, {"resolved": 3})
    assert "S-1" not in _cited(result)
    assert "refund" in first["resolution"]
    sources = [t for i in first["interactions"] for t in _turn_texts(topic_index, "acme", i)]
    assert any(first["resolution"] in text for text in sources)
    line = result["summary"].splitlines()[0]
    assert line.startswith(f"1. Problem: {first['problem']} Resolution: {first['resolution']} [")
    assert all(f"[{i}]" in line for i in BILLING_IDS)


def test_paraphrased_problems_merge_and_different_ones_do_not(topic_index: Index) -> None:
    result = to_json(summarize_topic(topic_index, "acme", "router not connecting to the internet"))
    first = result["points"][0]
    assert set(first["interactions"]) == ROUTER_IDS
    assert "router" in first["resolution"]
    assert not BILLING_IDS & set(first["interactions"])


def test_every_quote_is_copied_from_its_interaction(topic_index: Index) -> None:
    for query in ("charged twice", "router not connecting", "parcel not delivered"):
        result = to_json(summarize_topic(topic_index, "acme", query))
        assert result["points"], query
        for point in result["points"]:
            texts = [t for i in point["interactions"] for t in _turn_texts(topic_index, "acme", i)]
            assert any(point["problem"] in t for t in texts)
            assert not point["resolution"] or any(point["resolution"] in t for t in texts)
        for citation in result["citations"]:
            texts = _turn_texts(topic_index, "acme", citation["interaction_id"])
            assert any(citation["quote"] in t for t in texts)
            assert citation["title"]


def test_another_tenants_interactions_never_appear(topic_index: Index) -> None:
    acme = summarize_topic(topic_index, "acme", "charged twice for my monthly subscription")
    assert "OTHER-1" not in _cited(to_json(acme))
    other = to_json(summarize_topic(topic_index, "other", "charged twice"))
    assert _cited(other) == {"OTHER-1"}
    assert summarize_topic(topic_index, "nobody", "charged twice").points == []


def test_a_query_without_matching_interactions_gives_no_points(topic_index: Index) -> None:
    result = to_json(summarize_topic(topic_index, "acme", "lattice quantum chromodynamics"))
    assert (result["points"], result["summary"], result["citations"]) == ([], "", [])
    assert result["interactions"] == 0
    assert summarize_topic(topic_index, "acme", "   ").points == []


def test_filters_narrow_the_interactions(topic_index: Index) -> None:
    query = "router not connecting to the internet"
    billing_only = to_json(summarize_topic(topic_index, "acme", query, {"product": "Plus"}))
    assert not ROUTER_IDS & _cited(billing_only)
    routers = to_json(summarize_topic(topic_index, "acme", query, {"product": "Router X"}))
    assert _cited(routers) == ROUTER_IDS
    resolutions = summarize_topic(topic_index, "acme", "charged twice", {"kind": "resolution"})
    assert set(resolutions.points[0].interactions) == BILLING_IDS


def test_limits_apply(topic_index: Index) -> None:
    one = to_json(summarize_topic(topic_index, "acme", "charged twice", max_points=1))
    assert len(one["points"]) == 1 and len(one["summary"].splitlines()) == 1
    assert {c["interaction_id"] for c in one["citations"]} == set(one["points"][0]["interactions"])
    two = summarize_topic(topic_index, "acme", "charged twice", max_interactions=2)
    assert two.interactions == 2 and len(_cited(to_json(two))) == 2


def test_clusters_merge_only_similar_vectors() -> None:
    vectors = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0]], dtype=np.float32)
    assert sorted(map(sorted, cluster(vectors, CLUSTER))) == [[0, 1], [2]]
    assert cluster(vectors[:1], CLUSTER) == [[0]]
