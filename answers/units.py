"""Answer units: the pieces of a chunk an extractive answer may quote, shaped by its structure.

Ingestion writes tables (and CSV/FAQ files) as one block per row, a ``column: value`` line per
cell, and keeps numbered lists as ``1. step`` lines. So a chunk's blocks say what they are:

- a FAQ or Q&A row (a question-like and an answer-like column): the answer cell, read with its
  question as context; the question is never quoted;
- any other table row: the whole row with its column names;
- a numbered procedure: all its steps together, with the sentence that leads into it;
- a bulleted list: each item, with the lead-in sentence as context;
- prose: each sentence, with the sentence before as context.

An interaction's transcript (one ``Role: text`` line per turn) is cut by turn instead: each agent
or bot turn is a unit, read with the customer turn it replies to as context; what the customer
said is never quoted as an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casebook.sentences import WORD, split_sentences

CELL = re.compile(r"^([^:\n]{1,40}): (\S.*)$")
STEP = re.compile(r"^\s*\d{1,2}[.)]\s+\S")
ITEM = re.compile(r"^\s*[-*+•]\s+\S")
BLOCK = re.compile(r"\n[ \t]*\n")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
QUESTION_COLUMNS = {"question", "q", "query", "faq", "title", "subject", "problem", "issue"}
ANSWER_COLUMNS = {"answer", "a", "response", "reply", "solution", "resolution", "fix"}
MIN_WORDS = 4  # shorter prose ("Vehicle", "[1 ]", a heading) is not a quotable answer
MAX_CELL_CHARS = 600  # a longer answer cell is quoted sentence by sentence
MAX_STEPS_CHARS = 900  # a longer procedure is quoted step by step
TURN = re.compile(r"^(Customer|Agent|Bot|System|Internal note): (\S.*)$")
ANSWERING_ROLES = {"Agent", "Bot", "Internal note"}


@dataclass(frozen=True)
class Unit:
    """A quotable span of a chunk's text, what to read it with, and what kind of thing it is."""

    start: int
    end: int
    context: str
    kind: str  # "answer" (a FAQ answer cell), "row", "steps", "item", "sentence" or "turn"


def blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each blank-line separated block of text, stripped."""
    out, pos = [], 0
    for match in [*BLOCK.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[pos:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append((pos + lead, pos + lead + len(piece.strip())))
        pos = match.end() if match else len(text)
    return out


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for line in text[start:end].split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(line.strip())))
        pos += len(line) + 1
    return out


def _words(text: str) -> int:
    return len(WORD.findall(text.lower()))


def _sentences(text: str, start: int, end: int, context: str, kind: str) -> list[Unit]:
    out = []
    for s, e in split_sentences(text[start:end]):
        if _words(text[start + s : start + e]) >= MIN_WORDS:
            out.append(Unit(start + s, start + e, context, kind))
        context = text[start + s : start + e]
    return out


def _record(text: str, lines: list[tuple[int, int]], lead: str) -> list[Unit] | None:
    cells = [(CELL.match(text[s:e]), s, e) for s, e in lines]
    if len(cells) < 2 or not all(m for m, _, _ in cells):
        return None
    named = {m.group(1).strip().lower(): (m, s) for m, s, _ in cells if m}
    question = next((named[k] for k in named if k in QUESTION_COLUMNS), None)
    answer = next((named[k] for k in named if k in ANSWER_COLUMNS), None)
    if question and answer:
        m, s = answer
        start, end = s + m.start(2), s + m.end(2)
        asked = question[0].group(2)
        if end - start <= MAX_CELL_CHARS:
            return [Unit(start, end, asked, "answer")]
        return _sentences(text, start, end, asked, "answer")
    return [Unit(lines[0][0], lines[-1][1], lead, "row")]


def turn_units(text: str) -> list[Unit]:
    """An interaction's agent and bot turns (their text, not the role), each read with the
    customer turn before it; a long turn is quoted sentence by sentence."""
    units: list[Unit] = []
    asked = ""
    for start, end in _lines(text, 0, len(text)):
        match = TURN.match(text[start:end])
        if not match:
            continue
        s, e = start + match.start(2), start + match.end(2)
        if match.group(1) not in ANSWERING_ROLES:
            asked = text[s:e]
        elif e - s > MAX_CELL_CHARS:
            units += _sentences(text, s, e, asked, "turn")
        elif _words(text[s:e]) >= MIN_WORDS:
            units.append(Unit(s, e, asked, "turn"))
    return units


def answer_units(text: str, kind: str = "document") -> list[Unit]:
    """The quotable units of a chunk, in text order (`kind`: the chunk's kind)."""
    if kind == "interaction":
        return turn_units(text)
    units: list[Unit] = []
    lead = ""  # the last sentence before the current block: what a list continues
    for start, end in blocks(text):
        lines = _lines(text, start, end)
        heading = HEADING.match(text[lines[0][0] : lines[0][1]])
        if heading:  # a heading is what follows it is about, never an answer itself
            lead = heading.group(1)
            lines = lines[1:]
            if not lines:
                continue
            start = lines[0][0]
        record = _record(text, lines, lead)
        if record is not None:
            units += record
            continue
        if STEP.match(text[lines[0][0] : lines[0][1]]) and end - start <= MAX_STEPS_CHARS:
            units.append(Unit(start, end, lead, "steps"))
        elif all(ITEM.match(text[s:e]) or STEP.match(text[s:e]) for s, e in lines):
            for s, e in lines:
                if _words(text[s:e]) >= MIN_WORDS:
                    units.append(Unit(s, e, lead, "item"))
        else:
            units += _sentences(text, start, end, lead, "sentence")
        last = split_sentences(text[start:end])
        lead = text[start + last[-1][0] : start + last[-1][1]] if last else lead
    return units
