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


def ece(confidence: Sequence[float], right: Sequence[float], bins: int = 10) -> float | None:
    """Expected calibration error: the mean gap between confidence and the share right, over
    equal-width confidence bins weighted by their size (None without cases)."""
    if not len(confidence):
        return None
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(p, r) for p, r in zip(confidence, right, strict=True)
                  if lo <= p < hi or (b == bins - 1 and p == hi)]  # fmt: skip
        if inside:
            gap = sum(p for p, _ in inside) / len(inside) - sum(r for _, r in inside) / len(inside)
            total += len(inside) / len(confidence) * abs(gap)
    return round(total, 4)


RIGHT_RECALL = 0.5  # token recall against a reference answer that makes a quote right


def contains(text: str, phrase: str) -> bool:
    """Whether text holds phrase, both normalised (case, punctuation, articles)."""
    words, wanted = normalize(text), normalize(phrase)
    if not wanted:
        return False
    n = len(wanted)
    return any(words[i : i + n] == wanted for i in range(len(words) - n + 1))


def token_recall(prediction: str, reference: str) -> float:
    """The share of the reference's tokens that the prediction holds (SQuAD normalisation)."""
    pred, ref = normalize(prediction), normalize(reference)
    if not ref:
        return 0.0
    return sum((Counter(pred) & Counter(ref)).values()) / len(ref)


def answer_right(
    answer: str, expected: Sequence[str], spans: Sequence[str], reference: str
) -> bool:
    """Whether an answer holds the answer: every expected phrase, else a gold span, else
    token recall >= RIGHT_RECALL against the reference answer."""
    if expected:
        return all(contains(answer, p) for p in expected)
    if any(s.strip() for s in spans):
        return any(s.strip() and contains(answer, s) for s in spans)
    return bool(reference.strip()) and token_recall(answer, reference) >= RIGHT_RECALL


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
