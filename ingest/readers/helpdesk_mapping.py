"""Helpdesk field mappings (the built-in ones in ingest/mappings/, or files), validated before
use, and the records they read fields from."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from casebook.errors import ParseError
from casebook.interactions import normalize_channel, normalize_role

BUILT_IN = ("zendesk", "intercom")
_TOP_KEYS = {"about", "format", "records", "group_by", "timestamps", "default_channel", "channels"}
_TOP_KEYS |= {"tag_separator", "fields", "csat", "metadata", "roles", "turns"}
TEXT_FIELDS = {"interaction_id", "subject", "status", "priority", "customer_id", "product"}
TEXT_FIELDS |= {"language"}
DATE_FIELDS = ("created_at", "updated_at", "resolved_at")
_FIELDS = {"tags", "channel", "csat", *TEXT_FIELDS, *DATE_FIELDS}
_TURN_KEYS = {"each", "at", "text", "html", "author", "timestamp", "role", "roles"}
_TURN_KEYS |= {"customer_author", "default_role", "internal", "include", "fallback"}
NUMBER = re.compile(r"\s*\d+(\.\d+)?\s*")
HTML_TAG = re.compile(r"<[A-Za-z/][^>]*>")

Paths = str | list[str]


def _check(ok: bool, name: str, problem: str) -> None:
    if not ok:
        raise ParseError(f"mapping {name}: {problem}")


def _is_paths(spec: Any) -> bool:
    return isinstance(spec, str) or (
        isinstance(spec, list) and bool(spec) and all(isinstance(p, str) for p in spec)
    )


def _validate(mapping: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The mapping with defaults filled in; raises ParseError at the first thing wrong."""
    spec: dict[str, Any] = {"format": "json", "timestamps": "auto", "default_channel": "ticket"}
    spec |= mapping
    _check(not set(spec) - _TOP_KEYS, name, f"unknown keys {sorted(set(spec) - _TOP_KEYS)}")
    _check(spec["format"] in ("json", "csv"), name, "format must be json or csv")
    _check("group_by" not in spec or spec["format"] == "csv", name, "group_by is for CSV only")
    fields: Any = spec.get("fields")
    _check(
        isinstance(fields, dict) and "interaction_id" in fields, name, "no fields.interaction_id"
    )
    _check(not set(fields) - _FIELDS, name, f"unknown fields {sorted(set(fields) - _FIELDS)}")
    _check(all(map(_is_paths, fields.values())), name, "a field is a path or a list of paths")
    turns: Any = spec.get("turns")
    _check(isinstance(turns, list) and bool(turns), name, "turns must list turn sources")
    role_maps = [spec.get("roles", {})]
    for turn in turns:
        _check(isinstance(turn, dict) and _is_paths(turn.get("text")), name, "a turn needs text")
        _check(not set(turn) - _TURN_KEYS, name, f"unknown turn keys {set(turn) - _TURN_KEYS}")
        _check(not ("each" in turn and "at" in turn), name, "a turn takes each or at, not both")
        for key in ("internal", "include"):
            cond = turn.get(key, {"path": "", "in": []})
            ok = isinstance(cond, dict) and _is_paths(cond.get("path"))
            _check(ok and isinstance(cond.get("in"), list), name, f"{key}: {{path, in: [..]}}")
        role_maps.append(turn.get("roles", {}))
        role_maps.append({"": turn.get("default_role", "customer")})
    try:
        for role_map in role_maps:
            for role in role_map.values():
                normalize_role(role)
        normalize_channel(spec["default_channel"])
    except (ValueError, AttributeError) as exc:
        raise ParseError(f"mapping {name}: {exc}") from exc
    return spec


def load_mapping(mapping: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    """A validated mapping, given as a dict, a built-in name ("zendesk", "intercom") or the path
    of a JSON file; raises ParseError naming what is wrong with it."""
    if isinstance(mapping, Mapping):
        return _validate(mapping, "(given)")
    if isinstance(mapping, str) and mapping in BUILT_IN:
        text = (resources.files("ingest.mappings") / f"{mapping}.json").read_text("utf-8")
        return _validate(json.loads(text), mapping)
    try:
        data = json.loads(Path(mapping).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        known = ", ".join(BUILT_IN)
        raise ParseError(f"mapping {mapping}: not built in ({known}) nor a JSON file") from exc
    _check(isinstance(data, dict), str(mapping), "must be a JSON object")
    return _validate(data, str(mapping))


def get_path(obj: Any, path: str) -> Any:
    """The value at a dotted path in JSON; None where the path leads nowhere."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        key = part.removesuffix("[]")
        if key and isinstance(obj, dict):
            obj = obj.get(key)
        elif key and isinstance(obj, list) and key.isdigit():
            obj = obj[int(key)] if int(key) < len(obj) else None
        elif key:
            return None
        if part.endswith("[]"):
            if not isinstance(obj, list):
                return obj  # not a list: the caller's type check names it
            rest = ".".join(parts[i + 1 :])
            return [get_path(item, rest) if rest else item for item in obj]
    return obj


class Record:
    """One interaction's source: a JSON object, or the CSV rows (line, row) of one ticket."""

    def __init__(self, data: dict[str, Any], rows: list[tuple[int, Any]], is_csv: bool) -> None:
        self.data, self.rows, self.is_csv = data, rows, is_csv

    def first(self, paths: Paths | None, item: Any = None) -> tuple[Any, str]:
        """(value, path) for the first path with a value; "$." paths read the whole record."""
        for path in [] if paths is None else [paths] if isinstance(paths, str) else paths:
            root = self.data if item is None or path.startswith("$.") else item
            path = path.removeprefix("$.")
            if self.is_csv:  # CSV column names may hold dots: no walking
                value = root.get(path) if isinstance(root, dict) else None
            else:
                value = get_path(root, path)
            if value not in (None, "", []):
                return value, path
        return None, paths if isinstance(paths, str) else (paths or [""])[0]
