"""Extractive topic summaries: the recurring problems behind a query and how they were resolved.

Each interaction the search finds has a resolution chunk (a "Problem:" line and a "Resolution:"
line, written at ingest) whose sentences are quoted. Interactions not close enough to the query are
dropped; the problems of the rest are grouped by average-linkage clustering of their embeddings.
A group is a point: the problem sentence closest to the group's centroid and the query, the
resolution sentence closest to the group's typical resolution and the query (resolved
interactions preferred), and every member cited. The only words not quoted are labels.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from casebook.filters import to_where
from casebook.index import Index
from casebook.interactions import NO_RESOLUTION
from casebook.sentences import STOPWORDS
from summaries.cues import LABELS, PLEASANTRY, STATUS_FIELD, STATUSES, sentences

KINDS = ["interaction", "resolution"]
POOL = 3  # chunks searched per interaction wanted
MIN_RELEVANCE = 0.4  # below this cosine to the query an interaction is unrelated
RELATIVE = 0.6  # ... and below this fraction of the best interaction's relevance
LEXICAL = 0.6  # the relevance of an interaction that contains every word of the query
CLUSTER = 0.5  # average cosine between two groups' problems for them to merge
RESOLVED, QUESTION = 0.2, 0.2  # resolution score for a resolved interaction, for a question
MIN_WORDS = 3
MAX_SENTENCES = 4  # per section: a fallback section holds a whole turn, and each is embedded
# Words of a topic query that every ticket could contain ("billing issues").
GENERIC = frozenset({"problem", "problems", "issue", "issues", "customer", "customers", "ticket"})
WORD = re.compile(r"[a-z0-9']+")
Quote = tuple[str, np.ndarray]  # a sentence and its embedding
LABEL = re.compile(rf"(?:^|\s)(?:{'|'.join(LABELS.values())}|System):\s")


@dataclass
class Case:
    """One matching interaction: its quotable sentences and their embeddings."""

    interaction_id: str
    title: str
    outcome: str
    problems: list[str]
    resolutions: list[str]
    text: str
    relevance: float = 0.0
    problem_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    resolution_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def problem_pairs(self) -> list[Quote]:
        return list(zip(self.problems, self.problem_vectors, strict=True))

    @property
    def vector(self) -> np.ndarray:
        """The problem's direction: the normalised mean of its sentence vectors."""
        return _unit(self.problem_vectors.mean(axis=0))


@dataclass(frozen=True)
class Point:
    """A recurring problem, its resolution and the interactions behind it."""

    problem: str
    resolution: str
    interactions: list[str]
    count: int = field(init=False)  # len(interactions)
    statuses: dict[str, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", len(self.interactions))


@dataclass(frozen=True)
class TopicSummary:
    """Points in order of how often the problem came up; citations quote each interaction."""

    query: str
    interactions: int
    summary: str = field(init=False)  # "1. Problem: ... Resolution: ... [id][id]", one per point
    points: list[Point]
    citations: list[dict[str, str]]

    def __post_init__(self) -> None:
        lines = (
            f"{n}. Problem: {p.problem} Resolution: {p.resolution or NO_RESOLUTION} "
            + "".join(f"[{i}]" for i in p.interactions)
            for n, p in enumerate(self.points, start=1)
        )
        object.__setattr__(self, "summary", "\n".join(lines))


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _quotable(section: str, keep_pleasantries: bool) -> list[str]:
    """The sentences of a section without its role labels, each a substring of it.

    Pleasantries ("Thanks for reaching out!") are left out, or kept when nothing else is.
    """
    found, content = [], []
    for part in LABEL.split(section):
        for sentence in sentences(part):
            words = WORD.findall(sentence.lower())
            if len(words) >= MIN_WORDS:
                found.append(sentence)
                if sum(w not in STOPWORDS and w not in PLEASANTRY for w in words) >= 2:
                    content.append(sentence)
    return (content or (found if keep_pleasantries else []))[:MAX_SENTENCES]


def _outcome(meta: Mapping[str, Any]) -> str:
    """Resolved, pending, escalated or unknown: the summary's outcome, else the status field."""
    value = str(meta.get("outcome") or meta.get("status") or "").strip().lower()
    value = STATUS_FIELD.get(value, value)
    return value if value in STATUSES else "unknown"


def _case(payload: Mapping[str, Any]) -> Case | None:
    """A case from a resolution chunk's payload, or None when it states no problem."""
    text = str(payload.get("text", ""))
    problem, _, resolution = text.partition("\nResolution:")
    resolution = "" if resolution.strip() == NO_RESOLUTION else resolution
    meta = payload.get("metadata") or {}
    problems = _quotable(problem.removeprefix("Problem:"), keep_pleasantries=True)
    if not problems:
        return None
    return Case(
        interaction_id=str(payload.get("doc_id", "")),
        title=str(payload.get("title", "")),
        outcome=_outcome(meta),
        problems=problems,
        resolutions=_quotable(resolution, keep_pleasantries=False),
        text=f"{payload.get('title', '')}\n{text}",
    )


def _candidates(
    index: Index,
    tenant: str,
    query: str,
    filters: Mapping[str, Any] | None,
    limit: int,
    audience: str,
) -> list[Case]:
    """The first `limit` interactions the search finds, in rank order, read from the store."""
    scoped = dict(filters or {})
    scoped.setdefault("kind", KINDS)
    hits = index.search(tenant, query, filters=scoped, top_k=POOL * limit, audience=audience)
    ids = list(dict.fromkeys(h.doc_id for h in hits))[:limit]
    if not ids:
        return []
    where = to_where({"doc_id": ids, "kind": "resolution"}, tenant, audience)
    fields = ["doc_id", "title", "text", "metadata"]
    found = {p.payload.get("doc_id"): _case(p.payload) for p in index.store.scroll(where, fields)}
    return [case for i in ids if (case := found.get(i)) is not None]


def _embed(index: Index, query: str, cases: Sequence[Case]) -> np.ndarray:
    """Embed every case's sentences in one batch; returns the query's vector."""
    texts = [query] + [s for c in cases for s in (*c.problems, *c.resolutions)]
    vectors = np.asarray(index.embedder.embed(texts), dtype=np.float32)
    start = 1
    for case in cases:
        middle, end = start + len(case.problems), start + len(case.problems) + len(case.resolutions)
        case.problem_vectors, case.resolution_vectors = vectors[start:middle], vectors[middle:end]
        start = end
    return vectors[0]


def _lexical(query: str, text: str) -> float:
    """The share of the query's content words that the text contains."""
    terms = {w for w in WORD.findall(query.lower()) if w not in STOPWORDS | GENERIC}
    return len(terms & set(WORD.findall(text.lower()))) / len(terms) if terms else 0.0


def _relevant(query: str, query_vector: np.ndarray, cases: list[Case]) -> list[Case]:
    """The cases close enough to the query, absolutely and relative to the best one."""
    for case in cases:
        sims = np.concatenate([case.problem_vectors, case.resolution_vectors]) @ query_vector
        case.relevance = max(float(sims.max()), LEXICAL * _lexical(query, case.text))
    best = max((c.relevance for c in cases), default=0.0)
    floor = max(MIN_RELEVANCE, RELATIVE * best)
    return [c for c in cases if c.relevance >= floor]


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clusters of unit vectors (scipy), merged while the average
    cosine between two groups is at least threshold; groups in order of their first member."""
    if len(vectors) < 2:
        return [[i] for i in range(len(vectors))]
    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return list(groups.values())


def _best(pairs: Sequence[Quote], *directions: np.ndarray) -> Quote:
    """The sentence whose vector is closest to the directions (summed cosine)."""
    target = np.sum(directions, axis=0)
    return max(pairs, key=lambda pair: float(pair[1] @ target))


def _resolution(members: list[Case], query: np.ndarray) -> str:
    """The resolution sentence closest to the group's typical resolution and the query.

    A sentence of a resolved interaction scores higher, a question (asked of the customer) lower.
    """
    solved = [c for c in members if c.resolutions]
    if not solved:
        return ""
    typical = _unit(np.mean([_unit(c.resolution_vectors.mean(axis=0)) for c in solved], axis=0))
    target = typical + query
    scored = [
        (float(v @ target) + RESOLVED * (c.outcome == "resolved") - QUESTION * ("?" in s), s)
        for c in solved
        for s, v in zip(c.resolutions, c.resolution_vectors, strict=True)
    ]
    return max(scored)[1]


def _point(members: list[Case], query: np.ndarray) -> tuple[Point, list[dict[str, str]]]:
    """The point for a group and a citation of each member, quoting its most central problem."""
    centroid = _unit(np.mean([c.vector for c in members], axis=0))
    quotes = [_best(c.problem_pairs(), centroid, query) for c in members]
    ids = [c.interaction_id for c in members]
    statuses = dict(Counter(c.outcome for c in members))
    point = Point(_best(quotes, centroid, query)[0], _resolution(members, query), ids, statuses)
    citations = [
        {"interaction_id": c.interaction_id, "title": c.title, "quote": q}
        for c, (q, _) in zip(members, quotes, strict=True)
    ]
    return point, citations


def summarize_topic(
    index: Index,
    tenant: str,
    query: str,
    filters: Mapping[str, Any] | None = None,
    *,
    max_interactions: int = 50,
    max_points: int = 5,
    audience: str = "agent",
) -> TopicSummary:
    """The recurring problems of a tenant's interactions matching a query, with resolutions.

    Interactions are staff-only, so for the customer audience the summary is always empty.
    """
    found = query.strip() and max_interactions > 0
    cases = _candidates(index, tenant, query, filters, max_interactions, audience) if found else []
    query_vector = _embed(index, query, cases) if cases else np.zeros(0)
    cases = _relevant(query, query_vector, cases)
    groups = [[cases[i] for i in g] for g in cluster(np.array([c.vector for c in cases]), CLUSTER)]
    groups.sort(key=lambda g: (len(g), max(c.relevance for c in g)), reverse=True)
    points: list[Point] = []
    citations: list[dict[str, str]] = []
    for group in groups[: max(max_points, 0)]:
        point, cited = _point(sorted(group, key=lambda c: c.relevance, reverse=True), query_vector)
        points.append(point)
        citations += cited
    return TopicSummary(query, len(cases), points, citations)
