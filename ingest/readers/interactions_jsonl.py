"""Interaction records as JSONL, in the layout of ../shared/datasets/*/interactions.jsonl."""

from __future__ import annotations

from typing import Any

from casebook.errors import ParseError
from casebook.interactions import (
    TEXT_FIELDS,
    Interaction,
    Turn,
    normalize_channel,
    normalize_role,
)

# Dataset bookkeeping that is not knowledge about the interaction.
_IGNORED = {"reference_summaries", "split"}


def _turn(raw: Any, number: int) -> Turn:
    if not isinstance(raw, dict):
        raise ParseError(f"turn {number}: expected an object, got {type(raw).__name__}")
    text, role = raw.get("text"), raw.get("role")
    if not isinstance(text, str):
        raise ParseError(f"turn {number}: 'text' must be a string")
    if not isinstance(role, str):
        raise ParseError(f"turn {number}: 'role' must be a string")
    try:
        role = normalize_role(role)
    except ValueError as exc:
        raise ParseError(f"turn {number}: {exc}") from exc
    if raw.get("internal") is True or raw.get("public") is False:
        role = "internal"
    author, timestamp = raw.get("author", ""), raw.get("timestamp", "")
    if not isinstance(author, str) or not isinstance(timestamp, str):
        raise ParseError(f"turn {number}: 'author' and 'timestamp' must be strings")
    return Turn(role=role, text=text, author=author, timestamp=timestamp)


def record_to_interaction(record: Any, source: str) -> Interaction:
    """Validate one interaction record; raises ParseError naming the field that is wrong."""
    if not isinstance(record, dict):
        raise ParseError(f"expected a JSON object, got {type(record).__name__}")
    raw_id = record.get("interaction_id", record.get("id"))
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        raise ParseError("missing or invalid 'interaction_id' (or 'id')")
    turns_raw = record.get("turns")
    if not isinstance(turns_raw, list):
        raise ParseError("'turns' must be a list of {role, text} objects")
    turns = [t for t in (_turn(raw, n) for n, raw in enumerate(turns_raw)) if t.text.strip()]
    if not turns:
        raise ParseError("no turn with text")
    channel = record.get("channel") or "chat"
    if not isinstance(channel, str):
        raise ParseError("'channel' must be a string")
    try:
        channel = normalize_channel(channel)
    except ValueError as exc:
        raise ParseError(str(exc)) from exc
    values: dict[str, str] = {}
    for name in TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise ParseError(f"'{name}' must be a string")
        values[name] = (value or "").strip()
    tags = record.get("tags")
    tags = [] if tags is None else tags
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ParseError("'tags' must be a list of strings")
    csat = record.get("csat")
    if csat is not None and (isinstance(csat, bool) or not isinstance(csat, int | float)):
        raise ParseError("'csat' must be a number")
    metadata = record.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise ParseError("'metadata' must be an object")
    return Interaction(
        interaction_id=str(raw_id).strip(),
        channel=channel,
        turns=turns,
        tags=list(tags),
        csat=float(csat) if csat is not None else None,
        metadata={k: v for k, v in metadata.items() if k not in _IGNORED},
        source=source,
        **values,
    )
