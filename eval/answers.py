"""Answer metrics Ragas has no equivalent for: token F1, citation correctness, abstention."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence


def normalize(text: str) -> list[str]:
    """SQuAD answer normalisation: lower case, no punctuation, no articles."""
    text = re.sub(r"\b(a|an|the)\b", " ", re.sub(r"[^\w\s]", " ", text.lower()))
    return text.split()


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 of a prediction against one gold text."""
    pred, ref = normalize(prediction), normalize(gold)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not common:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Sequence[str]) -> float:
    """The best token F1 over several gold texts (gold spans or a reference answer)."""
    return max((token_f1(prediction, g) for g in golds if g.strip()), default=0.0)


def citation_correct(cited: Sequence[str], gold: Sequence[str]) -> float:
    """1 when an answer cites at least one gold document, else 0."""
    return float(bool(set(cited) & set(gold)))


def abstention(answered: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float | None]:
    """Precision and recall of abstaining, taking "unanswerable" as the positive class.

    None where undefined: no abstentions (precision) or no unanswerable questions (recall).
    """
    abstained = [not a for a in answered]
    unanswerable = [not a for a in answerable]
    hits = sum(a and u for a, u in zip(abstained, unanswerable, strict=True))
    return {
        "abstention.precision": hits / sum(abstained) if any(abstained) else None,
        "abstention.recall": hits / sum(unanswerable) if any(unanswerable) else None,
        "answered_rate": sum(answered) / len(answered) if answered else None,
    }
