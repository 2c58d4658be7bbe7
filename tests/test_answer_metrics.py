"""Answer correctness and calibration metrics (eval.answers)."""

from __future__ import annotations

from eval.answers import answer_right, contains, ece, token_recall


def test_contains_matches_whole_normalised_words() -> None:
    assert contains("Returns are accepted within 30 days.", "30 days")
    assert contains("Refunds take 3-10 business days", "3-10 business days")
    assert not contains("within 130 days", "30 days")
    assert not contains("anything", "")


def test_an_answer_is_right_by_expected_phrases_then_spans_then_reference_recall() -> None:
    assert answer_right("Fit the LPA-1 adapter.", ["LPA-1"], [], "")
    assert not answer_right("Fit the adapter.", ["LPA-1", "adapter"], [], "")
    assert answer_right("x The gold span here. y", [], ["the gold span here"], "")
    assert answer_right("paid within five days", [], [], "refunds are paid within five days")
    assert not answer_right("paid", [], [], "refunds are paid within five business days")
    assert token_recall("a b", "") == 0.0


def test_ece_is_the_size_weighted_gap_between_confidence_and_accuracy() -> None:
    assert ece([0.9, 0.9, 0.1], [1, 0, 0]) == 0.3
    assert ece([1.0, 0.0], [1, 0]) == 0.0
    assert ece([], []) is None
