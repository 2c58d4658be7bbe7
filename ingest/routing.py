"""Which reader reads a file: by extension, by the --kind asked for, and by a look inside."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from casebook.errors import ParseError
from casebook.interactions import Interaction
from casebook.models import SourceDocument
from ingest.discover import Item
from ingest.readers.base import Failure, one_line
from ingest.readers.files import read_file
from ingest.readers.jsonl import read_jsonl

Kind = Literal["auto", "documents", "interactions"]
Read = SourceDocument | Interaction | Failure


@dataclass(frozen=True)
class Routing:
    """What the caller said about the inputs: their kind, and a helpdesk field mapping."""

    kind: Kind = "auto"
    mapping: str | Mapping[str, Any] | None = None  # "zendesk", "intercom", a path, or a dict
    agent_domains: tuple[str, ...] = ()


DEFAULT_ROUTING = Routing()


def detect_export(path: Path) -> str | None:
    """The helpdesk whose export this JSON file looks like ("zendesk", "intercom") or None."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("tickets"), list):
        return "zendesk"
    records = data.get("conversations") if isinstance(data, dict) else data
    if isinstance(records, list) and any(
        isinstance(r, dict) and ("conversation_parts" in r or r.get("type") == "conversation")
        for r in records[:5]
    ):
        return "intercom"
    return None


def _file(item: Item) -> Iterator[Read]:
    try:
        yield read_file(item.path, item.doc_id)
    except ParseError as exc:
        yield Failure(str(item.path), one_line(str(exc)))


def _looks_like_transcript(path: Path) -> bool:
    from ingest.readers.transcripts import looks_like_transcript

    try:
        return looks_like_transcript(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False


def read_item(item: Item, routing: Routing = DEFAULT_ROUTING) -> Iterator[Read]:
    """Documents or interactions from one file, or failures naming what could not be read."""
    suffix = item.path.suffix.lower()
    wants_interactions = routing.kind == "interactions"
    if suffix in (".jsonl", ".ndjson"):
        yield from read_jsonl(item.path)
    elif suffix == ".mbox" or (suffix == ".eml" and wants_interactions):
        from ingest.readers.email_threads import read_emails

        yield from read_emails(item.path, agent_domains=routing.agent_domains)
    elif suffix in (".vtt", ".srt") or (
        suffix == ".txt"
        and routing.kind != "documents"
        and (wants_interactions or _looks_like_transcript(item.path))
    ):
        from ingest.readers.transcripts import read_transcript

        yield from read_transcript(item.path)
    elif suffix == ".json" or (suffix == ".csv" and routing.mapping is not None):
        from ingest.readers.helpdesk import read_helpdesk

        mapping = routing.mapping or detect_export(item.path)
        if mapping is None:
            yield Failure(
                str(item.path),
                "not a recognised helpdesk export (Zendesk or Intercom JSON); pass --mapping",
            )
            return
        yield from read_helpdesk(item.path, mapping)
    else:
        yield from _file(item)
