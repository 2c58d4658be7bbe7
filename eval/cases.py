"""A data set's cases as a suite asks for them: sampled questions and the corpus to ingest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from eval.datasets import Query, load_queries, read_jsonl
from eval.suite import DataSet

T = TypeVar("T")


@dataclass
class Cases:
    """What one set scores: questions or interactions, and the files to ingest for them."""

    queries: list[Query]
    interactions: list[dict[str, Any]]
    corpus: dict[str, str]  # doc_id -> text, for the text of gold spans
    to_ingest: list[Path]


def sample(rows: Sequence[T], limit: int, how: str) -> list[T]:
    """The first `limit` rows, or `limit` rows spread evenly over all of them."""
    if not limit or limit >= len(rows):
        return list(rows)
    if how == "first":
        return list(rows[:limit])
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def _split(row_split: str, metadata: dict[str, Any], wanted: str) -> bool:
    return not wanted or wanted in (row_split, str(metadata.get("split", "")))


def load_cases(dataset: DataSet, workdir: Path, ingest: bool = True) -> Cases:
    """Read a set's folder; with `distractors`, write the corpus subset to ingest into workdir."""
    folder = dataset.path
    if dataset.kind == "summaries":
        rows = [
            r
            for r in read_jsonl(folder / "interactions.jsonl")
            if r.get("reference_summaries")
            and _split(str(r.get("split", "")), r.get("metadata") or {}, dataset.split)
        ]
        chosen = sample(rows, dataset.limit, dataset.sample)
        path = workdir / f"{dataset.name}-interactions.jsonl"
        _write(path, chosen)
        return Cases([], chosen, {}, [path] if ingest else [])
    queries = [
        q
        for q in load_queries(dataset.queries_file)
        if _split(str(q.metadata.get("split", "")), q.metadata, dataset.split)
    ]
    queries = sample(queries, dataset.limit, dataset.sample)
    corpus_file = Path(dataset.corpus) if dataset.corpus else folder / "corpus.jsonl"
    if dataset.corpus and not _corpus_layout(corpus_file):
        return Cases(queries, [], {}, [corpus_file] if ingest else [])
    if not corpus_file.exists():
        return Cases(queries, [], {}, [])
    docs = read_jsonl(corpus_file)
    corpus = {str(d["doc_id"]): str(d.get("text", "")) for d in docs}
    if not ingest:
        return Cases(queries, [], corpus, [])
    if dataset.distractors is None:
        return Cases(queries, [], corpus, [corpus_file])
    gold = {d for q in queries for d in q.gold_doc_ids} | {
        s.doc_id for q in queries for s in q.gold_spans
    }
    others = [d for d in docs if str(d["doc_id"]) not in gold][: dataset.distractors]
    subset = [d for d in docs if str(d["doc_id"]) in gold] + others
    path = workdir / f"{dataset.name}-corpus.jsonl"
    _write(path, subset)
    return Cases(queries, [], corpus, [path])


def _corpus_layout(path: Path) -> bool:
    """Whether a file is a corpus.jsonl of the shared layout (doc_id and text on each line)."""
    if path.suffix != ".jsonl" or not path.is_file():
        return False
    with path.open(encoding="utf-8") as handle:
        first = next((line for line in handle if line.strip()), "")
    try:
        record = json.loads(first) if first else {}
    except json.JSONDecodeError:
        return False
    return isinstance(record, dict) and "doc_id" in record and "text" in record


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
