"""Extractive summaries of one knowledge document: its most central sentences, each cited.

A sentence's score is its embedding cosine to the document's centroid (what the document is
mostly about) plus a small bonus for coming early (documents state their purpose first). The
best MAX_SENTENCES, at most one per section where the document has several, are given in
document order, each followed by [n] for citations[n - 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from casebook.documents import get_document
from casebook.index import Index
from casebook.sentences import WORD, split_sentences

MAX_SENTENCES = 3
MIN_WORDS = 5
POSITION_BONUS = 0.15  # the first sentence gets this much, the last none


@dataclass(frozen=True)
class DocumentSummary:
    """Sentences quoted from a document, with the chunk each came from."""

    doc_id: str
    title: str
    quotes: list[tuple[str, list[str], str]]  # (chunk_id, section, sentence)

    def to_json(self) -> dict[str, Any]:
        text = " ".join(f"{quote} [{n}]" for n, (_, _, quote) in enumerate(self.quotes, start=1))
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "summary": text,
            "citations": [
                {"chunk_id": chunk_id, "section": section, "quote": quote}
                for chunk_id, section, quote in self.quotes
            ],
        }


def summarize_document(
    index: Index, tenant: str, doc_id: str, audience: str = "agent"
) -> DocumentSummary:
    """The document's central sentences (DocumentNotFound when the tenant has no such doc)."""
    document = get_document(index, tenant, doc_id, audience)
    seen: set[str] = set()
    candidates: list[tuple[str, list[str], str]] = []
    for chunk in document["chunks"]:
        text = chunk["text"]
        for start, end in split_sentences(text):
            sentence = text[start:end]
            if len(WORD.findall(sentence.lower())) < MIN_WORDS or sentence in seen:
                continue  # overlapping chunks repeat sentences
            seen.add(sentence)
            candidates.append((chunk["chunk_id"], chunk["section"], sentence))
    if not candidates:
        return DocumentSummary(doc_id, document["title"], [])
    vectors = np.asarray(index.embedder.embed([c[2] for c in candidates]))
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    position = np.linspace(POSITION_BONUS, 0.0, num=len(candidates))
    scores = vectors @ centroid + position
    chosen: list[int] = []
    sections_used: set[tuple[str, ...]] = set()
    several_sections = len({tuple(c[1]) for c in candidates}) > 1
    for i in np.argsort(-scores):
        section = tuple(candidates[i][1])
        if several_sections and section in sections_used:
            continue
        chosen.append(int(i))
        sections_used.add(section)
        if len(chosen) == MAX_SENTENCES:
            break
    return DocumentSummary(doc_id, document["title"], [candidates[i] for i in sorted(chosen)])
