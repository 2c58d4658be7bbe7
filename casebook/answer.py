"""Extractive, cited answers from the index, without an LLM.

An answer is 1-3 sentences copied verbatim from the retrieved chunks, each followed by a marker
[n] for the n-th citation; nothing else is written. The best-scoring sentence of the evidence
(``casebook.evidence``) is extended by its neighbours while they score close to it.

The confidence is a logistic regression over the evidence (see ``CONFIDENCE``); below
``THRESHOLD`` the answerer abstains with ``NO_ANSWER`` and no citations. ``reason`` is "" for
an answer, "no_evidence" when the search found nothing (or no quotable sentence), and
"low_confidence" when the evidence was too weak to answer from.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from casebook.answer_type import answer_type_match
from casebook.evidence import Evidence, gather
from casebook.index import Index
from casebook.sentences import terms

NO_ANSWER = "I could not find this in the knowledge base."
NO_EVIDENCE, LOW_CONFIDENCE = "no_evidence", "low_confidence"
# Reasons a person must take over whatever the knowledge base holds (casebook.handoff), and the
# text the answer carries for each.
HANDOFF_MESSAGES = {
    "urgent_safety": "This may be a safety emergency, so a person from our team is taking over. "
    "If there is smoke, fire, a gas smell or anyone is hurt, move away from the device and call "
    "your local emergency number.",
    "needs_human": "A person from our team will take over this conversation.",
    "account_specific": "This needs a look at your own order or account, so a person from our "
    "team will take over.",
}

MAX_SENTENCES = 3

# Sentence score weights, over the columns of Evidence.features (chosen on doc2dial dev, where
# they moved citation precision by at most 0.01: retrieval decides most of it).
SELECT = {"cos_q": 1.0, "cos_ctx": 1.0, "lexical": 1.0, "chunk": 2.0, "follows": 0.3}
EXTEND = 0.1  # a neighbour joins the answer when it scores within this of the best sentence

# Confidence: a logistic regression, label "a cited document is a gold document", fitted by
#   python bench/answers.py --dataset both --limit 1000 --fit
# on 1,000 doc2dial dev turns (conversations) and all of CLAPNQ dev (single questions, half
# unanswerable: no gold document). Each feature also enters multiplied by "history" (1 when
# the question comes with earlier turns), so conversations and single questions get their own
# weights: evidence looks different when the history carries the topic.
BASE_FEATURES = (
    "margin", "best_cos", "coverage", "best_score", "chunk_cos", "answer_type", "token_match",
    "beyond_topic",
)  # fmt: skip
CONFIDENCE_FEATURES = (*BASE_FEATURES, "history", *(f"{k}_x_history" for k in BASE_FEATURES))
CONFIDENCE = {
    "bias": -15.4841, "margin": 3.3895, "best_cos": -0.2604, "coverage": -2.7805,
    "best_score": 2.8368, "chunk_cos": 3.4235, "answer_type": 0.4373, "token_match": 3.3504,
    "beyond_topic": 2.3426, "history": 9.1561, "margin_x_history": 11.6741,
    "best_cos_x_history": -2.121, "coverage_x_history": 0.4265, "best_score_x_history": 0.1066,
    "chunk_cos_x_history": -5.0133, "answer_type_x_history": -1.6121,
    "token_match_x_history": -3.6903, "beyond_topic_x_history": -3.9467,
}  # fmt: skip
THRESHOLD = 0.5  # abstain when the confidence is below this


@dataclass(frozen=True)
class Citation:
    """A sentence quoted verbatim from a chunk; score is that chunk's search score."""

    doc_id: str
    chunk_id: str
    title: str
    quote: str
    score: float
    kind: str = "document"  # "interaction": a past case (only agent-audience callers see them)

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "chunk_id": self.chunk_id,
            "title": self.title,
            "quote": self.quote,
            "score": self.score,
            "kind": self.kind,
        }


def source_kind(chunk_kind: str) -> str:
    """What a citation quotes: a document, or an interaction (a past case)."""
    return "document" if chunk_kind == "document" else "interaction"


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
        "token_match": evidence.token_match,
        # the best sentence of the cited chunk for the question without its topic words
        "beyond_topic": float(
            max(
                evidence.features["beyond_topic"][i]
                for i, (h, _, _) in enumerate(evidence.sentences)
                if h == evidence.sentences[chosen[0]][0]
            )
        ),
        "answer_type": answer_type_match(
            evidence.question, " ".join(evidence.quote(i) for i in chosen)
        ),
        "history": 1.0 if evidence.conversational else 0.0,
    }


def design(features: Mapping[str, float]) -> dict[str, float]:
    """The confidence model's inputs: the features, and each one times "history"."""
    crossed = {f"{k}_x_history": features[k] * features["history"] for k in BASE_FEATURES}
    return {k: features[k] for k in (*BASE_FEATURES, "history")} | crossed


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
            Citation(
                hit.doc_id,
                hit.chunk_id,
                hit.title,
                evidence.quote(i),
                hit.score,
                source_kind(hit.kind),
            )
        )
    text = " ".join(f"{c.quote} [{n}]" for n, c in enumerate(citations, start=1))
    return Answer(str(uuid.uuid4()), text, True, round(p, 4), "", citations)


def abstain(reason: str, p: float) -> Answer:
    return Answer(str(uuid.uuid4()), NO_ANSWER, False, round(p, 4), reason, [])


def hand_off(reason: str) -> Answer:
    """The answer that hands the conversation to a person, for one of HANDOFF_MESSAGES' reasons."""
    return Answer(str(uuid.uuid4()), HANDOFF_MESSAGES[reason], False, 0.0, reason, [])


TOPIC_SHIFT = 0.3  # below this cosine to the recent turns, a question starts a new topic


def changes_topic(
    index: Index, question: str, history: Sequence[Mapping[str, str]] | None
) -> bool:
    """Whether the question is about something else than the conversation's recent turns."""
    recent = [t.get("text", "") for t in (history or [])][-index.history_turns :]
    recent = [t for t in recent if t.strip()]
    if not recent:
        return False
    q, h = index.embedder.embed([question, "\n".join(recent)])
    return float(np.dot(q, h)) < TOPIC_SHIFT


def prefer_standalone(contextual: Evidence, bare: Evidence, threshold: float) -> Evidence:
    """For a question that changes the topic: its own evidence when it is answerable alone,
    else the conversation's.

    "how much does Lumen Care cost?" after 200 messages about Wi-Fi answers as it does alone
    (history-weighted confidence is no guide there: the Wi-Fi article scores high in a Wi-Fi
    chat), while on-topic follow-ups keep their conversation: on doc2dial, answering every
    follow-up that is answerable alone on its own cost 8 points of citation precision.
    """
    return bare if decide(bare, threshold).answerable else contextual


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
    evidence = gather(index, tenant, question, history, filters, top_k)
    if evidence.conversational and changes_topic(index, question, history):
        bare = gather(index, tenant, question, None, filters, top_k)
        evidence = prefer_standalone(evidence, bare, threshold)
    return decide(evidence, threshold)
