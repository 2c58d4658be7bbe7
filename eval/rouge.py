"""ROUGE-1, ROUGE-2 and ROUGE-L F1, written out so the project needs no scoring package.

Text is lowercased and tokenised on runs of word characters (``\\w+``): punctuation, "@" and
"#" are dropped. With ``stemmed=True`` each token longer than three characters loses one common
English suffix and then a final "e" (see ``stem``): a crude stand-in for the Porter stemmer of
Google's ``rouge-score``, so stemmed numbers compare with each other, not with published ones.

A candidate scored against several references keeps, per metric, the best F1 over the
references: the multi-reference convention of the TweetSumm paper's evaluation.
ROUGE-L is the sentence-level variant: one LCS over the whole token sequences (``rougeL`` in
``rouge-score``, not ``rougeLsum``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

WORD = re.compile(r"\w+")

# Longest first, so "ations" wins over "s". Deliberately short: over-stemming merges words.
SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "ly", "s")


def stem(token: str) -> str:
    """Strip one suffix of SUFFIXES (leaving at least three letters), then a final "e".

    "asked" -> "ask", "issues" and "issue" -> "issu", "replies" -> "reply"; words of three
    letters or fewer and words ending in "ss" stay as they are.
    """
    if len(token) <= 3 or token.endswith("ss"):
        return token
    for suffix in SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return token[:-1] if token.endswith("e") and len(token) > 4 else token


def tokenize(text: str, stemmed: bool = False) -> list[str]:
    """Lowercased word-character tokens, optionally stemmed."""
    tokens = WORD.findall(text.lower())
    return [stem(t) for t in tokens] if stemmed else tokens


def _f1(overlap: int, candidate_total: int, reference_total: int) -> float:
    if not overlap or not candidate_total or not reference_total:
        return 0.0
    precision = overlap / candidate_total
    recall = overlap / reference_total
    return 2 * precision * recall / (precision + recall)


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def ngram_f1(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F1: clipped n-gram overlap (each reference n-gram matched at most as often)."""
    cand, ref = _ngrams(candidate, n), _ngrams(reference, n)
    overlap = sum((cand & ref).values())
    return _f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (two-row dynamic programme)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def lcs_f1(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F1: LCS length over candidate length (precision) and reference length (recall)."""
    return _f1(lcs_length(candidate, reference), len(candidate), len(reference))


def rouge(candidate: str, references: Sequence[str], stemmed: bool = False) -> dict[str, float]:
    """{"rouge1", "rouge2", "rougeL"} F1 of candidate, each the best over the references."""
    cand = tokenize(candidate, stemmed)
    scores = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    for reference in references:
        ref = tokenize(reference, stemmed)
        scores["rouge1"] = max(scores["rouge1"], ngram_f1(cand, ref, 1))
        scores["rouge2"] = max(scores["rouge2"], ngram_f1(cand, ref, 2))
        scores["rougeL"] = max(scores["rougeL"], lcs_f1(cand, ref))
    return scores
