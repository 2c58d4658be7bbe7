"""Questions about how a past case was handled are answered with that case's fix.

"How did we fix someone charged twice?" asks about past interactions, so they are searched on
their own (a runbook on duplicate charges would otherwise fill the top hits), and a case
matches such a question turn by turn: the customer's complaint, the agent's diagnosis, the fix.
The best single turn is often the diagnosis ("Could you tell me the last four digits..."), but
what the agent asked for is the fix, which ingest stores as the interaction's resolution
(``summaries.resolution``). So the past case whose turns match best is found, and its
resolution is quoted, with the confidence of that best match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from answers.evidence import NOT_READ, Evidence
from casebook.documents import INTERACTION_KINDS
from casebook.interactions import NO_RESOLUTION

# An agent asking what was done before ("what did we do", "how was this solved last time").
ASKS_ABOUT_PAST_CASES = re.compile(
    r"\b(?:(?:did|have|had) we|we (?:did|told|said|advised|offered|gave|sent)|last time|"
    r"what fixed|(?:was|were) (?:this|it|that|they) (?:solved|fixed|resolved|handled)|"
    r"how (?:did|was|were|have) .{0,60}?\b(?:fix|solv|resolv|handl))",
    re.IGNORECASE,
)


def asks_about_past_cases(question: str) -> bool:
    """Whether the question asks how a past case was handled."""
    return bool(ASKS_ABOUT_PAST_CASES.search(question))


def past_case_filters(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The caller's filters narrowed to past interactions (unless they already name a kind)."""
    filters = dict(filters or {})
    return filters if "kind" in filters else filters | {"kind": sorted(INTERACTION_KINDS)}


def past_fix(evidence: Evidence, logits: np.ndarray) -> tuple[int, float] | None:
    """(the resolution unit to quote, the logit of its case's best unit) for a question about
    past cases, or None when it is not one or no retrieved case has a resolution."""
    if not asks_about_past_cases(evidence.question):
        return None
    resolutions: dict[str, int] = {}
    best: dict[str, float] = {}
    for i in range(len(evidence.units)):
        hit = evidence.hit_of(i)
        if hit.kind not in INTERACTION_KINDS:
            continue
        if logits[i] > NOT_READ:
            best[hit.doc_id] = max(best.get(hit.doc_id, NOT_READ), float(logits[i]))
        recorded = not evidence.quote(i).startswith(NO_RESOLUTION)
        if hit.kind == "resolution" and recorded and hit.doc_id not in resolutions:
            resolutions[hit.doc_id] = i
    cases = [doc for doc in resolutions if doc in best]
    if not cases:
        return None
    case = max(cases, key=lambda doc: best[doc])
    return resolutions[case], best[case]
