"""Whether an answer is right: a verdict per case and the rates gates read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from eval.answers import answer_right

CONFIDENTLY = 0.8  # a wrong answer at or above this confidence is confidently wrong
RIGHT, WRONG = "right", "wrong"
ABSTAINED_WRONGLY, ABSTAINED_RIGHTLY = "abstained_wrongly", "abstained_rightly"
UNJUDGED = "unjudged"  # answered, but the case says nothing of what a right answer holds


def verdict(
    answered: bool,
    answerable: bool,
    text: str,
    expected: Sequence[str],
    spans: Sequence[str],
    reference: str,
) -> str:
    """right / wrong / abstained_wrongly / abstained_rightly, or unjudged (nothing to check)."""
    if not answered:
        return ABSTAINED_WRONGLY if answerable else ABSTAINED_RIGHTLY
    if not answerable:
        return WRONG
    if not judgeable(expected, spans, reference):
        return UNJUDGED
    return RIGHT if answer_right(text, expected, spans, reference) else WRONG


def verdict_row(
    kind: str, answerable: bool, judgeable: bool, confidence: float
) -> dict[str, float]:
    """Per-case values whose means are the correctness rates (absent where they do not apply).

    answer.right_rate: answerable questions (with a reference) answered right;
    answer.right_when_answered: answers that are right; answer.confidently_wrong_rate: answers
    that are wrong at confidence >= CONFIDENTLY.
    """
    row: dict[str, float] = {}
    if answerable and judgeable:
        row["answer.right_rate"] = float(kind == RIGHT)
    if kind in (RIGHT, WRONG):
        row["answer.right_when_answered"] = float(kind == RIGHT)
        row["answer.confidently_wrong_rate"] = float(kind == WRONG and confidence >= CONFIDENTLY)
    return row


def judgeable(expected: Sequence[str], spans: Sequence[str], reference: str) -> bool:
    """Whether a case says what a right answer holds."""
    return bool(expected or any(s.strip() for s in spans) or reference.strip())


def counts(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """How many cases got each verdict, and which generator and fallback reason answered."""
    answered = [r for r in rows if "verdict" in r]
    return {
        "verdicts": dict(Counter(r["verdict"] for r in answered)),
        "generator": dict(Counter(str(r.get("generator")) for r in answered if r["answered"])),
        "fallback_reason": dict(
            Counter(str(r["fallback_reason"]) for r in answered if r.get("fallback_reason"))
        ),
    }
