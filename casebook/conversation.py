"""Long conversations made to fit: the newest turns, the end of long texts, a focused question.

Chat clients send whole conversations and customers paste whole stories. Nothing is refused:
history is trimmed from its oldest end, an over-long text keeps its end (where the question
usually is), and a long message is split into its closing sentences (the question that is
searched and answered) and what came before them (context, added as the newest history turn).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from casebook.sentences import split_sentences


@dataclass(frozen=True)
class Budget:
    """How much of a conversation is kept (from Settings: max_query_chars and friends)."""

    question_chars: int = 2000
    history_turns: int = 50
    turn_chars: int = 8000
    focus_chars: int = 500


def keep_end(text: str, limit: int) -> str:
    """The last `limit` characters of text, starting at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < min(40, limit // 4) else tail


def focus(message: str, limit: int, sentences: int = 1) -> tuple[str, str]:
    """(question, context): the message's last `sentences` sentences (as many as fit in `limit`
    characters, at least the last one), and the text before them ("" when it all fits)."""
    message = message.strip()
    if len(message) <= limit:
        return message, ""
    spans = split_sentences(message)
    start = spans[-1][0] if spans else 0
    for begin, _ in reversed(spans[-sentences:-1]):
        if len(message) - begin > limit:
            break
        start = begin
    return keep_end(message[start:], limit), message[:start].strip()


def trim_history(history: Sequence[Mapping[str, str]], budget: Budget) -> list[dict[str, str]]:
    """The newest `history_turns` non-empty turns, each keeping its last `turn_chars`."""
    turns = [
        {"role": t.get("role", "user"), "text": keep_end(t.get("text", ""), budget.turn_chars)}
        for t in history
        if t.get("text", "").strip()
    ]
    keep = budget.history_turns
    return turns[-keep:] if keep else []


def fit(
    question: str, history: Sequence[Mapping[str, str]], budget: Budget
) -> tuple[str, list[dict[str, str]]]:
    """The question and history as they are searched and answered, within the budget."""
    question, context = focus(keep_end(question, budget.question_chars), budget.focus_chars)
    turns = [*history, {"role": "user", "text": context}] if context else history
    return question, trim_history(turns, budget)
