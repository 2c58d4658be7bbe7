"""Extractive summaries of one knowledge document: its most central sentences, each cited.

A sentence's score is its embedding cosine to the document's centroid (what the document is
mostly about) plus a small bonus for coming early (documents state their purpose first). The
best MAX_SENTENCES, at most one per section where the document has several, are given in
document order, each followed by [n] for citations[n - 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from casebook.documents import get_document
from casebook.index import Index
from casebook.sentences import WORD, split_sentences

MAX_SENTENCES = 3
MIN_WORDS = 5
POSITION_BONUS = 0.15  # the first sentence gets this much, the last none


@dataclass(frozen=True)
class ChunkQuote:
    """A sentence quoted from one chunk of the document."""

    chunk_id: str
    section: list[str]
    quote: str


@dataclass(frozen=True)
class DocumentSummary:
    """Sentences quoted from a document, with the chunk each came from."""

    doc_id: str
    title: str
    summary: str = field(init=False)  # the quotes in order, each followed by [n]
    citations: list[ChunkQuote]

    def __post_init__(self) -> None:
        text = " ".join(f"{c.quote} [{n}]" for n, c in enumerate(self.citations, start=1))
        object.__setattr__(self, "summary", text)


def summarize_document(
    index: Index, tenant: str, doc_id: str, audience: str = "agent"
) -> DocumentSummary:
    """The document's central sentences (DocumentNotFound when the tenant has no such doc)."""
    document = get_document(index, tenant, doc_id, audience)
    seen: set[str] = set()
    candidates: list[ChunkQuote] = []
    for chunk in document["chunks"]:
        text = chunk["text"]
        for start, end in split_sentences(text):
            sentence = text[start:end]
            if len(WORD.findall(sentence.lower())) < MIN_WORDS or sentence in seen:
                continue  # overlapping chunks repeat sentences
            seen.add(sentence)
            candidates.append(ChunkQuote(chunk["chunk_id"], chunk["section"], sentence))
    if not candidates:
        return DocumentSummary(doc_id, document["title"], [])
    vectors = np.asarray(index.embedder.embed([c.quote for c in candidates]))
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    position = np.linspace(POSITION_BONUS, 0.0, num=len(candidates))
    scores = vectors @ centroid + position
    chosen: list[int] = []
    sections_used: set[tuple[str, ...]] = set()
    several_sections = len({tuple(c.section) for c in candidates}) > 1
    for i in np.argsort(-scores):
        section = tuple(candidates[i].section)
        if several_sections and section in sections_used:
            continue
        chosen.append(int(i))
        sections_used.add(section)
        if len(chosen) == MAX_SENTENCES:
            break
    return DocumentSummary(doc_id, document["title"], [candidates[i] for i in sorted(chosen)])
