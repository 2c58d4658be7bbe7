"""Readers for the shared dataset layout (corpus.jsonl, queries.jsonl, interactions.jsonl)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GoldSpan:
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Query:
    """A question with its conversation so far and what should be found."""

    qid: str
    question: str
    history: list[dict[str, str]]
    gold_doc_ids: list[str]
    gold_spans: list[GoldSpan]
    answerable: bool
    reference_answer: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    reference_contexts: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)  # phrases a right answer must contain


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_queries(path: Path) -> list[Query]:
    """The questions of a queries.jsonl, or of a dataset folder holding one."""
    path = path / "queries.jsonl" if path.is_dir() else path
    return [
        Query(
            qid=str(r["qid"]),
            question=r["question"],
            history=list(r.get("history") or []),
            gold_doc_ids=list(r.get("gold_doc_ids") or []),
            gold_spans=[
                GoldSpan(s["doc_id"], int(s["start"]), int(s["end"]))
                for s in r.get("gold_spans") or []
            ],
            answerable=bool(r.get("answerable", True)),
            reference_answer=r.get("reference_answer") or "",
            metadata=r.get("metadata") or {},
            reference_contexts=list(r.get("reference_contexts") or []),
            expected=list(r.get("expected") or []),
        )
        for r in _lines(path)
    ]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSON Lines file (corpus.jsonl, interactions.jsonl)."""
    return list(_lines(path))
