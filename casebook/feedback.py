"""Answers given and feedback on them, kept durably in the data folder for evaluation to mine.

Both are append-only JSON Lines files (`answers.jsonl`, `feedback.jsonl`): one line per event,
written whole under a lock and fsynced, so a crash loses at most the line being written and
never an earlier one. Questions and comments are redacted before they are written.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from casebook.errors import AnswerNotFound

ANSWERS_FILE = "answers.jsonl"
FEEDBACK_FILE = "feedback.jsonl"
Rating = Literal["up", "down"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JsonLines:
    """An append-only JSON Lines file, safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self) -> Iterator[dict[str, Any]]:
        """Every whole record; a torn last line (a crash mid-write) is skipped."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record


@dataclass(frozen=True)
class AnsweredQuestion:
    """What was asked and what was cited, as kept for feedback and evaluation."""

    answer_id: str
    tenant: str
    question: str
    history: list[dict[str, str]]
    answerable: bool
    confidence: float
    reason: str
    cited_doc_ids: list[str]


class AnswerLog:
    """Every answer given, by id; feedback must name one given to the same tenant."""

    def __init__(self, data_dir: Path) -> None:
        self.lines = JsonLines(data_dir / ANSWERS_FILE)
        self._by_id: dict[str, AnsweredQuestion] | None = None
        self._lock = threading.Lock()

    def _index(self) -> dict[str, AnsweredQuestion]:
        with self._lock:
            if self._by_id is None:
                self._by_id = {}
                for r in self.lines.read():
                    try:
                        self._by_id[r["answer_id"]] = _answered(r)
                    except (KeyError, TypeError):
                        continue
            return self._by_id

    def record(self, answered: AnsweredQuestion) -> None:
        self.lines.append({"ts": _now(), **answered.__dict__})
        self._index()[answered.answer_id] = answered

    def get(self, tenant: str, answer_id: str) -> AnsweredQuestion:
        """The answer, or AnswerNotFound when it was never given to this tenant."""
        found = self._index().get(answer_id)
        if found is None or found.tenant != tenant:
            raise AnswerNotFound(answer_id)
        return found


def _answered(r: dict[str, Any]) -> AnsweredQuestion:
    return AnsweredQuestion(
        answer_id=str(r["answer_id"]),
        tenant=str(r["tenant"]),
        question=str(r.get("question", "")),
        history=list(r.get("history") or []),
        answerable=bool(r.get("answerable")),
        confidence=float(r.get("confidence") or 0.0),
        reason=str(r.get("reason", "")),
        cited_doc_ids=list(r.get("cited_doc_ids") or []),
    )


class FeedbackStore:
    """Ratings of answers with the question and citations copied in, for `casebook eval mine`."""

    def __init__(self, data_dir: Path) -> None:
        self.lines = JsonLines(data_dir / FEEDBACK_FILE)

    def add(
        self,
        answered: AnsweredQuestion,
        *,
        rating: Rating,
        comment: str,
        expected_doc_ids: Sequence[str],
        key_id: str,
    ) -> dict[str, Any]:
        record = {
            "feedback_id": uuid.uuid4().hex,
            "ts": _now(),
            "tenant": answered.tenant,
            "key_id": key_id,
            "answer_id": answered.answer_id,
            "rating": rating,
            "comment": comment,
            "expected_doc_ids": list(expected_doc_ids),
            "question": answered.question,
            "history": answered.history,
            "answerable": answered.answerable,
            "cited_doc_ids": answered.cited_doc_ids,
        }
        self.lines.append(record)
        return record

    def read(self, tenant: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored feedback, of one tenant or all."""
        for record in self.lines.read():
            if tenant is None or record.get("tenant") == tenant:
                yield record
