"""Extractive answers over a small real index: quotes, markers, abstention, history, confidence."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from backends import open_index

from answers import ask, decision
from answers.decision import LOW_CONFIDENCE, NO_ANSWER, NO_EVIDENCE, Answer
from casebook.embedding import Embedder
from casebook.index import Index
from casebook.settings import Settings
from casebook.shapes import to_json
from ingest.chunking import Chunker
from ingest.pipeline import ingest

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def answer(index: Index, tenant: str, question: str, **options: Any) -> Answer:
    """The product's answer path (answers.ask) with default settings."""
    answerer = ask.Answerer(index, Settings(qdrant_url=None))
    return ask.answer(answerer, ask.Asked(tenant, question, **options)).answer


RECORDS = [
    {
        "doc_id": "refunds",
        "title": "Refunds and returns",
        "text": "You can return an unused item within 30 days of delivery. Refunds are paid to "
        "the original card within five business days after the return arrives. Items bought "
        "in a clearance sale cannot be returned.",
    },
    {
        "doc_id": "thermostat",
        "title": "Resetting the Lumen thermostat",
        "text": "Hold the dial for ten seconds to reset the Lumen thermostat. The screen flashes "
        "blue when the reset is done. After a reset, the thermostat needs to join your Wi-Fi "
        "network again.",
    },
    {
        "doc_id": "van-insurance",
        "title": "Van insurance",
        "text": "Van insurance covers the goods you carry for your business. A van policy costs "
        "from 40 dollars a month, depending on the load. Drivers under 25 pay a surcharge.",
    },
    {
        "doc_id": "support-plan",
        "title": "Premium support plan",
        "text": "The premium support plan gives you a named engineer and phone support at "
        "night. The premium plan costs 12 dollars a month, billed yearly. You can cancel the "
        "plan at any time from your account page.",
    },
]


@pytest.fixture
def kb(tmp_path: Path, embedder: Embedder, chunker: Chunker) -> Iterator[Index]:
    """An Edge index holding the four records above for the tenant "default"."""
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    index = open_index("edge", tmp_path, embedder)
    assert ingest(index, chunker, [path]).added == len(RECORDS)
    yield index
    index.close()


def chunk_texts(index: Index) -> dict[str, str]:
    hits = index.search("default", "anything", top_k=100, mode="bm25")
    hits += index.search("default", "anything", top_k=100, mode="dense")
    return {h.chunk_id: h.text for h in hits}


def test_answer_sentences_are_verbatim_quotes_of_the_cited_chunks(kb: Index) -> None:
    result = answer(kb, "default", "How long does it take to get my refund?")
    assert result.answerable and result.reason == ""
    texts = chunk_texts(kb)
    for citation in result.citations:
        assert citation.quote in texts[citation.chunk_id]
    assert result.citations[0].doc_id == "refunds"
    rebuilt = " ".join(f"{c.quote} [{n}]" for n, c in enumerate(result.citations, start=1))
    assert result.answer == rebuilt  # nothing written besides the quotes and their markers


def test_markers_number_the_citations_in_order(kb: Index) -> None:
    result = answer(kb, "default", "How do I reset my thermostat?")
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", result.answer)]
    assert markers == list(range(1, len(result.citations) + 1))
    assert 1 <= len(result.citations) <= 3
    for n, citation in enumerate(result.citations, start=1):
        assert f"{citation.quote} [{n}]" in result.answer


def test_an_unrelated_question_abstains_without_citations(kb: Index) -> None:
    result = answer(kb, "default", "Which planet in the solar system has the most moons?")
    assert not result.answerable
    assert result.reason == LOW_CONFIDENCE
    assert result.answer == NO_ANSWER and result.citations == []


def test_an_empty_index_gives_no_evidence(tmp_path: Path, embedder: Embedder) -> None:
    index = open_index("edge", tmp_path, embedder)
    try:
        result = answer(index, "default", "How do I reset my thermostat?")
    finally:
        index.close()
    assert (result.answerable, result.reason, result.citations) == (False, NO_EVIDENCE, [])
    assert result.answer == NO_ANSWER and result.confidence == 0.0


def test_a_filter_matching_nothing_gives_no_evidence(kb: Index) -> None:
    result = answer(kb, "default", "How do I reset my thermostat?", filters={"doc_id": "nope"})
    assert result.reason == NO_EVIDENCE and not result.answerable
    assert answer(kb, "other-tenant", "How do I reset my thermostat?").reason == NO_EVIDENCE


def test_to_json_has_exactly_the_answer_fields(kb: Index) -> None:
    body = to_json(answer(kb, "default", "How do I reset my thermostat?"))
    assert list(body) == ["answer_id", "answer", "answerable", "confidence", "reason", "citations"]
    assert body["citations"]
    for citation in body["citations"]:
        assert list(citation) == [
            "doc_id", "chunk_id", "title", "quote", "score", "kind", "start", "end"
        ]  # fmt: skip
    json.dumps(body)  # serialisable as it is
    assert re.fullmatch(r"[0-9a-f-]{36}", body["answer_id"])


def test_history_changes_the_answer_to_a_follow_up(kb: Index) -> None:
    question = "How much does it cost per month?"
    van = [
        {"role": "user", "text": "I need insurance for the van I use for deliveries."},
        {"role": "agent", "text": "Van insurance covers the goods you carry for your business."},
    ]
    plan = [
        {"role": "user", "text": "Tell me about the premium support plan."},
        {"role": "agent", "text": "It gives you a named engineer and phone support at night."},
    ]
    about_van = answer(kb, "default", question, history=van)
    about_plan = answer(kb, "default", question, history=plan)
    assert about_van.citations[0].doc_id == "van-insurance"
    assert about_plan.citations[0].doc_id == "support-plan"
    assert about_van.answer != about_plan.answer


def test_confidence_is_a_probability_and_higher_for_a_clear_match(kb: Index) -> None:
    clear = answer(kb, "default", "How long do I have to return an unused item?")
    weak = answer(kb, "default", "Can I bring my dog to the office on Fridays?")
    for result in (clear, weak):
        assert isinstance(result, Answer) and 0.0 <= result.confidence <= 1.0
    assert clear.confidence > weak.confidence


def test_cached_embeddings_equal_fresh_ones_and_repeat_texts_are_embedded_once(
    embedder: Embedder,
) -> None:
    texts = ["Refunds take 3-10 days.", "Hold the button for 15 s.", "Refunds take 3-10 days."]
    fresh = np.asarray(embedder.embed(texts[:2]))
    calls: list[int] = []
    embed = embedder.embed
    embedder.embed = lambda b: calls.append(len(b)) or embed(b)  # type: ignore[method-assign]
    try:
        first = embedder.embed_cached(texts)
        again = embedder.embed_cached(texts[:2])
    finally:
        del embedder.embed
    assert np.allclose(first[:2], fresh, atol=1e-3) and np.allclose(first[2], first[0])
    assert np.allclose(again, first[:2])
    assert sum(calls) <= 2  # each distinct text once, none the second time


def test_citations_give_the_quotes_character_range_in_the_document(kb: Index) -> None:
    result = answer(kb, "default", "How long does it take to get my refund?")
    texts = {r["doc_id"]: r["text"] for r in RECORDS}
    assert result.citations
    for c in result.citations:
        assert c.start is not None and c.end is not None
        assert texts[c.doc_id][c.start : c.end] == c.quote


PASSAGE = {
    "doc_id": "delivery",
    "title": "Delivery times",
    "text": "Standard delivery takes 3 to 5 business days within the country. Orders placed "
    "after 2 pm leave the warehouse the next working day. Express delivery arrives the next "
    "business day.\n\nWe do not deliver on public holidays. Large items such as sofas are "
    "delivered by a two-person team who call one hour before they arrive.",
}


def test_a_prose_answer_quotes_its_paragraph_as_one_passage_and_stops_at_its_end(
    tmp_path: Path, embedder: Embedder, chunker: Chunker
) -> None:
    path = tmp_path / "delivery.jsonl"
    path.write_text(json.dumps(PASSAGE) + "\n")
    index = open_index("edge", tmp_path, embedder)
    try:
        assert ingest(index, chunker, [path]).added == 1
        result = answer(index, "default", "How long does standard delivery take?")
    finally:
        index.close()
    assert result.answerable and len(result.citations) == 1
    (cited,) = result.citations
    assert "3 to 5 business days" in cited.quote and "next working day" in cited.quote
    assert "public holidays" not in cited.quote  # the next paragraph is another topic
    assert len(cited.quote.split()) <= decision.MAX_PASSAGE_WORDS
    assert PASSAGE["text"][cited.start : cited.end] == cited.quote
    assert result.answer == f"{cited.quote} [1]"


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("should I factory reset it?", True),
        ("what's my window then?", True),
        ("and blinking red?", True),
        ("can you ship it there?", True),
        ("how long do I have?", True),  # names one thing at most: the rest is in the turns
        ("is there a yearly option?", False),  # "is there" points nowhere
        ("How much does Lumen Care cost?", False),
        ("can I cancel Lumen Care?", False),
    ],
)
def test_a_follow_up_that_leans_on_the_conversation_continues_it(
    question: str, leans: bool
) -> None:
    assert decision.continues_conversation(question) is leans


def test_a_prose_answer_adds_the_passage_sentences_that_answer_nearly_as_well(
    tmp_path: Path, embedder: Embedder, chunker: Chunker
) -> None:
    """ "song it's now or never by elvis presley": the sentence that says what it is is followed
    by one that leans on nothing, and the one that says how it sold comes later; both answer,
    and both are quoted, in document order (CLAPNQ's gold answer is those two sentences)."""
    corpus = DATASETS / "clapnq" / "corpus.jsonl"
    if not corpus.is_file():
        pytest.skip("the shared datasets are not here")
    song = next(
        r for r in map(json.loads, corpus.read_text(encoding="utf-8").splitlines())
        if r["doc_id"] == "833898472_738-1302"
    )  # fmt: skip
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [*RECORDS, song]) + "\n")
    index = open_index("edge", tmp_path, embedder)
    try:
        ingest(index, chunker, [path])
        result = answer(index, "default", "song it's now or never by elvis presley")
    finally:
        index.close()
    assert result.answerable, result
    assert "is a ballad recorded by Elvis Presley in 1960" in result.answer, result.answer
    assert "second best - selling single by Presley" in result.answer, result.answer
    starts = [c.start for c in result.citations]
    assert starts == sorted(starts), result.citations
    text = song["text"]
    assert all(text[c.start : c.end] == c.quote for c in result.citations), result.citations
