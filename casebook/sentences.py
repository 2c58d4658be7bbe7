"""Sentences and content words of source text, as the extractive answerer reads them."""

from __future__ import annotations

import re

from casebook.summary import STOPWORDS

WORD = re.compile(r"[a-z0-9]+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\s*\n\s*")
ABBREVIATION = re.compile(r"(?:\b[A-Za-z]|\be\.g|\bi\.e|\betc|\bvs|\bMr|\bMrs|\bDr|\bNo)\.$")


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
