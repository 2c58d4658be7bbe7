"""Context metrics over the units that mean something: distinct documents and sentences."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from casebook.sentences import split_sentences
from eval.answers import contains, normalize
from eval.metrics import dedupe


def average_precision(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Average precision of the first k distinct ids, over min(|relevant|, k): cutting the
    ranking short never raises it (unlike retrieved-share precision)."""
    docs, gold = dedupe(ranked)[:k], set(relevant)
    if not gold:
        return 0.0
    hits, total = 0, 0.0
    for rank, doc in enumerate(docs, start=1):
        if doc in gold:
            hits += 1
            total += hits / rank
    return total / min(len(gold), k)


def reference_sentences(contexts: Sequence[str], spans: Sequence[str]) -> list[str]:
    """The sentences a retrieval should bring back: reference contexts, else the gold spans'."""
    texts = [c for c in contexts if c.strip()] or [s for s in spans if s.strip()]
    out = []
    for text in texts:
        out += [text[a:b] for a, b in split_sentences(text) if len(normalize(text[a:b])) >= 3]
    return out


def sentence_recall(retrieved: Sequence[str], sentences: Sequence[str]) -> float | None:
    """Share of the reference sentences held (normalised) by a retrieved chunk or by the
    retrieved chunks joined; None without sentences."""
    if not sentences:
        return None
    joined = " ".join(retrieved)
    found = sum(any(contains(t, s) for t in retrieved) or contains(joined, s) for s in sentences)
    return found / len(sentences)
