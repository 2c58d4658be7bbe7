"""What an extractive answer is chosen from: the retrieved chunks' sentences and their features.

Sentences are scored by their embedding similarity to the question (alone and with the last
user turn), idf-weighted term overlap with the same, their chunk's search score, and whether
they follow the passage the last agent turn quoted (a conversation walks through a document).
Evidence about the best hit as a whole feeds the confidence: its cosine to the question, how
well the question's word pieces are matched in it (`token_match`), and how close its best
sentence comes to what is asked beyond the hit's topic (`without_topic`). Those two read the
question with the last user turn, since a follow-up ("how long does it take?") says little alone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from casebook.index import Index
from casebook.models import SearchResult
from casebook.sentences import WORD, split_sentences, terms
from casebook.summary import STOPWORDS

POOL = 20  # hits read per question: the collection for idf weights and the document margin
MIN_WORDS = 4  # shorter lines ("Vehicle", "[1 ]", a heading) are not quotable answers


@dataclass
class Evidence:
    """Candidate sentences of the retrieved chunks, with the features answers are decided by."""

    hits: list[SearchResult]
    sentences: list[tuple[int, int, int]]  # (hit index, start, end) within the hit's text
    features: dict[str, np.ndarray] = field(default_factory=dict)  # one value per sentence
    neighbours: list[tuple[int, int]] = field(default_factory=list)  # (previous, next), -1: none
    query_weights: dict[str, float] = field(default_factory=dict)  # term -> idf x turn weight
    idf: dict[str, float] = field(default_factory=dict)
    question: str = ""
    chunk_cos: float = 0.0  # the question's cosine to the best hit (title and text)
    token_match: float = 0.0  # how well the question's words are matched in the best hit
    conversational: bool = False  # the question came with earlier turns

    def quote(self, i: int) -> str:
        hit, start, end = self.sentences[i]
        return self.hits[hit].text[start:end]


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
) -> Evidence:
    """Search, split the top_k chunks into sentences and compute each sentence's features."""
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
        sentences=[],
        question=question,
        conversational=any(t.get("text", "").strip() for t in history or []),
    )
    seen: dict[tuple[str, int], int] = {}  # (doc, absolute end) -> sentence: overlaps repeat text
    for rank, hit in enumerate(hits[:top_k]):
        for start, end in split_sentences(hit.text):
            if len(WORD.findall(hit.text[start:end].lower())) < MIN_WORDS:
                continue
            key = (hit.doc_id, hit.start + end)
            if key in seen:
                continue
            seen[key] = len(evidence.sentences)
            evidence.sentences.append((rank, start, end))
    if not evidence.sentences:
        return evidence
    _score(evidence, index, question, history)
    return evidence


def _score(
    evidence: Evidence, index: Index, question: str, history: Sequence[Mapping[str, str]] | None
) -> None:
    """Fill in the per-sentence features (one embedding call for all sentences and queries)."""
    hits, sentences = evidence.hits, evidence.sentences
    last_user = _last(history, ("user", "customer"))
    last_agent = _last(history, ("agent", "bot", "assistant"))
    asked = f"{question}\n{last_user}" if last_user else question  # a follow-up needs its context
    queries = [question, asked, last_agent or ".", without_topic(asked, hits[0].title)]
    top_chunk = f"{hits[0].title}\n{hits[0].text}"
    vectors = np.asarray(
        index.embedder.embed(
            [*queries, top_chunk, *(evidence.quote(i) for i in range(len(sentences)))]
        )
    )
    q, ctx, agent, beyond, sent = vectors[0], vectors[1], vectors[2], vectors[3], vectors[5:]
    evidence.chunk_cos = float(vectors[4] @ q)
    evidence.token_match = token_match(index, asked, top_chunk)

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
    total = sum(weights.values()) or 1.0
    lexical = np.array(
        [sum(weights.get(t, 0.0) for t in set(terms(evidence.quote(i)))) / total
         for i in range(len(sentences))]
    )  # fmt: skip

    top = hits[0].score or 1.0
    chunk = np.array([hits[h].score / top for h, _, _ in sentences])
    # neighbours in document order (sentences of overlapping chunks were merged above)
    where = [(hits[h].doc_id, hits[h].start + s, hits[h].start + e) for h, s, e in sentences]
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
        "beyond_topic": sent @ beyond,
    }


def without_topic(question: str, title: str) -> str:
    """The question without the words of the best hit's title: what it asks about its topic."""
    topic = set(WORD.findall(title.lower()))
    kept = [w for w in question.split() if not set(WORD.findall(w.lower())) & topic]
    return " ".join(kept) or question


def token_match(index: Index, question: str, passage: str) -> float:
    """Mean over the question's content word pieces of their best cosine to a passage piece.

    A soft coverage: contextual token vectors match "sings" to "singer", but a question whose
    specifics (a year, a place, a role) are absent from the passage scores low.
    """
    (q_pieces, q_vectors), (_, p_vectors) = index.embedder.token_vectors([question, passage])
    keep = [i for i, piece in enumerate(q_pieces) if _content_piece(piece)] or list(
        range(len(q_pieces))
    )
    if not keep or not len(p_vectors):
        return 0.0
    return float((q_vectors[keep] @ p_vectors.T).max(axis=1).mean())


def _content_piece(piece: str) -> bool:
    word = piece.lstrip("#")
    return word.isalnum() and word.isascii() and word.lower() not in STOPWORDS
