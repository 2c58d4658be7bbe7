"""Extractive, cited answers from the index, without an LLM.

An answer quotes the answer unit the reranker scores highest (``answers.evidence``: a FAQ's
answer cell, a table row with its column names, a numbered procedure, or a sentence with the
neighbours it needs to stand alone and the rest of its paragraph, up to MAX_PASSAGE_WORDS),
verbatim, each quote followed by a marker [n] for the n-th citation; nothing else is written.
Sentences next to each other in one chunk are quoted as one passage. Citations give the quote's
character range in the document. A document is quoted before a past interaction whenever one
answers well enough on its own (``best_document_unit``), and a question how to do something
quotes the numbered steps under the best unit's heading (``procedure_of``), after that unit
when the steps alone would not be answer enough (they seldom repeat the question's words:
"what do I do about E17?" is answered by the sentence that names E17, then its steps); a
question about past cases quotes the case's fix (``answers.past_cases``), and one for a quantity
or a time ("how long", "how much") whose best unit holds no number quotes the best unit that
holds one (``quantity_of``). A question that restates a section's heading ("What is the return
window?") quotes what the section opens with (``section_opening``).

The confidence is the calibrated chance that the question is answerable here, from the best
unit's score and the share of the question's words the retrieved chunks hold
(``answers/reranker/answerability.json``, ``answers.coverage``; a calibration may weigh the best
unit's lead over the median unit as well, the shipped one does not); below ``THRESHOLD`` the
answerer abstains with ``NO_ANSWER`` and no citations. ``reason`` is "" for an answer,
"no_evidence" when the search found nothing (or no quotable sentence), and "low_confidence" when
the evidence was too weak to answer from.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from answers.answer_type import PROCEDURE
from answers.coverage import content_words, missing_words
from answers.evidence import NOT_READ, Evidence, cheap_scores
from answers.past_cases import past_fix
from answers.reranker import MODEL_DIR
from casebook.documents import INTERACTION_KINDS
from casebook.index import Index
from casebook.interactions import RESOLUTION_LABEL
from casebook.sentences import terms
from grounding.prompt import NO_ANSWER

NO_EVIDENCE, LOW_CONFIDENCE = "no_evidence", "low_confidence"
# Reasons a person must take over whatever the knowledge base holds (answers.handoff), and the
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
# A prose answer runs on through its paragraph, up to this many words: the sentence that
# answers is often followed (or preceded) by the detail that completes it ("Geofencing uses the
# location of the phones in your home ... While the home is Away, the T2 uses your Eco
# temperatures"), and readers expect a short passage, not a clause.
MAX_PASSAGE_WORDS = 70
# A read sentence of the best unit's document this close to its logit joins a prose quote that
# its paragraph left room in (``supporting``); 2.0 was chosen on CLAPNQ (1.0 gave less), and
# judged on doc2dial, MTRAG and the sample set (README, "Answers: how good, and how sure").
SUPPORT_MARGIN = 2.0
# Which unit answers, and how sure to be: a logistic model over the reranker's score and the
# unit's closeness to the question, fitted by training/fit_answerability.py on doc2dial and
# CLAPNQ units scored by rerankers that never saw the set (see reranker/MODEL_CARD.md).
# Without the file, the reranker's own calibrated score decides.
ANSWERABILITY_FILE = MODEL_DIR / "answerability.json"
ANSWERABILITY: dict[str, Any] = (
    json.loads(ANSWERABILITY_FILE.read_text(encoding="utf-8"))
    if ANSWERABILITY_FILE.is_file()
    else {}
)
THRESHOLD = 0.5  # abstain when the confidence is below this
# A sentence that starts like this leans on the one before it, which then joins the quote.
LEANS_BACK = re.compile(
    r"^(?:it|this|that|these|those|they|them|its|their|he|she|such|then|also|however|but|"
    r"otherwise|instead|if so|if not|in that case)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Citation:
    """A sentence quoted verbatim from a chunk; score is that chunk's search score."""

    doc_id: str
    chunk_id: str
    title: str
    quote: str
    score: float
    kind: str = "document"  # "interaction": a past case (only agent-audience callers see them)
    start: int | None = None  # where the quote is in the document's text: text[start:end]
    end: int | None = None


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


def unit_logits(evidence: Evidence, model: Mapping[str, Any] | None = None) -> np.ndarray:
    """How likely each unit is to answer, as a logit: the answerability model over the
    reranker's score and the unit's closeness to the question (units the reranker did not
    read get NOT_READ)."""
    model = ANSWERABILITY if model is None else model
    rerank = evidence.features["rerank"]
    if not model:
        return rerank
    z = model["bias"] + sum(w * evidence.features[k] for k, w in model["weights"].items())
    return np.where(rerank > NOT_READ, z, NOT_READ)


def best_unit(evidence: Evidence, logits: np.ndarray | None = None) -> int:
    """The unit most likely to answer (the cheap features break ties)."""
    logits = unit_logits(evidence) if logits is None else logits
    return int(np.lexsort((-cheap_scores(evidence), -logits))[0])


def best_document_unit(evidence: Evidence, logits: np.ndarray) -> int | None:
    """The read unit of a document (not a past interaction) most likely to answer, if any.

    The knowledge base is the authority: a past case is one agent's words to one customer
    ("I've sent you a replacement adapter"), so it is quoted only when no document answers or
    the question asks about past cases."""
    documents = [
        i
        for i in range(len(evidence.units))
        if logits[i] > NOT_READ and evidence.hit_of(i).kind not in INTERACTION_KINDS
    ]
    cheap = cheap_scores(evidence)
    return max(documents, key=lambda i: (logits[i], cheap[i]), default=None)


def procedure_of(evidence: Evidence, logits: np.ndarray, best: int) -> int | None:
    """For a question how to do something whose best unit is not a procedure: the read numbered
    steps of the same document section, if any (the intro "Two-factor authentication asks for a
    code..." is under the heading of the steps that turn it on)."""
    if evidence.units[best][1].kind == "steps" or not PROCEDURE.search(evidence.question):
        return None
    hit = evidence.hit_of(best)
    steps = [
        i
        for i in range(len(evidence.units))
        if logits[i] > NOT_READ
        and evidence.units[i][1].kind == "steps"
        and evidence.hit_of(i).doc_id == hit.doc_id
        and tuple(evidence.hit_of(i).section) == tuple(hit.section)
    ]
    return max(steps, key=lambda i: logits[i], default=None)


def quantity_of(evidence: Evidence, logits: np.ndarray, best: int) -> int | None:
    """For a question for a quantity or a time whose best unit holds no number: the read unit
    most likely to answer that holds one, of the same kind of source (a document, or a past
    interaction), if any ("how long do the batteries last?" is not answered by "the T2 controls
    on the average of the rooms")."""
    fit = evidence.features["number_fit"]
    if fit[best] >= 0:
        return None
    past = evidence.hit_of(best).kind in INTERACTION_KINDS
    numbers = [
        i
        for i in range(len(evidence.units))
        if logits[i] > NOT_READ
        and fit[i] > 0
        and (evidence.hit_of(i).kind in INTERACTION_KINDS) == past
    ]
    return max(numbers, key=lambda i: logits[i], default=None)


def section_opening(evidence: Evidence, best: int) -> list[int] | None:
    """For a question that restates the heading of the best unit's section ("What is the return
    window?" under "Return window"): the units the section opens with, in document order from
    its first retrieved unit up to MAX_PASSAGE_WORDS, which say what the heading is about; None
    when that is the best unit alone or the question is not the heading."""
    hit = evidence.hit_of(best)
    if not hit.section or hit.kind in INTERACTION_KINDS:
        return None
    heading = hit.section[-1].strip()
    if not content_words(evidence.question) or not content_words(heading):
        return None
    if missing_words(evidence.question, set(terms(heading))) or missing_words(
        heading, set(terms(evidence.question))
    ):
        return None
    section = [
        i
        for i in range(len(evidence.units))
        if evidence.hit_of(i).doc_id == hit.doc_id
        and tuple(evidence.hit_of(i).section) == tuple(hit.section)
    ]
    first = min(section, key=lambda i: evidence.hit_of(i).start + evidence.units[i][1].start)
    chosen, words = [first], len(evidence.quote(first).split())
    after = evidence.neighbours[first][1]
    while after in section and words + len(evidence.quote(after).split()) <= MAX_PASSAGE_WORDS:
        chosen.append(after)
        words += len(evidence.quote(after).split())
        after = evidence.neighbours[after][1]
    return None if chosen == [best] else chosen


def select(evidence: Evidence, best: int | None = None) -> list[int]:
    """The best unit, with the sentences it needs to stand alone (the one before when it leans
    back on it, "It takes 5 days."; the one after when it leads into it, ending with ":"), then,
    for prose, the rest of its paragraph up to MAX_SENTENCES and MAX_PASSAGE_WORDS, and then the
    document's other sentences that answer nearly as well (``supporting``)."""
    best = best_unit(evidence) if best is None else best
    chosen = [best]
    if evidence.units[best][1].kind != "sentence":
        return chosen

    def words(i: int) -> int:
        return len(evidence.quote(i).split())

    while len(chosen) < MAX_SENTENCES:
        before = evidence.neighbours[chosen[0]][0]
        after = evidence.neighbours[chosen[-1]][1]
        if before >= 0 and LEANS_BACK.match(evidence.quote(chosen[0])):
            chosen.insert(0, before)
        elif after >= 0 and evidence.quote(chosen[-1]).rstrip().endswith(":"):
            chosen.append(after)
        else:
            break
    while len(chosen) < MAX_SENTENCES:
        before = evidence.neighbours[chosen[0]][0]
        after = evidence.neighbours[chosen[-1]][1]
        room = MAX_PASSAGE_WORDS - sum(words(i) for i in chosen)
        if after >= 0 and same_paragraph(evidence, chosen[-1], after) and room >= words(after):
            chosen.append(after)
        elif before >= 0 and same_paragraph(evidence, before, chosen[0]) and room >= words(before):
            chosen.insert(0, before)
        else:
            break
    return supporting(evidence, best, chosen)


def supporting(evidence: Evidence, best: int, chosen: list[int]) -> list[int]:
    """The chosen sentences with, while MAX_SENTENCES and MAX_PASSAGE_WORDS leave room, the
    read sentences of the best unit's document whose logit is within SUPPORT_MARGIN of its own,
    best first, all in document order: an answer often spreads over sentences of a passage that
    are not next to each other (CLAPNQ's gold answers are such sentences)."""
    logits = unit_logits(evidence)
    doc = evidence.hit_of(best).doc_id
    words = sum(len(evidence.quote(i).split()) for i in chosen)
    chosen, floor = list(chosen), max(NOT_READ, float(logits[best]) - SUPPORT_MARGIN)
    for i in (int(i) for i in np.argsort(-logits, kind="stable")):
        if len(chosen) >= MAX_SENTENCES or logits[i] <= floor:
            break
        n = len(evidence.quote(i).split())
        if (
            i not in chosen
            and evidence.units[i][1].kind == "sentence"
            and evidence.hit_of(i).doc_id == doc
            and words + n <= MAX_PASSAGE_WORDS
        ):
            chosen.append(i)
            words += n
    return sorted(chosen, key=lambda i: evidence.hit_of(i).start + evidence.units[i][1].start)


def same_paragraph(evidence: Evidence, first: int, then: int) -> bool:
    """Whether sentence `then` follows sentence `first` in one paragraph of prose."""
    (h1, u1), (h2, u2) = evidence.units[first], evidence.units[then]
    if u1.kind != "sentence" or u2.kind != "sentence":
        return False
    a, b = evidence.hits[h1], evidence.hits[h2]
    if h1 == h2:
        gap = a.text[u1.end : u2.start]
        return not gap.strip() and "\n\n" not in gap
    return (b.start + u2.start) - (a.start + u1.end) <= 1


def runs(evidence: Evidence, chosen: Sequence[int]) -> list[tuple[int, int]]:
    """The chosen units as runs (first, last) of units next to each other in one chunk, each
    quoted as one passage."""
    out: list[tuple[int, int]] = []
    for i in chosen:
        if out:
            first, last = out[-1]
            (h1, u1), (h2, u2) = evidence.units[last], evidence.units[i]
            between = evidence.hits[h1].text[u1.end : u2.start]
            if h1 == h2 and u2.start >= u1.end and not between.strip():
                out[-1] = (first, i)
                continue
        out.append((i, i))
    return out


def confidence(
    evidence: Evidence, logit: float, lead_base: float, model: Mapping[str, Any] | None = None
) -> float:
    """The calibrated chance that the question is answered: from the best unit's logit, its
    lead over the median unit the reranker read (`lead_base`) and how much of the question the
    retrieved chunks speak of (``answers.coverage``)."""
    model = ANSWERABILITY if model is None else model
    if not model:
        return float(evidence.calibrate(logit))
    cal = model["calibration"]
    z = cal["a"] * logit + cal.get("lead", 0.0) * (logit - lead_base) + cal["b"]
    if cal.get("coverage"):
        z += cal["coverage"] * (evidence.coverage - 1.0)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def citation(evidence: Evidence, i: int, last: int | None = None) -> Citation:
    """The citation of the i-th unit (through unit `last` of the same chunk, quoted as one
    passage), with its character range in the document."""
    hit, unit = evidence.hit_of(i), evidence.units[i][1]
    end_unit = evidence.units[i if last is None else last][1]
    start: int | None = hit.start + unit.start
    if hit.kind == "resolution":  # its range is the resolution's, in the transcript
        cell = hit.text.find(RESOLUTION_LABEL) + len(RESOLUTION_LABEL)
        start = hit.start + unit.start - cell if hit.end > hit.start else None
    return Citation(
        hit.doc_id,
        hit.chunk_id,
        hit.title,
        hit.text[unit.start : end_unit.end],
        hit.score,
        source_kind(hit.kind),
        start,
        None if start is None else start + end_unit.end - unit.start,
    )


def decide(evidence: Evidence, threshold: float = THRESHOLD) -> Answer:
    """The answer the evidence supports, or an abstention with its reason."""
    if not evidence.units:
        return abstain(NO_EVIDENCE, 0.0)
    logits = unit_logits(evidence)
    best = best_unit(evidence, logits)
    logit = float(logits[best])
    fix = past_fix(evidence, logits)  # a question about past cases quotes the case's fix
    if fix is not None:
        best, logit = fix
    read = logits[logits > NOT_READ]
    base = float(np.median(read)) if len(read) else 0.0
    p = confidence(evidence, logit, base)
    document = None if fix else best_document_unit(evidence, logits)
    if document is not None and document != best:
        p_document = confidence(evidence, float(logits[document]), base)
        if p_document >= threshold:  # the knowledge base answers: quote it, not a past case
            best, p = document, p_document
    steps = None if fix else procedure_of(evidence, logits, best)
    lead_in = None  # a unit that answers, quoted before the steps of its section
    if steps is not None:
        p_steps = confidence(evidence, float(logits[steps]), base)
        if p_steps >= threshold:  # "how do I ...?" is answered by the steps, not their intro
            best, p = steps, p_steps
        elif p >= threshold:  # the section answers: what its best unit says, then its steps
            lead_in, best = best, steps
    number = None if fix or lead_in is not None else quantity_of(evidence, logits, best)
    if number is not None:
        p_number = confidence(evidence, float(logits[number]), base)
        if p_number >= threshold:  # "how long ...?" is answered by a unit with a number
            best, p = number, p_number
    if p < threshold:
        return abstain(LOW_CONFIDENCE, p)
    chosen = None if fix or best in (steps, number) else section_opening(evidence, best)
    chosen = chosen or select(evidence, best)  # the question restates a heading: its opening
    if lead_in is not None:
        chosen = list(dict.fromkeys([*select(evidence, lead_in), *chosen]))
    citations = [citation(evidence, a, b) for a, b in runs(evidence, chosen)]
    text = " ".join(f"{c.quote} [{n}]" for n, c in enumerate(citations, start=1))
    return Answer(str(uuid.uuid4()), text, True, round(p, 4), "", citations)


def abstain(reason: str, p: float) -> Answer:
    return Answer(str(uuid.uuid4()), NO_ANSWER, False, round(p, 4), reason, [])


def hand_off(reason: str) -> Answer:
    """The answer that hands the conversation to a person, for one of HANDOFF_MESSAGES' reasons."""
    return Answer(str(uuid.uuid4()), HANDOFF_MESSAGES[reason], False, 0.0, reason, [])


TOPIC_SHIFT = 0.3  # below this cosine to the recent turns, a question starts a new topic
# A word that points back at the conversation ("should I reset it?", "what's my window then?",
# "and blinking red?"); "is there" asks whether something exists and points nowhere.
POINTS_BACK = re.compile(
    r"^\W*(?:and|but|so|ok|okay|what about|how about)\b|"
    r"\b(?:it|its|this|that|these|those|they|them|their|then|one|ones|there)\b",
    re.IGNORECASE,
)
EXISTS = re.compile(r"\b(?:is|are|was|were|isn't|aren't) there\b", re.IGNORECASE)


def continues_conversation(question: str) -> bool:
    """Whether a question leans on the turns before it: it points back at them, or names at
    most one thing of its own ("how long do I have?" after "I want to return my thermostat")."""
    return bool(POINTS_BACK.search(EXISTS.sub(" ", question))) or len(content_words(question)) < 2


def changes_topic(index: Index, question: str, history: Sequence[Mapping[str, str]] | None) -> bool:
    """Whether the question is about something else than the conversation's recent turns: it
    does not lean on them, and its meaning is far from theirs.

    A follow-up's own words are often far from the turns before ("how long do I have?" and "I
    want to return my thermostat" have a cosine of -0.01), and read alone it finds a confident
    wrong answer ("How long we keep it: 7 days ..."), so one that leans on them never starts a
    new topic."""
    recent = [t.get("text", "") for t in (history or [])][-index.history_turns :]
    recent = [t for t in recent if t.strip()]
    if not recent or continues_conversation(question):
        return False
    q, h = index.embedder.embed([question, "\n".join(recent)])
    return float(np.dot(q, h)) < TOPIC_SHIFT


STANDALONE_MARGIN = 0.1  # how much surer the question alone must be to leave its conversation


def prefer_standalone(contextual: Evidence, bare: Evidence, threshold: float) -> Evidence:
    """For a question that changes the topic: its own evidence when it answers alone and
    clearly better than with the conversation, else the conversation's.

    "how much does Lumen Care cost?" after 200 messages about Wi-Fi answers as it does alone,
    while a follow-up that merely shares few words with its conversation ("how much does it
    cost per month?" after asking about the support plan) keeps it.
    """
    alone, within = decide(bare, threshold), decide(contextual, threshold)
    if alone.answerable and alone.confidence > within.confidence + STANDALONE_MARGIN:
        return bare
    return contextual
