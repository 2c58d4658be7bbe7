"""The expected answer type: a number for a quantity or a time, steps for a procedure."""

from __future__ import annotations

import pytest

from answers.answer_type import number_fit, steps_fit


@pytest.mark.parametrize(
    ("question", "quote", "fit"),
    [
        ("How long do refunds take?", "Most customers see their money back within 2-3 weeks.", 1),
        ("How long do refunds take?", "Refunds go back to the original payment method.", -1),
        ("when is the next firmware update?", "It starts rolling out on 18 March.", 1),
        ("What's the price of the Hub?", "The Hub costs forty-nine dollars.", 1),
        ("What's the price of the Hub?", "The Hub is sold in our online store.", -1),
        ("how many backup codes do I get?", "You get ten backup codes.", 1),
        ("What happens when the power goes out?", "The schedule keeps running.", 0),
        ("Do I need a C-wire?", "No. The T2 comes with the LPA-1.", 0),
    ],
)
def test_a_question_for_a_quantity_or_time_wants_a_unit_with_a_number(
    question: str, quote: str, fit: float
) -> None:
    assert number_fit(question, quote) == fit


def test_a_question_how_to_do_something_wants_numbered_steps() -> None:
    assert steps_fit("how do I turn on two-factor authentication", "steps") == 1
    assert steps_fit("How to change the Wi-Fi network?", "steps") == 1
    assert steps_fit("how do I turn on two-factor authentication", "sentence") == 0
    assert steps_fit("what is two-factor authentication", "steps") == 0
