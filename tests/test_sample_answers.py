"""The sample help centre's question set (eval/suites/sample), answered as the product answers.

It runs on the real sample corpus (casebook/sample, what `make demo` serves), the real model
and reranker, through the one answer path (answers.ask). The thresholds are regression gates
just under what was measured (see the constants at the end).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from answers import ask
from answers.past_cases import asks_about_past_cases
from casebook.documents import get_document
from casebook.embedding import Embedder
from casebook.interactions import Interaction, Turn
from casebook.settings import Settings
from casebook.wiring import open_index
from eval.answers import answer_right
from eval.datasets import Query, load_queries
from ingest.conversation import transcript
from service import ingestion

ROOT = Path(__file__).resolve().parents[1]
QUERIES = load_queries(ROOT / "eval" / "suites" / "sample")


@pytest.fixture(scope="module")
def answerer(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[ask.Answerer]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("sample"), qdrant_url=None)
    index = open_index(settings, embedder)
    try:
        sample = ROOT / "casebook" / "sample"
        report = ingestion.ingestor(index, settings).run([sample], tenant="default")
        assert not report.failed
        yield ask.Answerer(index, settings)
    finally:
        index.close()


@pytest.fixture(scope="module")
def answers(answerer: ask.Answerer) -> dict:
    return {
        q.qid: ask.answer(answerer, ask.Asked("default", q.question, q.history)).answer
        for q in QUERIES
    }


def right(q: Query, result) -> bool:  # type: ignore[no-untyped-def]
    quoted = " ".join(c.quote for c in result.citations)
    cited = {c.doc_id for c in result.citations} & set(q.gold_doc_ids)
    return result.answerable and bool(cited) and answer_right(quoted, q.expected, [], "")


def test_the_set_has_the_promised_shape() -> None:
    kinds = [q.metadata.get("type") for q in QUERIES]
    assert len(QUERIES) >= 80
    assert sum(not q.answerable for q in QUERIES) >= 20
    assert sum(bool(q.history) for q in QUERIES) >= 10
    for kind in ("faq", "table", "number", "procedure", "followup", "interaction"):
        assert kinds.count(kind) >= 4, kind
    for q in QUERIES:
        assert q.answerable == bool(q.expected) == bool(q.gold_doc_ids), q.qid


def test_answerable_questions_are_answered_right_and_cite_a_gold_document(answers: dict) -> None:
    answerable = [q for q in QUERIES if q.answerable]
    wrong = [(q.qid, q.question, answers[q.qid].answer[:120]) for q in answerable
             if not right(q, answers[q.qid])]  # fmt: skip
    share = 1 - len(wrong) / len(answerable)
    print(f"right: {share:.3f}", *wrong, sep="\n")
    assert share >= RIGHT_AT_LEAST


def test_unanswerable_questions_abstain(answers: dict) -> None:
    unanswerable = [q for q in QUERIES if not q.answerable]
    answered = [(q.qid, q.question, answers[q.qid].answer[:120]) for q in unanswerable
                if answers[q.qid].answerable]  # fmt: skip
    share = 1 - len(answered) / len(unanswerable)
    print(f"abstained: {share:.3f}", *answered, sep="\n")
    assert share >= ABSTAIN_AT_LEAST


def test_few_wrong_answers_are_confident(answers: dict) -> None:
    confident_wrong = [
        (q.qid, answers[q.qid].confidence, answers[q.qid].answer[:120])
        for q in QUERIES
        if answers[q.qid].answerable and answers[q.qid].confidence >= 0.8
        and not (q.answerable and right(q, answers[q.qid]))
    ]  # fmt: skip
    print(*confident_wrong, sep="\n")
    assert len(confident_wrong) <= CONFIDENT_WRONG_AT_MOST


def test_questions_about_past_cases_quote_the_fix_where_it_is_in_the_transcript(
    answerer: ask.Answerer, answers: dict
) -> None:
    """ "What did we do last time?" quotes the past case's resolution (the refund, not the
    agent's first question), and the citation's range is where the agent said it."""
    past = [q for q in QUERIES if asks_about_past_cases(q.question)]
    assert len(past) >= 6
    for q in past:
        result = answers[q.qid]
        assert right(q, result), (q.qid, result.answer)
        (cited,) = result.citations
        turns = get_document(answerer.index, "default", cited.doc_id)["turns"]
        text, _ = transcript(Interaction(cited.doc_id, "", [Turn(**t) for t in turns]))
        assert text[cited.start : cited.end] == cited.quote, q.qid
    charged_twice = answers["s068"].citations[0].quote
    assert charged_twice.startswith("I've refunded the duplicate charge")
    # a runbook on duplicate charges fills the top hits for this wording: past cases are
    # searched on their own
    asked = ask.Asked("default", "what did we do last time a customer was charged twice?")
    result = ask.answer(answerer, asked).answer
    assert [c.doc_id for c in result.citations] == ["T-1001"], result.answer


def test_the_knowledge_base_is_quoted_before_a_past_chat(answers: dict) -> None:
    """A question the help centre answers is quoted from it, not from a chat where an agent once
    said something close (s021's transcript: "below -75 dBm the connection drops")."""
    wifi = answers["s021"]
    assert wifi.answerable
    assert [c.kind for c in wifi.citations] == ["document"], wifi.answer
    assert {c.doc_id for c in wifi.citations} == {"help/wifi-setup.md"}


def test_a_question_how_to_do_something_quotes_the_steps(answers: dict) -> None:
    """ "How do I turn on 2 factor" quotes the numbered steps under the heading whose intro
    sentence reads closest to it, not the intro ("Two-factor authentication asks for...")."""
    for qid in ("s048", "s052"):
        quote = answers[qid].citations[0].quote
        assert quote.startswith("1. "), (qid, answers[qid].answer)


def test_steps_follow_the_unit_that_answers_when_they_alone_would_not(answers: dict) -> None:
    """ "thermostat shows E17 what do I do" is answered by the sentence that names E17; the
    steps under it (which do not name E17, so alone score under the threshold) follow it."""
    e17 = answers["s020"]
    assert e17.answerable
    assert e17.answer.startswith("If you changed your router"), e17.answer
    assert "1. On the thermostat, go to" in e17.answer, e17.answer


def test_a_question_that_restates_a_heading_quotes_what_the_section_opens_with(
    answers: dict,
) -> None:
    """ "What is the return window?" restates the heading "Return window"; the sentence that
    names it ("Outside the return window, a faulty product is ...") is not the answer, the list
    the section opens with is."""
    window = answers["s029"]
    assert window.answerable
    assert window.citations[0].quote.startswith("- 30 days from the delivery date"), window.answer
    assert "Outside the return window" not in window.answer


def test_a_question_for_a_quantity_quotes_a_unit_with_a_number(answers: dict) -> None:
    """ "How many backup codes do I get with 2FA?" reads closest to "To get a new set of backup
    codes, go to ...", which holds no number; the steps that say "save the 10 backup codes" are
    quoted instead."""
    codes = answers["s037"]
    assert codes.answerable
    assert "10 backup codes" in codes.answer, codes.answer


def test_a_follow_up_is_not_answered_as_if_it_stood_alone(answers: dict) -> None:
    """ "can you ship it there?" after a move, or "should I factory reset it?" after E42, is far
    in meaning from the turn before it; read alone, each found an answer at 0.82-0.86 that is
    not about the conversation. They point back at it ("it", "there"), so they keep it."""
    for qid in ("s065", "s119"):
        assert answers[qid].confidence < 0.8, (qid, answers[qid].answer)


# Regression gates just under what was measured on 2026-12-03, after follow-ups kept their
# conversation, steps followed the unit that answers, and prose answers took the passage's other
# answering sentences (this test: 0.731 of answerable questions right, 0.615 of unanswerable
# abstained, no wrong answer at confidence >= 0.8; before those: 0.688, 0.615 and 5), each with a
# question or two of slack for CPU-to-CPU numeric drift in the bf16 reranker. The targets
# (0.9, 0.9 and none) are not all met yet: README, "Answers: how good, and how sure".
RIGHT_AT_LEAST = 0.70
ABSTAIN_AT_LEAST = 0.55
CONFIDENT_WRONG_AT_MOST = 2
