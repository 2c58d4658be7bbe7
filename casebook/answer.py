"""Extractive, cited answers from the index, without an LLM.

An answer is 1-3 sentences copied verbatim from the retrieved chunks, each followed by a marker
[n] for the n-th citation; nothing else is written. Sentences are scored by their embedding
similarity to the question (alone and with the last user turn), idf-weighted term overlap with
the same, their chunk's search score, and whether they follow the passage the last agent turn
quoted (a conversation walks through a document). The best sentence is extended by its
neighbours while they score close to it.

The confidence is a logistic regression over the evidence (see ``CONFIDENCE``); below
``THRESHOLD`` the answerer abstains with ``NO_ANSWER`` and no citations. ``reason`` is "" for
an answer, "no_evidence" when the search found nothing (or no quotable sentence), and
"low_confidence" when the evidence was too weak to answer from.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from casebook.index import Index
from casebook.models import SearchResult
from casebook.summary import STOPWORDS

NO_ANSWER = "I could not find this in the knowledge base."
NO_EVIDENCE, LOW_CONFIDENCE = "no_evidence", "low_confidence"

POOL = 20  # hits read per question: the collection for idf weights and the document margin
MIN_WORDS = 4  # shorter lines ("Vehicle", "[1 ]", a heading) are not quotable answers
MAX_SENTENCES = 3

# Sentence score weights, over the columns of Evidence.features (chosen on doc2dial dev, where
# they moved citation precision by at most 0.01: retrieval decides most of it).
SELECT = {"cos_q": 1.0, "cos_ctx": 1.0, "lexical": 1.0, "chunk": 2.0, "follows": 0.3}
EXTEND = 0.1  # a neighbour joins the answer when it scores within this of the best sentence

# Confidence: a logistic regression, label "a cited document is a gold document", fitted by
#   python bench/answers.py --dataset both --fit
# on doc2dial dev (conversations: every question has history) and CLAPNQ dev (single questions,
# half unanswerable: no gold document). Each feature also enters multiplied by "history" (1 when
# the question comes with earlier turns), so conversations and single questions get their own
# weights: evidence looks different when the history carries the topic.
BASE_FEATURES = ("margin", "best_cos", "coverage", "best_score", "chunk_cos", "answer_type")
CONFIDENCE_FEATURES = (*BASE_FEATURES, "history", *(f"{k}_x_history" for k in BASE_FEATURES))
CONFIDENCE = {
    "bias": -18.4403, "margin": 2.2853, "best_cos": -5.169, "coverage": -3.6937,
    "best_score": 4.8168, "chunk_cos": 7.3083, "answer_type": 0.9562, "history": 11.1218,
    "margin_x_history": 13.0011, "best_cos_x_history": 4.259, "coverage_x_history": 1.3957,
    "best_score_x_history": -2.1813, "chunk_cos_x_history": -10.0757,
    "answer_type_x_history": -0.8251,
}  # fmt: skip
THRESHOLD = 0.5  # abstain when the confidence is below this

WORD = re.compile(r"[a-z0-9]+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\s*\n\s*")
ABBREVIATION = re.compile(r"(?:\b[A-Za-z]|\be\.g|\bi\.e|\betc|\bvs|\bMr|\bMrs|\bDr|\bNo)\.$")


@dataclass(frozen=True)
class Citation:
    """A sentence quoted verbatim from a chunk; score is that chunk's search score."""

    doc_id: str
    chunk_id: str
    title: str
    quote: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "chunk_id": self.chunk_id,
            "title": self.title,
            "quote": self.quote,
            "score": self.score,
        }


@dataclass(frozen=True)
class Answer:
    """Quoted sentences with markers [n] for citations[n - 1], or an abstention with a reason."""

    answer_id: str
    answer: str
    answerable: bool
    confidence: float
    reason: str
    citations: list[Citation]

    def to_json(self) -> dict[str, Any]:
        return {
            "answer_id": self.answer_id,
            "answer": self.answer,
            "answerable": self.answerable,
            "confidence": self.confidence,
            "reason": self.reason,
            "citations": [c.to_json() for c in self.citations],
        }


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
    conversational: bool = False  # the question came with earlier turns

    def quote(self, i: int) -> str:
        hit, start, end = self.sentences[i]
        return self.hits[hit].text[start:end]


def terms(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed (plural and -ing/-ed endings)."""
    out = []
    for word in WORD.findall(text.lower()):
        if word in STOPWORDS or len(word) < 2:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text, stripped; a break after an abbreviation is none."""
    spans: list[tuple[int, int]] = []
    pos = 0
    glue = False
    for match in [*SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[pos:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            span = (pos + lead, pos + lead + len(piece.strip()))
            spans[-1:] = [(spans[-1][0], span[1])] if glue and spans else [*spans[-1:], span]
            glue = (
                match is not None and "\n" not in match.group() and bool(ABBREVIATION.search(piece))
            )
        if match:
            pos = match.end()
    return spans


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
) -> Evidence:
    """Search, split the top_k chunks into sentences and compute each sentence's features."""
    hits = index.search(tenant, question, history=history, filters=filters, top_k=max(top_k, POOL))
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
    queries = [question, f"{question}\n{last_user}" if last_user else question, last_agent or "."]
    top_chunk = f"{hits[0].title}\n{hits[0].text}"
    vectors = np.asarray(
        index.embedder.embed(
            [*queries, top_chunk, *(evidence.quote(i) for i in range(len(sentences)))]
        )
    )
    q, ctx, agent, sent = vectors[0], vectors[1], vectors[2], vectors[4:]
    evidence.chunk_cos = float(vectors[3] @ q)

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
    }


def sentence_scores(evidence: Evidence, weights: Mapping[str, float] = SELECT) -> np.ndarray:
    return sum(w * evidence.features[k] for k, w in weights.items())  # type: ignore[return-value]


def select(
    evidence: Evidence, weights: Mapping[str, float] = SELECT, extend: float = EXTEND
) -> list[int]:
    """The best sentence and its neighbours that score within `extend` of it, in text order."""
    scores = sentence_scores(evidence, weights)
    best = int(np.argmax(scores))
    chosen = [best]
    while len(chosen) < MAX_SENTENCES:
        before = evidence.neighbours[chosen[0]][0]
        after = evidence.neighbours[chosen[-1]][1]
        options = [i for i in (before, after) if i >= 0]
        if not options:
            break
        pick = max(options, key=lambda i: scores[i])
        if scores[pick] < scores[best] - extend:
            break
        chosen = [pick, *chosen] if pick == before else [*chosen, pick]
    return chosen


def confidence_features(evidence: Evidence, chosen: Sequence[int]) -> dict[str, float]:
    """What the confidence is computed from, for one selection."""
    hits = evidence.hits
    other = [h.score for h in hits if h.doc_id != hits[0].doc_id]
    covered = {t for i in chosen for t in terms(evidence.quote(i))}
    weights = evidence.query_weights
    total = sum(weights.values()) or 1.0
    scores = sentence_scores(evidence)
    return {
        "top_score": hits[0].score,
        # how far the best document leads the next one, relative (search scores have no scale)
        "margin": (hits[0].score - (other[0] if other else 0.0)) / (abs(hits[0].score) or 1.0),
        "best_cos": float(max(evidence.features["cos_q"][i] for i in chosen)),
        "coverage": sum(w for t, w in weights.items() if t in covered) / total,
        "best_score": float(max(scores[i] for i in chosen)),
        "chunk_cos": evidence.chunk_cos,
        "answer_type": answer_type_match(
            evidence.question, " ".join(evidence.quote(i) for i in chosen)
        ),
        "history": 1.0 if evidence.conversational else 0.0,
    }


def design(features: Mapping[str, float]) -> dict[str, float]:
    """The confidence model's inputs: the features, and each one times "history"."""
    crossed = {f"{k}_x_history": features[k] * features["history"] for k in BASE_FEATURES}
    return {k: features[k] for k in (*BASE_FEATURES, "history")} | crossed


WH_PERSON = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)
WH_PLACE = re.compile(r"^\s*where\b", re.IGNORECASE)
WH_TIME = re.compile(r"^\s*(?:when|what year|what date|what time)\b", re.IGNORECASE)
WH_NUMBER = re.compile(r"^\s*how (?:many|much|long|old|far|big|tall|often)\b", re.IGNORECASE)
NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|thousand|million|billion|dozen|half|once|twice)\b",
    re.IGNORECASE,
)
TIME = re.compile(
    r"\b(?:1\d{3}|20\d{2}|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|century|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|tomorrow|yesterday|days?|weeks?|months?|years?|hours?)\b",
    re.IGNORECASE,
)
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")


def answer_type_match(question: str, answer: str) -> float:
    """1 when the answer holds what the question word asks for (a name for "who", a date for
    "when", a number for "how many"), 0 when it does not, 0.5 for other questions."""
    asked = set(WORD.findall(question.lower()))
    names = [m.group() for m in NAME.finditer(answer) if m.group().lower() not in asked]
    if WH_PERSON.search(question) or WH_PLACE.search(question):
        return 1.0 if names else 0.0
    if WH_TIME.search(question):
        return 1.0 if TIME.search(answer) else 0.0
    if WH_NUMBER.search(question):
        return 1.0 if NUMBER.search(answer) or TIME.search(answer) else 0.0
    return 0.5


def confidence(
    features: Mapping[str, float], coefficients: Mapping[str, float] = CONFIDENCE
) -> float:
    inputs = design(features)
    z = coefficients["bias"] + sum(coefficients[k] * inputs[k] for k in CONFIDENCE_FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def decide(
    evidence: Evidence,
    threshold: float = THRESHOLD,
    coefficients: Mapping[str, float] = CONFIDENCE,
) -> Answer:
    """The answer the evidence supports, or an abstention with its reason."""
    if not evidence.sentences:
        return abstain(NO_EVIDENCE, 0.0)
    chosen = select(evidence)
    p = confidence(confidence_features(evidence, chosen), coefficients)
    if p < threshold:
        return abstain(LOW_CONFIDENCE, p)
    citations = []
    for i in chosen:
        hit = evidence.hits[evidence.sentences[i][0]]
        citations.append(
            Citation(hit.doc_id, hit.chunk_id, hit.title, evidence.quote(i), hit.score)
        )
    text = " ".join(f"{c.quote} [{n}]" for n, c in enumerate(citations, start=1))
    return Answer(str(uuid.uuid4()), text, True, round(p, 4), "", citations)


def abstain(reason: str, p: float) -> Answer:
    return Answer(str(uuid.uuid4()), NO_ANSWER, False, round(p, 4), reason, [])


def answer(
    index: Index,
    tenant: str,
    question: str,
    history: Sequence[Mapping[str, str]] | None = None,
    filters: Mapping[str, Any] | None = None,
    top_k: int = 5,
    threshold: float = THRESHOLD,
) -> Answer:
    """An extractive answer to a question (with its conversation so far) from a tenant's index."""
    return decide(gather(index, tenant, question, history, filters, top_k), threshold)
