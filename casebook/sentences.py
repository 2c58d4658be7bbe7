"""Sentences and content words of text: the one sentence splitter, for answers and summaries."""

from __future__ import annotations

import re

# Words that carry no content ("s", "t", "ll" are the tails of contractions split on "'").
_STOPWORDS = (
    "a an the and or but if so of to in on at by for with from as is are was were be been "
    "being am do does did have has had i me my mine you your yours we us our he she it its "
    "they them their this that these those there here what which who whom when where how "
    "will would can could should shall may might must just also very really too then than "
    "up down out about into over again more most some any all no not only own same such "
    "i'm i've i'll i'd you're you've you'll we're we've we'll it's that's there's let's "
    "s t re ve ll d m don't can't won't get got"
)
STOPWORDS = frozenset(_STOPWORDS.split())
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
