"""Answer units: what an extractive answer may quote, cut by the structure of a chunk."""

from __future__ import annotations

from answers.units import answer_units


def quoted(text: str) -> list[tuple[str, str, str]]:
    return [(u.kind, text[u.start : u.end], u.context) for u in answer_units(text)]


def test_a_faq_row_quotes_the_answer_cell_read_with_its_question() -> None:
    text = (
        "question: Do I need a C-wire?\n"
        "answer: No. The T2 comes with the Lumen Power Adapter (LPA-1).\n\n"
        "question: Does it work offline?\nanswer: Yes. The schedule keeps running."
    )
    assert quoted(text) == [
        ("answer", "No. The T2 comes with the Lumen Power Adapter (LPA-1).", "Do I need a C-wire?"),
        ("answer", "Yes. The schedule keeps running.", "Does it work offline?"),
    ]


def test_a_table_row_is_quoted_whole_with_its_column_names_and_the_heading_as_context() -> None:
    text = (
        "## How long do refunds take?\n\n"
        "Step: Parcel in transit\nTypical time: 3-7 business days\n\n"
        "Step: Refund appears on your card\nTypical time: 3-10 business days"
    )
    assert quoted(text) == [
        ("row", "Step: Parcel in transit\nTypical time: 3-7 business days",
         "How long do refunds take?"),
        ("row", "Step: Refund appears on your card\nTypical time: 3-10 business days",
         "How long do refunds take?"),
    ]  # fmt: skip


def test_numbered_steps_are_one_unit_led_by_the_sentence_before() -> None:
    text = (
        "To start a return, follow these steps.\n\n"
        "1. Go to Account > Orders.\n2. Choose Return items.\n3. Print the label."
    )
    kinds = quoted(text)
    assert kinds[-1] == (
        "steps",
        "1. Go to Account > Orders.\n2. Choose Return items.\n3. Print the label.",
        "To start a return, follow these steps.",
    )


def test_bullets_are_items_and_prose_is_sentences_with_the_one_before_as_context() -> None:
    text = (
        "The return window depends on your plan.\n\n"
        "- 30 days from delivery for any unused product.\n- 60 days for Lumen Care members.\n\n"
        "Refunds go to the original card. They take up to 5 business days."
    )
    assert quoted(text) == [
        ("sentence", "The return window depends on your plan.", ""),
        ("item", "- 30 days from delivery for any unused product.",
         "The return window depends on your plan."),
        ("item", "- 60 days for Lumen Care members.", "The return window depends on your plan."),
        ("sentence", "Refunds go to the original card.", "- 60 days for Lumen Care members."),
        ("sentence", "They take up to 5 business days.", "Refunds go to the original card."),
    ]  # fmt: skip


def test_headings_are_never_units_and_short_lines_are_dropped() -> None:
    text = "# Billing\n\nVehicle\n\nYou are billed on the first day of the month."
    assert [q for _, q, _ in quoted(text)] == ["You are billed on the first day of the month."]


def test_a_transcript_quotes_agent_turns_read_with_the_customer_turn_they_reply_to() -> None:
    text = (
        "Customer: I was charged twice for my thermostat.\n"
        "Agent: Thanks. I've refunded the duplicate charge of $179 to your card.\n"
        "Customer: Great, thank you!\n"
        "Agent: You're welcome!"
    )
    units = [(u.kind, text[u.start : u.end], u.context)
             for u in answer_units(text, kind="interaction")]  # fmt: skip
    assert units == [
        ("turn", "Thanks. I've refunded the duplicate charge of $179 to your card.",
         "I was charged twice for my thermostat."),
    ]  # fmt: skip
    # the same lines in a document are a record, not a conversation
    assert [u.kind for u in answer_units(text)] == ["row"]
