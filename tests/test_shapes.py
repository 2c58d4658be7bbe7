"""Domain results keep their JSON bytes: every result class, converted by casebook.shapes,
matches tests/shapes.txt (one `name: json` line each, key order included).

`python tests/test_shapes.py > tests/shapes.txt` rewrites the file; do that only for a change
in the JSON that clients are meant to see.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from answers.decision import Answer
from answers.decision import Citation as AnswerCitation
from answers.generate import Generated
from casebook.documents import DocumentInfo
from casebook.interactions import Turn
from casebook.models import SearchResult
from casebook.shapes import INLINE, OMIT, converted, to_json
from eval.gates import Check
from ingest.pipeline import IngestReport
from ingest.readers.base import Failure
from service.jobs import Job, Progress
from service.keys import KeyRecord
from summaries.document import ChunkQuote, DocumentSummary
from summaries.interaction import Summary
from summaries.status import Citation as TurnCitation
from summaries.topics import Point, TopicSummary

GOLDEN = Path(__file__).with_name("shapes.txt")


def examples() -> list[tuple[str, Any]]:
    """(name, JSON) for a representative instance of every domain result class."""
    cite = AnswerCitation(
        "faq.md", "c-1", "Résumé", "Hold it — 10 s.", 0.123456789, start=4, end=19
    )
    bare = AnswerCitation("t-9", "c-2", "Ticket", "Refunded.", 1 / 3, kind="interaction")
    answer = Answer("a-1", "Hold it — 10 s. [1] Refunded. [2]", True, 0.87654, "", [cite, bare])
    abstained = Answer("a-2", "I could not find this.", False, 0.0, "low_confidence", [])
    report = IngestReport(
        added=2,
        updated=1,
        unchanged=3,
        deleted=0,
        chunks=17,
        interactions=1,
        failed=[Failure("bad.pdf", "not a PDF"), Failure("x/ü.docx", "encrypted")],
        redactions=Counter({"phone": 2, "email": 5, "card": 1}),
    )
    queued = Job(
        job_id="j-1",
        tenant="acme",
        kind="upload",
        progress=Progress(done=1, total=4),
        created_at="2024-05-01T10:00:00+00:00",
    )
    finished = Job(
        job_id="j-2",
        tenant="acme",
        kind="delete",
        progress=Progress(done=1, total=1),
        status="succeeded",
        created_at="2024-05-01T10:00:00+00:00",
        finished_at="2024-05-01T10:00:02+00:00",
        report={"deleted_chunks": 3, "nested": {"b": 1, "a": [1.5, None]}},
        error=None,
    )
    failed = Job(
        job_id="j-3",
        tenant="globex",
        kind="upload",
        status="failed",
        created_at="2024-05-02T00:00:00+00:00",
        error="internal error: OSError",
    )
    key = KeyRecord("0123456789ab", "acme", "bot", "2024-01-01T00:00:00+00:00", "f" * 64)
    revoked = KeyRecord(
        "ba9876543210",
        "acme",
        "admin",
        "2024-01-02T00:00:00+00:00",
        "e" * 64,
        revoked_at="2024-02-01T00:00:00+00:00",
        audience="customer",
    )
    turn_cites = [TurnCitation(0, "customer", "My router drops."), TurnCitation(3, "agent", "Ok.")]
    internal = TurnCitation(5, "internal", "Closed per phone call.")
    summary = Summary("T-1", turn_cites[:1], [], turn_cites[1:], "resolved", internal)
    quoted = Summary("T-2", turn_cites[:1], turn_cites[1:], [], "pending", turn_cites[0])
    empty = Summary("T-3", [], [], [], "unknown")
    points = [
        Point("Charged twice.", "Refunded the duplicate.", ["T-1", "T-7"], {"resolved": 2}),
        Point("App crashes.", "", ["T-4"], {"pending": 1, "unknown": 0}),
    ]
    citations = [{"interaction_id": "T-1", "quote": "Charged twice."}]
    topic = TopicSummary("billing", 3, points, citations)
    no_topic = TopicSummary("nothing", 0, [], [])
    document = DocumentSummary(
        "guide.md",
        "Guide",
        [ChunkQuote("c-1", ["Guide", "Reset"], "Hold it."), ChunkQuote("c-2", [], "Then go.")],
    )
    info = DocumentInfo(
        "guide.md",
        "Guide",
        "document",
        "upload:guide.md",
        {"product": "T2", "tags": ["a", "b"], "nested": {"z": 1}},
        4,
        "h" * 8,
    )
    hit = SearchResult(
        "guide.md",
        "c-1",
        0.7071067811865476,
        "Guide",
        "Hold it.",
        "document",
        {"product": "T2"},
        ["Guide", "Reset"],
        12,
        20,
        "upload:guide.md",
    )
    return [
        ("answer.Citation", to_json(cite)),
        ("answer.Citation.bare", to_json(bare)),
        ("Answer", to_json(answer)),
        ("Answer.abstained", to_json(abstained)),
        ("Generated.llm", to_json(Generated(answer, "llm"))),
        ("Generated.fallback", to_json(Generated(abstained, "extractive", "timeout"))),
        ("Failure", to_json(Failure("bad.pdf", "not a PDF"))),
        ("IngestReport", to_json(report)),
        ("IngestReport.empty", to_json(IngestReport())),
        ("Job.queued", to_json(queued)),
        ("Job.finished", to_json(finished)),
        ("Job.failed", to_json(failed)),
        ("Job.record", finished.record()),
        ("KeyRecord", to_json(key)),
        ("KeyRecord.revoked", to_json(revoked)),
        ("Check", to_json(Check("answers.recall", 0.912345678, ">= 0.9", True))),
        ("Check.baseline", to_json(Check("x", None, "baseline 0.93", False, "baseline", 0.93))),
        ("summary.Citation", to_json(internal)),
        ("Summary", to_json(summary)),
        ("Summary.quoted", to_json(quoted)),
        ("Summary.empty", to_json(empty)),
        ("Point", to_json(points[0])),
        ("TopicSummary", to_json(topic)),
        ("TopicSummary.empty", to_json(no_topic)),
        ("DocumentSummary", to_json(document)),
        ("DocumentSummary.empty", to_json(DocumentSummary("d", "D", []))),
        ("DocumentInfo", to_json(info)),
        ("SearchResult", to_json(hit)),
        ("Turn", to_json(Turn("customer", "Hi — help!", author="ada", timestamp="2024-01-01"))),
        ("Turn.bare", to_json(Turn("agent", "Sure."))),
    ]


def render() -> str:
    return "".join(f"{name}: {json.dumps(value, sort_keys=False)}\n" for name, value in examples())


def test_domain_results_keep_their_json_bytes() -> None:
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert render().splitlines() == expected


if __name__ == "__main__":
    print(render(), end="")


class Colour(Enum):
    RED = "red"


@dataclass
class Inner:
    name: str
    where: Path = Path("a/b.txt")


@dataclass
class Outer:
    inner: Inner = field(metadata=INLINE)
    secret: str = field(metadata=OMIT)
    score: float = field(metadata=converted(lambda x: round(x, 2)))
    colour: Colour = Colour.RED
    pair: tuple[int, ...] = (1, 2)
    nested: dict[str, Inner] = field(default_factory=lambda: {"x": Inner("y")})
    items: list[Any] = field(default_factory=list)


@dataclass
class Own:
    value: int

    def to_json(self) -> dict[str, Any]:
        return {"twice": self.value * 2}


def test_fields_are_written_in_order_with_their_metadata() -> None:
    out = to_json(Outer(Inner("n"), "hidden", 0.456789, items=[Inner("i", Path("/c"))]))
    assert list(out) == ["name", "where", "score", "colour", "pair", "nested", "items"]
    assert out == {
        "name": "n",
        "where": "a/b.txt",
        "score": 0.46,
        "colour": "red",
        "pair": [1, 2],
        "nested": {"x": {"name": "y", "where": "a/b.txt"}},
        "items": [{"name": "i", "where": "/c"}],
    }


def test_a_class_with_its_own_to_json_is_written_by_it_also_when_nested() -> None:
    assert to_json(Own(2)) == {"twice": 4}
    assert to_json(Outer(Inner("n"), "", 1.0, items=[Own(3)]))["items"] == [{"twice": 6}]


def test_only_dataclass_instances_convert() -> None:
    with pytest.raises(TypeError):
        to_json({"a": 1})
    with pytest.raises(TypeError):
        to_json(Inner)
