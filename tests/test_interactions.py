"""Interactions: ingest keeps every turn, chunks hold whole turns, resolutions are searchable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casebook.embedding import Embedder
from casebook.index import Index
from casebook.interactions import Interaction, Turn
from casebook.store.base import Condition, Where
from ingest.chunking import Chunker
from ingest.conversation import ConversationChunker, render_turn
from ingest.pipeline import ingest

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
needs_datasets = pytest.mark.skipif(not DATASETS.exists(), reason="needs ../shared/datasets")

TICKETS = [
    {
        "interaction_id": "T-1",
        "channel": "email",
        "subject": "Thermostat shows E42 after update",
        "status": "solved",
        "product": "T2",
        "tags": ["firmware", "e42"],
        "customer_id": "C-9",
        "created_at": "2024-03-01T09:00:00Z",
        "turns": [
            {"role": "customer", "text": "My thermostat shows error E42 since last night."},
            {"role": "agent", "text": "E42 means a firmware update failed. Please keep it online."},
            {"role": "internal", "text": "Known issue in batch 7, see incident INC-311."},
            {"role": "agent", "text": "Retry from Settings > Software. That fixes E42 for most."},
            {"role": "customer", "text": "That worked, thanks!"},
        ],
    },
    {
        "interaction_id": "T-2",
        "channel": "chat",
        "subject": "Refund for a duplicate charge",
        "status": "open",
        "product": "Care",
        "tags": ["billing"],
        "customer_id": "C-7",
        "created_at": "2024-06-10T12:00:00Z",
        "turns": [
            {"role": "user", "text": "I was charged twice for Lumen Care this month."},
            {"role": "agent", "text": "I see two charges; I have refunded the second one."},
        ],
    },
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def ticket_index(edge_index: Index, chunker: Chunker, tmp_path: Path) -> Index:
    report = ingest(edge_index, chunker, [write_jsonl(tmp_path / "tickets.jsonl", TICKETS)])
    assert (report.added, report.interactions, report.failed) == (2, 2, [])
    return edge_index


def test_an_interaction_reads_back_with_every_turn_in_order(ticket_index: Index) -> None:
    stored = ticket_index.get_interaction("default", "T-1")
    assert [(t.role, t.text) for t in stored.turns] == [
        (t["role"], t["text"]) for t in TICKETS[0]["turns"]
    ]
    assert (stored.subject, stored.status, stored.product) == (
        "Thermostat shows E42 after update",
        "solved",
        "T2",
    )
    assert stored.tags == ["firmware", "e42"]


def test_role_names_from_datasets_are_normalised(ticket_index: Index) -> None:
    assert [t.role for t in ticket_index.get_interaction("default", "T-2").turns] == [
        "customer",
        "agent",
    ]


def test_how_did_we_fix_finds_the_resolution(ticket_index: Index) -> None:
    hits = ticket_index.search(
        "default", "how did we fix error E42 before?", filters={"kind": "resolution"}
    )
    assert hits[0].doc_id == "T-1"
    assert hits[0].text.startswith("Problem:") and "Resolution:" in hits[0].text


def test_search_results_carry_their_kind(ticket_index: Index) -> None:
    kinds = {h.kind for h in ticket_index.search("default", "E42 firmware", top_k=20)}
    assert kinds == {"interaction", "resolution"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"channel": "email"}, {"T-1"}),
        ({"status": "open"}, {"T-2"}),
        ({"tags": "billing"}, {"T-2"}),
        ({"product": ["T2", "Care"]}, {"T-1", "T-2"}),
        ({"customer_id": "C-9"}, {"T-1"}),
        ({"created_at": {"gte": "2024-05-01T00:00:00Z"}}, {"T-2"}),
        ({"created_at": {"lt": "2024-05-01"}}, {"T-1"}),
    ],
)
def test_interaction_filters(ticket_index: Index, filters: dict, expected: set[str]) -> None:
    hits = ticket_index.search("default", "charge error thermostat", filters=filters, top_k=50)
    assert {h.doc_id for h in hits} == expected


def test_internal_notes_can_be_excluded(ticket_index: Index) -> None:
    everything = ticket_index.search("default", "incident batch 7", top_k=50)
    assert any("INC-311" in h.text for h in everything)
    public = ticket_index.search(
        "default", "incident batch 7", top_k=50, filters={"visibility": "public"}
    )
    assert public and not any("INC-311" in h.text for h in public)


def _conversation(turns: list[tuple[str, str]]) -> Interaction:
    return Interaction("X-1", "chat", [Turn(role, text) for role, text in turns], subject="Help")


def test_chunks_hold_whole_turns(embedder: Embedder) -> None:
    turns = [
        ("customer" if i % 2 else "agent", f"Message {i} about the router. " * 6) for i in range(30)
    ]
    chunks = ConversationChunker(embedder.tokens, 120).chunk(_conversation(turns), "t", "h")
    rendered = {render_turn(Turn(r, t)) for r, t in turns}
    for chunk in chunks[:-1]:
        assert all(line in rendered for line in chunk.text.split("\n"))
        assert len(embedder.tokens(chunk.text)) <= 120
    covered = {
        i for c in chunks[:-1] for i in range(c.extra["turn_start"], c.extra["turn_end"] + 1)
    }
    assert covered == set(range(30))


def test_a_turn_is_split_only_when_it_alone_is_too_long(embedder: Embedder) -> None:
    long_turn = "The router restarts every night at two and loses the settings. " * 40
    turns = [("customer", long_turn), ("agent", "Please update the firmware.")]
    chunks = ConversationChunker(embedder.tokens, 100).chunk(_conversation(turns), "t", "h")
    parts = [c for c in chunks[:-1] if c.extra["turn_start"] == 0 == c.extra["turn_end"]]
    assert len(parts) > 1
    assert all(len(embedder.tokens(c.text)) <= 100 for c in chunks[:-1])


def test_internal_notes_never_share_a_chunk_with_public_turns(embedder: Embedder) -> None:
    turns = [("customer", "Hi"), ("internal", "VIP customer"), ("agent", "Hello!")]
    chunks = ConversationChunker(embedder.tokens, 200).chunk(_conversation(turns), "t", "h")
    for chunk in chunks[:-1]:
        assert chunk.metadata["visibility"] == (
            "internal" if chunk.extra["roles"] == ["internal"] else "public"
        )
        assert "internal" not in chunk.extra["roles"] or chunk.extra["roles"] == ["internal"]


def test_reingesting_interactions_writes_nothing(
    ticket_index: Index, chunker: Chunker, tmp_path: Path
) -> None:
    report = ingest(ticket_index, chunker, [tmp_path / "tickets.jsonl"])
    assert (report.unchanged, report.chunks) == (2, 0)


def test_malformed_interaction_records_are_named_and_the_rest_ingested(
    edge_index: Index, chunker: Chunker, tmp_path: Path
) -> None:
    bad = [
        {"interaction_id": "B-1", "turns": "not a list"},
        {"interaction_id": "B-2", "turns": [{"role": "wizard", "text": "hi"}]},
        {"interaction_id": "B-3", "turns": [{"role": "agent", "text": 5}]},
        {"interaction_id": "B-4", "tags": "x", "turns": [{"role": "agent", "text": "hi"}]},
        {"turns": [{"role": "agent", "text": "no id"}]},
    ]
    path = write_jsonl(tmp_path / "mixed.jsonl", [TICKETS[1], *bad])
    report = ingest(edge_index, chunker, [path])
    assert report.added == 1
    assert sorted(f.path for f in report.failed) == [f"{path}:{n}" for n in range(2, 7)]
    assert all("\n" not in f.error for f in report.failed)


def _dataset_sample(name: str, limit: int | None) -> list[dict]:
    lines = (DATASETS / name / "interactions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:limit]]


@needs_datasets
@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("tweetsumm", 25),
        ("doc2dial", 25),
        pytest.param("tweetsumm", None, marks=pytest.mark.slow),
        pytest.param("doc2dial", None, marks=pytest.mark.slow),
    ],
)
def test_dataset_interactions_keep_every_turn_role_and_order(
    name: str, limit: int | None, edge_index: Index, chunker: Chunker, tmp_path: Path
) -> None:
    records = _dataset_sample(name, limit)
    report = ingest(edge_index, chunker, [write_jsonl(tmp_path / f"{name}.jsonl", records)])
    assert not report.failed and report.interactions == len(records)
    for record in records:
        stored = edge_index.get_interaction("default", record["interaction_id"])
        expected = [t for t in record["turns"] if t["text"].strip()]
        assert len(stored.turns) == len(expected)
        for turn, raw in zip(stored.turns, expected, strict=True):
            assert turn.role == {"user": "customer"}.get(raw["role"], raw["role"])
        assert all(
            "[" in t.text or t.text == r["text"]
            for t, r in zip(stored.turns, expected, strict=True)
        )


MBOX = """From customer@example.com Mon Mar  4 09:00:00 2024
From: Dana Customer <customer@example.com>
To: support@lumen.example
Subject: Thermostat keeps rebooting
Date: Mon, 4 Mar 2024 09:00:00 +0000
Message-ID: <m1@example.com>

My thermostat reboots every hour since the last update.
The screen flashes the logo and then the schedule is gone.

--
Dana

From support@lumen.example Mon Mar  4 10:00:00 2024
From: Lumen Support <support@lumen.example>
To: customer@example.com
Subject: Re: Thermostat keeps rebooting
Date: Mon, 4 Mar 2024 10:00:00 +0000
Message-ID: <m2@lumen.example>
In-Reply-To: <m1@example.com>
References: <m1@example.com>

Please hold the side button for ten seconds to restart it cleanly.
Then check that the power adapter is firmly seated.

On Mon, 4 Mar 2024 at 09:00, Dana Customer <customer@example.com> wrote:
> My thermostat reboots every hour since the last update.
> The screen flashes the logo and then the schedule is gone.

From customer@example.com Mon Mar  4 11:00:00 2024
From: Dana Customer <customer@example.com>
To: support@lumen.example
Subject: Re: Thermostat keeps rebooting
Date: Mon, 4 Mar 2024 11:00:00 +0000
Message-ID: <m3@example.com>
In-Reply-To: <m2@lumen.example>
References: <m1@example.com> <m2@lumen.example>

The adapter was loose. It has not rebooted since, thank you!

On Mon, 4 Mar 2024 at 10:00, Lumen Support <support@lumen.example> wrote:
> Please hold the side button for ten seconds to restart it cleanly.
> Then check that the power adapter is firmly seated.
>
> On Mon, 4 Mar 2024 at 09:00, Dana Customer <customer@example.com> wrote:
>> My thermostat reboots every hour since the last update.

Sent from my phone
"""


def test_an_mbox_thread_indexes_no_quoted_text_twice(
    edge_index: Index, embedder: Embedder, tmp_path: Path
) -> None:
    path = tmp_path / "support.mbox"
    path.write_text(MBOX, encoding="utf-8")
    small = Chunker(embedder.tokens, 40, 10)  # small chunks: the thread spans several
    report = ingest(edge_index, small, [path])
    assert (report.interactions, report.failed) == (1, [])
    chunks = [
        p.payload["text"]
        for p in edge_index.store.scroll(Where(must=(Condition("kind", ("interaction",)),)))
    ]
    assert len(chunks) > 1
    for sentence in (
        "My thermostat reboots every hour since the last update.",
        "Please hold the side button for ten seconds to restart it cleanly.",
        "The adapter was loose.",
    ):
        assert sum(sentence in c for c in chunks) == 1, sentence
    stored = edge_index.get_interaction("default", "m1@example.com")
    assert [t.role for t in stored.turns] == ["customer", "agent", "customer"]
    assert all("[EMAIL]" in t.author for t in stored.turns)  # authors redacted
