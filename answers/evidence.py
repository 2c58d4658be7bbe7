"""What an extractive answer is chosen from: the retrieved chunks' answer units and their scores.

Each retrieved chunk is cut into answer units by its structure (``answers.units``: a FAQ's
answer cell, a table row, a numbered procedure, a list item, a sentence); units that look
injected or carry a link are dropped before anything is scored. The units closest to the
question by the cheap features below are then read by the answer reranker (a cross-encoder,
``answers.reranker``), whose score picks the answer and, calibrated, is its confidence.

Units are first scored by their embedding similarity to the question (alone and with the last
user turn), idf-weighted term overlap with the same, their chunk's search score, and whether
they follow the passage the last agent turn quoted (a conversation walks through a document).
Each unit's topic (a FAQ's question, a list's or table's heading or lead-in, else its
section heading) is compared with the question as well, and whether the unit is the kind of
answer the question asks for (``answers.answer_type``: a number, or steps).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from answers.answer_type import number_fit, steps_fit
from answers.coverage import coverage
from answers.reranker import Reranker, packaged_reranker, passage_text, query_text
from answers.units import Unit, answer_units
from casebook.index import Index
from casebook.models import SearchResult, heading_path
from casebook.sentences import terms
from grounding.guard import quotable

POOL = 20  # hits read per question: the collection for idf weights and the document margin
# Units the reranker reads per question, the best by the cheap features. Reading 6 instead of
# 12 chooses the same unit as often on every dev set and the sample set (the reranker's weight
# in the unit model is small) at about 60% of the time (bench/results/answers-sample.json).
RERANK = 6
NOT_READ = -30.0  # the rerank score of a unit the reranker did not read


@dataclass
class Evidence:
    """Candidate sentences of the retrieved chunks, with the features answers are decided by."""

    hits: list[SearchResult]
    units: list[tuple[int, Unit]]  # (hit index, unit within the hit's text)
    features: dict[str, np.ndarray] = field(default_factory=dict)  # one value per sentence
    neighbours: list[tuple[int, int]] = field(default_factory=list)  # (previous, next), -1: none
    query_weights: dict[str, float] = field(default_factory=dict)  # term -> idf x turn weight
    idf: dict[str, float] = field(default_factory=dict)
    coverage: float = 1.0  # the share of the question's words the hits hold (answers.coverage)
    question: str = ""
    conversational: bool = False  # the question came with earlier turns
    calibrate: Callable[[float], float] = field(default=lambda x: 0.0, repr=False)

    def quote(self, i: int) -> str:
        hit, unit = self.units[i]
        return self.hits[hit].text[unit.start : unit.end]

    def hit_of(self, i: int) -> SearchResult:
        return self.hits[self.units[i][0]]


def _last(history: Sequence[Mapping[str, str]] | None, roles: tuple[str, ...]) -> str:
    for turn in reversed(history or []):
        if turn.get("role", "user") in roles and turn.get("text", "").strip():
            return turn["text"]
    return ""


def gather(
    index: Index,
    tenant: str,
    question: str,
    history: Sequence[Mapping[str, str]] | None = None,
    filters: Mapping[str, Any] | None = None,
    top_k: int = 5,
    audience: str = "agent",
    canaries: Sequence[str] = (),
    reranker: Reranker | None = None,
) -> Evidence:
    """Search, cut the top_k chunks into answer units, drop the unquotable ones, and score the
    rest (the cheap features for all, the reranker for the best RERANK)."""

    hits = index.search(
        tenant,
        question,
        history=history,
        filters=filters,
        top_k=max(top_k, POOL),
        audience=audience,
    )
    evidence = Evidence(
        hits=hits,
        units=[],
        question=question,
        conversational=any(t.get("text", "").strip() for t in history or []),
    )
    seen: set[tuple[str, str]] = set()  # (doc, text): overlapping chunks repeat text
    for rank, hit in enumerate(hits[:top_k]):
        for unit in answer_units(hit.text, hit.kind):
            key = (hit.doc_id, hit.text[unit.start : unit.end])
            if key in seen or not quotable(key[1], canaries):
                continue
            seen.add(key)
            evidence.units.append((rank, unit))
    if not evidence.units:
        return evidence
    _score(evidence, index, question, history)
    _rerank(evidence, query_text(question, history), reranker or packaged_reranker())
    return evidence


def topic(evidence: Evidence, i: int) -> str:
    """What a unit is under: a FAQ answer's question, a list's or table's heading or lead-in,
    else its section's heading (or the document title)."""
    hit, unit = evidence.hit_of(i), evidence.units[i][1]
    if unit.kind != "sentence" and unit.context:
        return unit.context
    return hit.section[-1] if hit.section else hit.title or "."


def unit_passage(evidence: Evidence, i: int) -> str:
    """A unit as the reranker reads it: its document and section, its context, its text."""
    hit, unit = evidence.hit_of(i), evidence.units[i][1]
    where = heading_path(hit.title, tuple(hit.section))
    return passage_text(where, unit.context, evidence.quote(i))


def _rerank(evidence: Evidence, query: str, reranker: Reranker) -> None:
    """The reranker's score for the RERANK units the cheap features rank highest."""
    cheap = cheap_scores(evidence)
    read = [int(i) for i in np.argsort(-cheap, kind="stable")[:RERANK]]
    scores = np.full(len(evidence.units), NOT_READ)
    logits = reranker.logits(query, [unit_passage(evidence, i) for i in read])
    scores[read] = logits
    evidence.features["rerank"] = scores
    evidence.calibrate = reranker.probability


CHEAP = {"cos_q": 1.0, "cos_ctx": 1.0, "lexical": 1.0, "chunk": 2.0, "follows": 0.3}


def cheap_scores(evidence: Evidence) -> np.ndarray:
    """How close each unit is to the question by embeddings, words and rank (no reranker)."""
    return sum(w * evidence.features[k] for k, w in CHEAP.items())  # type: ignore[return-value]


def _score(
    evidence: Evidence, index: Index, question: str, history: Sequence[Mapping[str, str]] | None
) -> None:
    """Fill in the per-sentence features (one embedding call for all sentences and queries)."""
    hits, sentences = evidence.hits, evidence.units
    last_user = _last(history, ("user", "customer"))
    last_agent = _last(history, ("agent", "bot", "assistant"))
    asked = f"{question}\n{last_user}" if last_user else question  # a follow-up needs its context
    queries = [question, asked, last_agent or "."]
    topics = [topic(evidence, i) for i in range(len(sentences))]
    quotes = [evidence.quote(i) for i in range(len(sentences))]
    distinct = list(dict.fromkeys(topics))
    # the queries are new each time; units and topics recur (embed_cached keeps them)
    vectors = np.concatenate([
        np.asarray(index.embedder.embed(queries), dtype=np.float32).reshape(len(queries), -1),
        index.embedder.embed_cached(
            [*quotes, *distinct]
        ),
    ])  # fmt: skip
    q, ctx, agent = vectors[0], vectors[1], vectors[2]
    sent = vectors[3 : 3 + len(sentences)]
    topic_cos = dict(zip(distinct, vectors[3 + len(sentences) :] @ ctx, strict=True))

    # idf over the retrieved pool: words shared by every hit (the topic) weigh little
    docs = [set(terms(f"{h.title} {h.text}")) for h in hits]
    df: Counter[str] = Counter(t for d in docs for t in d)
    n = len(docs)
    idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
    weights: dict[str, float] = {}
    for t in terms(last_user):
        weights[t] = 0.5 * idf.get(t, math.log(1 + (n + 0.5) / 0.5))
    for t in terms(question):
        weights[t] = idf.get(t, math.log(1 + (n + 0.5) / 0.5))
    evidence.idf, evidence.query_weights = idf, weights
    evidence.coverage = coverage(question, idf)
    total = sum(weights.values()) or 1.0
    lexical = np.array(
        [sum(weights.get(t, 0.0) for t in set(terms(evidence.quote(i)))) / total
         for i in range(len(sentences))]
    )  # fmt: skip

    top = hits[0].score or 1.0
    chunk = np.array([hits[h].score / top for h, _ in sentences])
    # neighbours in document order (units of overlapping chunks were merged above)
    where = [(hits[h].doc_id, hits[h].start + u.start, hits[h].start + u.end) for h, u in sentences]
    order = sorted(range(len(sentences)), key=lambda i: where[i])
    previous, following = [-1] * len(sentences), [-1] * len(sentences)
    for a, b in zip(order, order[1:], strict=False):
        if where[a][0] == where[b][0] and where[b][1] - where[a][2] <= 3:
            previous[b], following[a] = a, b
    evidence.neighbours = list(zip(previous, following, strict=True))
    cos_agent = sent @ agent
    follows = np.zeros(len(sentences))
    if last_agent:
        said = int(np.argmax(cos_agent))
        nxt = following[said]
        if nxt >= 0:
            follows[nxt] = 1.0
    evidence.features = {
        "cos_q": sent @ q,
        "cos_ctx": sent @ ctx,
        "lexical": lexical,
        "chunk": chunk,
        "follows": follows,
        "cos_agent": cos_agent if last_agent else np.zeros(len(sentences)),
        "cos_topic": np.array([topic_cos[t] for t in topics]),
        # the expected answer type: a number for "how long", steps for "how do I"
        "number_fit": np.array([number_fit(question, quote) for quote in quotes]),
        "steps_fit": np.array([steps_fit(question, u.kind) for _, u in sentences]),
    }
