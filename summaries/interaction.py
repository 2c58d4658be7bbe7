"""Extractive, cited summaries of one support interaction, without an LLM.

Sections: ``issue`` (the customer's problem), ``actions`` (what the agent asked for or
suggested), ``resolution`` (how it ended, or the next step) and ``status``. Every sentence in
the first three is copied from one turn and cites it (0-based). Quotes are a turn's text after
``clean``: HTML entities decoded; URLs, @handles, thread counters ("1/2") and a trailing
sign-off ("^AB", "- Sam") removed; blank runs collapsed, blanks before punctuation and a comma
or colon left at the start of a line dropped. Nothing else is rewritten. The only added words
are labels: "Issue:", "Customer:", "Agent:", "Status:" and the like.

Human summaries of support chats run two or three sentences (the customer's problem, then what
the agent did), so a summary is short: the best one or two substantive sentences of the
customer's opening message (a message under SHORT_ISSUE_WORDS borrows one from the next), then
one agent sentence, or two from different turns when the second also scores high. Agent
sentences are scored by similarity to the conversation (content-word cosine, averaged with
embedding cosine to the sentence centroid when an ``Embedder`` is given), length, recency,
outcome and request cue words, and a penalty for pleasantries ("Happy to help!"). A single
agent sentence goes to ``resolution`` when it comes from the agent's last message or the
status is resolved, else to ``actions``. But when an agent sentence fixed the problem (an action
like "I've refunded...", or an instruction the customer says worked: summaries/resolution.py),
that sentence alone is the resolution and the status is resolved (escalated for a hand-off).
A sentence of the opening with an error code ("E22", "error 403") is always in the issue, and
a letter's closing line ("Regards, Tomasz Olenko") never is.

Internal notes (role "internal") are never quoted, since a summary may be shown to the
customer; they can decide the status, and the status line then says "(per internal note)".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from casebook.interactions import Interaction
from casebook.sentences import STOPWORDS
from casebook.shapes import to_json
from summaries.cues import (
    ERROR_CODE,
    LABELS,
    OUTCOME,
    PLEASANTRY,
    PROBLEM,
    REQUEST,
    SECTIONS,
    SIGNATURE,
    STAFF_ROLES,
    WORD,
    clean,
    sentences,
)
from summaries.status import Citation, fix_of, status_of

if TYPE_CHECKING:  # summarising without an embedder never imports torch
    from casebook.embedding import Embedder

MIN_WORDS = 3  # shorter fragments ("Hi Sam,", "Thanks!") say nothing worth quoting
ISSUE_WORDS, ISSUE_SENTENCES = 30, 2  # cap on the opening: references run ~35 words in all
SHORT_ISSUE_WORDS = 8  # an opening this short ("Hi, can you help?") borrows the next message
STAFF_WORDS = 30  # budget for a second agent sentence
SECOND_SENTENCE_SCORE = 0.8  # a second agent sentence must score this high (typical best: 0.9)


@dataclass(frozen=True)
class Summary:
    """An extractive summary; ``status_source`` is the sentence that decided the status."""

    interaction_id: str
    issue: list[Citation]
    actions: list[Citation]
    resolution: list[Citation]
    status: str
    status_source: Citation | None = None

    @property
    def citations(self) -> list[Citation]:
        """Quoted sentences in summary order, then the status source if not already quoted."""
        quoted = [*self.issue, *self.actions, *self.resolution]
        source = self.status_source
        return quoted + ([source] if source and source not in quoted else [])

    def section_text(self, name: str, markers: bool = True) -> str:
        """One section: a role label before each speaker's quotes, each quote then "[tN]"."""
        if name == "status":
            text = self.status
            source = self.status_source
            if source and source.role == "internal":
                text += " (per internal note)"
            return f"{text} [t{source.turn}]" if source and markers else text
        parts: list[str] = []
        role = ""
        for cite in getattr(self, name):
            if cite.role != role:
                role = cite.role
                parts.append(f"{LABELS.get(role, role.title())}:")
            parts.append(f"{cite.quote} [t{cite.turn}]" if markers else cite.quote)
        return " ".join(parts)

    def text(self, markers: bool = True) -> str:
        """The non-empty sections, one line each ("Issue: Customer: ... [t0]")."""
        lines = [(name, self.section_text(name, markers)) for name in SECTIONS]
        return "\n".join(f"{name.title()}: {body}" for name, body in lines if body)

    def to_json(self) -> dict[str, Any]:
        """Not a field copy: the sections rendered as text with turn markers, citations in order."""
        return {
            "interaction_id": self.interaction_id,
            "summary": self.text(),
            "sections": {
                "issue": self.section_text("issue"),
                "actions": self.section_text("actions"),
                "resolution": self.section_text("resolution"),
                "status": self.status,  # the bare value; the summary's status line cites it
            },
            "citations": [to_json(c) for c in self.citations],
        }


@dataclass
class _Sentence:
    turn: int
    role: str
    rank: int  # how many earlier quotable turns have the same role
    index: int  # position in its turn
    text: str
    words: list[str]
    content: Counter[str]
    similarity: float = 0.0

    def has(self, cue: re.Pattern[str]) -> bool:
        return cue.search(self.text.lower()) is not None

    def is_pleasantry(self) -> bool:
        return sum(1 for w in self.content if w not in PLEASANTRY) < 2

    def cite(self) -> Citation:
        return Citation(self.turn, self.role, self.text)


def _split(interaction: Interaction) -> list[_Sentence]:
    """The quotable sentences of customer and staff turns, in order; internal notes left out."""
    ranks: Counter[str] = Counter()
    out: list[_Sentence] = []
    for number, turn in enumerate(interaction.turns):
        if turn.role != "customer" and turn.role not in STAFF_ROLES:
            continue
        found = []
        for text in sentences(clean(turn.text)):
            words = WORD.findall(text.lower())
            if len(words) >= MIN_WORDS:
                content = Counter(w for w in words if w not in STOPWORDS and len(w) > 1)
                found.append((text, words, content))
        for index, (text, words, content) in enumerate(found):
            out.append(_Sentence(number, turn.role, ranks[turn.role], index, text, words, content))
        ranks[turn.role] += bool(found)
    return out


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b[k] for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _score_similarity(items: list[_Sentence], embedder: Embedder | None) -> None:
    """Each sentence's similarity to the whole conversation (content words, plus embeddings)."""
    total: Counter[str] = Counter()
    for item in items:
        total.update(item.content)
    for item in items:
        item.similarity = _cosine(item.content, total)
    if embedder is None or not items:
        return
    vectors = embedder.embed([item.text for item in items])
    centroid = [sum(column) for column in zip(*vectors, strict=True)]
    norm = math.sqrt(sum(x * x for x in centroid)) or 1.0
    for item, vector in zip(items, vectors, strict=True):
        dense = sum(a * b for a, b in zip(vector, centroid, strict=True)) / norm
        item.similarity = (item.similarity + dense) / 2


def _issue_score(item: _Sentence) -> float:
    """For trimming a long opening: problem statements and questions first, then substance."""
    return (
        item.similarity
        + 0.25 * item.has(PROBLEM)
        + 0.1 * ("?" in item.text)
        + 0.3 * min(len(item.words), 25) / 25
    )


def _staff_score(item: _Sentence, last_rank: int) -> float:
    """Weights set on TweetSumm's train split, checked on its valid one (bench/summary_quality)."""
    return (
        0.53 * item.similarity
        + 0.7 * min(len(item.words), 30) / 30
        + 0.3 * (item.rank == last_rank)
        - 0.05 * min(last_rank - item.rank, 4)
        + 0.1 * min(item.index, 3)
        - 0.5 * item.is_pleasantry()
        + 0.07 * item.has(OUTCOME)
        + 0.1 * item.has(REQUEST)
    )


def _is_filler(item: _Sentence) -> bool:
    return item.is_pleasantry() or SIGNATURE.match(item.text) is not None


def _issue(customer: list[_Sentence]) -> list[_Sentence]:
    """The customer's opening without pleasantries, trimmed to its best two sentences and codes."""
    opening = [s for s in customer if s.rank == 0]
    chosen = [s for s in opening if not _is_filler(s)] or opening
    if sum(len(s.words) for s in chosen) < SHORT_ISSUE_WORDS:
        follow_up = [s for s in customer if s.rank == 1 and not _is_filler(s)]
        if follow_up:
            chosen.append(max(follow_up, key=_issue_score))
    coded = [s for s in chosen if ERROR_CODE.search(s.text)]  # kept, outside the word budget
    kept = list(coded)
    for item in sorted(chosen, key=_issue_score, reverse=True):
        if item in coded:
            continue
        fits = sum(len(s.words) for s in kept if s not in coded) + len(item.words) <= ISSUE_WORDS
        if not kept or (fits and len(kept) < ISSUE_SENTENCES):
            kept.append(item)
    return sorted(kept, key=lambda s: (s.turn, s.index))


def _staff(staff: list[_Sentence]) -> list[_Sentence]:
    """The best agent sentence, and a second from another turn when it scores high and fits."""
    if not staff:
        return []
    last_rank = max(s.rank for s in staff)
    ranked = sorted(staff, key=lambda s: _staff_score(s, last_rank), reverse=True)
    best = ranked[0]
    for item in ranked[1:]:
        if item.turn == best.turn:
            continue
        fits = len(best.words) + len(item.words) <= STAFF_WORDS
        if fits and _staff_score(item, last_rank) >= SECOND_SENTENCE_SCORE:
            return sorted([best, item], key=lambda s: s.turn)
        break
    return [best]


def summarize(interaction: Interaction, embedder: Embedder | None = None) -> Summary:
    """An extractive summary of one interaction: issue, actions, resolution, status, citations."""
    fix = fix_of(interaction)
    status, source = status_of(interaction, fix)
    items = _split(interaction)
    _score_similarity(items, embedder)
    customer = [s for s in items if s.role == "customer"]
    issue = _issue(customer) or items[:1]  # no customer turn: the first thing said
    if fix:  # the fix alone: the summary stays short and says what was done
        fixed = Citation(fix.turn, interaction.turns[fix.turn].role, fix.text)
        issue_cites = [s.cite() for s in issue]
        return Summary(interaction.interaction_id, issue_cites, [], [fixed], status, source)
    staff = _staff([s for s in items if s.role in STAFF_ROLES and s not in issue])
    actions, resolution = staff[:-1], staff[-1:]
    last_staff_turn = max((s.turn for s in items if s.role in STAFF_ROLES), default=-1)
    if len(staff) == 1 and staff[0].turn != last_staff_turn and status != "resolved":
        actions, resolution = staff, []  # an earlier step, and nothing came of it yet
    return Summary(
        interaction.interaction_id,
        [s.cite() for s in issue],
        [s.cite() for s in actions],
        [s.cite() for s in resolution],
        status,
        source,
    )


def resolution_sections(interaction: Interaction) -> dict[str, str]:
    """The summary's sections, for the resolution chunk written at ingest."""
    return dict(to_json(summarize(interaction))["sections"])
