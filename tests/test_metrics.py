"""Ranking metrics on small cases computed by hand."""

from __future__ import annotations

import math

import pytest

from eval.metrics import dedupe, first_hit_rank, mrr_at, ndcg_at, overlaps, recall_at


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "b", "c"], {"a", "c"}, 3, 1.0),
        (["a", "b", "c"], {"a", "c"}, 2, 0.5),
        (["x", "y"], {"a"}, 2, 0.0),
        (["a", "a", "b"], {"a", "b", "c", "d"}, 3, 0.5),  # repeats count once
        (["a"], set(), 1, 0.0),
        ([], {"a"}, 5, 0.0),
    ],
)
def test_recall_at(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert recall_at(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "b"], {"a"}, 10, 1.0),
        (["x", "b", "a"], {"a", "b"}, 10, 0.5),
        (["x", "y", "a"], {"a"}, 10, 1 / 3),
        (["x", "y", "a"], {"a"}, 2, 0.0),
        ([], {"a"}, 10, 0.0),
    ],
)
def test_mrr_at(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert mrr_at(ranked, relevant, k) == pytest.approx(expected)


def test_ndcg_is_one_for_an_ideal_ranking() -> None:
    assert ndcg_at(["a", "b", "x"], {"a", "b"}, 3) == pytest.approx(1.0)


def test_ndcg_of_a_relevant_item_at_rank_two() -> None:
    # DCG = 1/log2(3); ideal DCG (one relevant) = 1/log2(2) = 1.
    assert ndcg_at(["x", "a"], {"a"}, 10) == pytest.approx(1 / math.log2(3))


def test_ndcg_with_one_of_two_relevant_items_found_at_rank_three() -> None:
    dcg = 1 / math.log2(4)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(["x", "y", "a"], {"a", "b"}, 3) == pytest.approx(dcg / ideal)


def test_ndcg_ideal_is_capped_at_k() -> None:
    # Three relevant ids but k = 1: a relevant first hit is a perfect top 1.
    assert ndcg_at(["a", "x"], {"a", "b", "c"}, 1) == pytest.approx(1.0)


def test_ndcg_without_relevant_items_is_zero() -> None:
    assert ndcg_at(["a"], set(), 10) == 0.0
    assert ndcg_at(["x", "y"], {"a"}, 10) == 0.0


def test_first_hit_rank() -> None:
    assert first_hit_rank([False, False, True]) == pytest.approx(1 / 3)
    assert first_hit_rank([True, True]) == 1.0
    assert first_hit_rank([False, True], k=1) == 0.0
    assert first_hit_rank([]) == 0.0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 10), (5, 15), True),
        ((0, 10), (10, 20), False),  # half-open ranges that only touch
        ((5, 6), (0, 100), True),
        ((0, 100), (5, 6), True),
        ((20, 30), (0, 10), False),
        ((0, 1), (0, 1), True),
    ],
)
def test_overlaps(a: tuple[int, int], b: tuple[int, int], expected: bool) -> None:
    assert overlaps(*a, *b) is expected
    assert overlaps(*b, *a) is expected


def test_an_empty_range_overlaps_nothing() -> None:
    assert overlaps(3, 3, 0, 10) is False
    assert overlaps(0, 10, 3, 3) is False


def test_dedupe_keeps_first_seen_order() -> None:
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]
    assert dedupe([]) == []
