"""How much of a question the retrieved chunks speak of: near misses name what is not there."""

from __future__ import annotations

import pytest

from answers.coverage import coverage, missing_words
from casebook.sentences import terms

POOL = set(
    terms(
        "Shipping policy. Your order ships to the United States and Canada. Express delivery "
        "takes 1-2 days. The thermostat shows the temperature; check the Wi-Fi signal strength "
        "if the connection is broken. Pay by card or PayPal."
    )
)


def test_the_word_that_makes_a_near_miss_is_missing() -> None:
    assert missing_words("do you ship to brazil?", POOL) == ["brazil"]
    assert missing_words("can I pay for my order with bitcoin?", POOL) == ["bitcoin"]
    assert coverage("can I pay for my order with bitcoin?", POOL) == pytest.approx(2 / 3)


def test_other_forms_of_a_word_and_its_halves_count_as_held() -> None:
    assert missing_words("why is the temp different from my bedroom", POOL) == [
        "different",
        "bedroom",
    ]
    assert missing_words("my wifi broke", POOL) == []
    assert coverage("do you ship to canada by express?", POOL) == 1.0


def test_words_that_only_ask_say_nothing() -> None:
    assert coverage("how much is it?", POOL) == 1.0
    assert coverage("why does express still take so much?", POOL) == 1.0
