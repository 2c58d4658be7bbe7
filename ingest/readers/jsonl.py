"""JSONL records: knowledge documents ({"doc_id" or "id", "title", "text", "metadata"}) and
interactions ({"interaction_id", "channel", "turns": [{"role", "text"}], ...}), one per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from casebook.errors import ParseError
from casebook.interactions import Interaction
from casebook.models import SourceDocument
from ingest.readers.base import Failure, one_line
from ingest.readers.interactions_jsonl import record_to_interaction
from ingest.structure import sections_from_text


def record_to_document(record: Any, source: str) -> SourceDocument:
    """Validate one record and build its document; raises ParseError naming what is wrong."""
    if not isinstance(record, dict):
        raise ParseError(f"expected a JSON object, got {type(record).__name__}")
    doc_id = record.get("doc_id", record.get("id"))
    if isinstance(doc_id, bool) or not isinstance(doc_id, str | int) or str(doc_id).strip() == "":
        raise ParseError("missing or invalid 'doc_id' (or 'id'): a non-empty string is required")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ParseError("missing or empty 'text': a non-empty string is required")
    title = record.get("title")
    title = "" if title is None else title
    if not isinstance(title, str):
        raise ParseError(f"'title' must be a string, got {type(title).__name__}")
    metadata = record.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise ParseError(f"'metadata' must be an object, got {type(metadata).__name__}")
    return SourceDocument(
        doc_id=str(doc_id),
        title=title.strip(),
        text=text,
        sections=sections_from_text(text),
        source=source,
        kind="document",
        metadata=metadata,
    )


def read_jsonl(path: Path) -> Iterator[SourceDocument | Interaction | Failure]:
    """Each valid line as a document or interaction (a record with "turns" is an interaction);
    each bad line as a failure naming its line number."""
    source = str(path.resolve())
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Failure(str(path), one_line(f"cannot read file: {exc.strerror or exc}"))
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                record = json.loads(line)
                if isinstance(record, dict) and "turns" in record:
                    yield record_to_interaction(record, source)
                else:
                    yield record_to_document(record, source)
            except UnicodeDecodeError as exc:
                yield Failure(where, one_line(f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
            except json.JSONDecodeError as exc:
                yield Failure(where, one_line(f"invalid JSON: {exc.msg} at column {exc.colno}"))
            except ParseError as exc:
                yield Failure(where, one_line(str(exc)))
