"""ROUGE-1, ROUGE-2 and ROUGE-L F1 by Google's `rouge-score` (the package ragas' RougeScore wraps).

Its tokeniser lowercases and keeps runs of ASCII letters and digits; ``stemmed=True`` applies
its Porter stemmer, so stemmed numbers compare with published ones. A candidate scored against
several references keeps, per metric, the best F1 over the references (``score_multi``): the
multi-reference convention of the TweetSumm paper's evaluation. ROUGE-L is the sentence-level
variant (``rougeL``, not ``rougeLsum``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from rouge_score.rouge_scorer import RougeScorer

METRICS = ("rouge1", "rouge2", "rougeL")


@functools.cache
def _scorer(stemmed: bool) -> RougeScorer:
    return RougeScorer(list(METRICS), use_stemmer=stemmed)


def rouge(candidate: str, references: Sequence[str], stemmed: bool = False) -> dict[str, float]:
    """{"rouge1", "rouge2", "rougeL"} F1 of candidate, each the best over the references."""
    if not references:
        return dict.fromkeys(METRICS, 0.0)
    scores = _scorer(stemmed).score_multi(list(references), candidate)
    return {metric: scores[metric].fmeasure for metric in METRICS}
