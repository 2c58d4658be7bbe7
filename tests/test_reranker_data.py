"""The reranker's near-miss training pairs: one word of an answered question swapped away."""

from __future__ import annotations

import importlib
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def reranker_data():  # type: ignore[no-untyped-def]
    """training/reranker_data.py, imported as the training scripts import it."""
    if str(ROOT / "training") not in sys.path:
        sys.path.insert(0, str(ROOT / "training"))
    return importlib.import_module("reranker_data")


def test_a_near_miss_swaps_the_questions_most_specific_word_its_answer_holds() -> None:
    data = reranker_data()

    def unit(doc: str, text: str) -> object:
        return data.Unit(doc, "Returns", "", text, 0, len(text))

    answer = unit("returns", "Thermostats can be returned within 30 days of delivery.")
    other = [
        unit(f"d{i}", f"Thermostats ship in {i} days to every address we deliver to.")
        for i in range(30)
    ]
    questions = [
        data.Question("q1", "how long can thermostats be returned", True, [answer], other[:3]),
        data.Question("q2", "do you deliver passports abroad", True, [other[5]], other[6:8]),
    ]
    pairs = data.near_misses(questions, random.Random(13))

    asked = [q for q, passage, label in pairs if "30 days" in passage]
    assert len(asked) == 1 and all(label == 0.0 for _, _, label in pairs)
    # "thermostats" is in every passage, "returned" only in the answer: that one is swapped
    assert "returned" not in asked[0] and "thermostats" in asked[0]
    swapped = set(asked[0].split()) - {"how", "long", "can", "thermostats", "be"}
    assert swapped and not swapped & set(answer.text.lower().split())
    assert swapped <= {"passports", "abroad"}
