"""Helpdesk exports (JSON or CSV) read through a field mapping into interactions.

A mapping is a JSON object saying where each interaction and turn field comes from; Zendesk and
Intercom ship in ingest/mappings/. Paths are dotted into JSON objects ("via.channel"; "0" indexes
a list, "tags[].name" takes "name" from each item) and plain column names in CSV. In a turn,
paths are relative to the turn's item; "$.x" reads x from the whole record.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casebook.errors import ParseError
from casebook.interactions import Interaction, Turn, normalize_channel, normalize_role
from ingest.readers.base import Failure, one_line
from ingest.readers.email_text import html_to_text, iso_utc
from ingest.readers.helpdesk_mapping import (
    DATE_FIELDS,
    HTML_TAG,
    NUMBER,
    TEXT_FIELDS,
    Record,
    get_path,
    load_mapping,
)


def _text(value: Any, label: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParseError(f"{label} must be text, got {type(value).__name__}")
    return str(value).strip()


def _timestamp(value: Any, how: str, label: str) -> str:
    """ISO 8601 UTC from ISO text, unix seconds ("unix"), ms ("unix_ms") or a strptime format;
    "auto" takes numbers as unix seconds and text as ISO 8601."""
    try:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if how in ("auto", "unix", "unix_ms") and (
            number or (isinstance(value, str) and NUMBER.fullmatch(value))
        ):
            seconds = float(value) / (1000 if how == "unix_ms" else 1)
            return iso_utc(datetime.fromtimestamp(seconds, UTC))
        if isinstance(value, str) and how in ("auto", "iso8601"):
            return iso_utc(datetime.fromisoformat(value.strip()))
        if isinstance(value, str) and "%" in how:
            return iso_utc(datetime.strptime(value.strip(), how))
    except (ValueError, OverflowError, OSError):
        pass
    raise ParseError(f"{label} is not a date ({how})")


def _matches(cond: Mapping[str, Any] | None, record: Record, item: Any) -> bool:
    """Whether the value at cond["path"] is one of cond["in"] (CSV "false" matches false)."""
    if not cond:
        return False

    def norm(v: Any) -> str:
        return json.dumps(v) if isinstance(v, bool) or v is None else str(v).strip().lower()

    return norm(record.first(cond["path"], item)[0]) in {norm(v) for v in cond["in"]}


def _role(
    source: Mapping[str, Any], roles: Mapping[str, str], value: Any, is_customer: bool
) -> str:
    """A turn's role: its role value through the mapping's roles (or our aliases), else the
    customer when its author is the record's customer, else the source's default_role."""
    if value is not None and str(value).strip().lower() in roles:
        return roles[str(value).strip().lower()]
    if isinstance(value, str):
        try:
            return normalize_role(value)
        except ValueError:
            pass
    return "customer" if is_customer else str(source.get("default_role", "customer"))


def _turns(record: Record, spec: Mapping[str, Any]) -> list[Turn]:
    """The record's turns from each turn source in order, sorted by time when all have one."""
    turns: list[Turn] = []
    for source in spec["turns"]:
        if source.get("fallback") and turns:
            continue
        if "each" in source:
            items, where = record.first(source["each"])
            if items is not None and not isinstance(items, list):
                raise ParseError(f"'{where}' must be a list, got {type(items).__name__}")
            labelled = [(f"'{where}' item {n}", x) for n, x in enumerate(items or [], start=1)]
        elif "at" in source:
            item, where = record.first(source["at"])
            labelled = [] if item is None else [(f"'{where}'", item)]
        else:
            labelled = [
                (f"row {line}" if record.is_csv else "record", r) for line, r in record.rows
            ]
        roles = {k.lower(): v for k, v in source.get("roles", spec.get("roles", {})).items()}
        customer, _ = record.first(source.get("customer_author"))
        for label, item in labelled:
            if not isinstance(item, dict):
                raise ParseError(f"{label}: expected an object, got {type(item).__name__}")
            if "include" in source and not _matches(source["include"], record, item):
                continue
            raw, where = record.first(source["text"], item)
            text = "" if raw is None else _text(raw, f"{label}: '{where}'")
            text = html_to_text(text) if source.get("html") else text
            if not text:
                continue  # an event without words (an assignment, an empty part)
            raw, where = record.first(source.get("author"), item)
            author = "" if raw is None else _text(raw, f"{label}: '{where}'")
            raw, where = record.first(source.get("timestamp"), item)
            when = "" if raw is None else _timestamp(raw, spec["timestamps"], f"{label}: '{where}'")
            if "customer_author" in source and customer is None:
                customer = turns[0].author if turns else author  # no requester: the first author
            is_customer = "customer_author" in source and author == str(customer)
            role = _role(source, roles, record.first(source.get("role"), item)[0], is_customer)
            if _matches(source.get("internal"), record, item):
                role = "internal"
            turns.append(Turn(role=normalize_role(role), text=text, author=author, timestamp=when))
    if turns and all(t.timestamp for t in turns):
        turns.sort(key=lambda t: t.timestamp)  # ISO UTC strings sort in time order; stable
    return turns


def _csat(value: Any, options: Mapping[str, Any]) -> float | None:
    """A score through csat.map ("good" -> 1) and onto 0..1 when csat.scale ([1, 5]) is given."""
    value_map = {str(k).lower(): v for k, v in options.get("map", {}).items()}
    score = value_map.get(value.strip().lower(), value) if isinstance(value, str) else value
    if isinstance(score, str) and NUMBER.fullmatch(score):
        score = float(score)
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise ParseError("'csat' must be a number or a value named in the mapping's csat.map")
    if "scale" not in options:
        return float(score)
    low, high = options["scale"]
    if not low <= score <= high:
        raise ParseError(f"'csat' is outside the mapping's scale {low}..{high}")
    return (score - low) / (high - low)


def _interaction(record: Record, spec: Mapping[str, Any], source: str) -> Interaction:
    """One interaction; raises ParseError naming the field at fault (never its value)."""
    values: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for name, paths in spec["fields"].items():
        value, where = record.first(paths)
        label = f"'{name}' (from '{where}')"
        if value is None:
            continue
        if name in TEXT_FIELDS or name == "channel":
            values[name] = _text(value, label)
        elif name in DATE_FIELDS:
            values[name] = _timestamp(value, spec["timestamps"], label)
        elif name == "tags":
            if record.is_csv and isinstance(value, str):
                value = value.split(spec.get("tag_separator", ","))
            if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
                raise ParseError(f"{label} must be a list of strings")
            values["tags"] = [str(t).strip() for t in value if str(t).strip()]
        else:
            values["csat"] = _csat(value, spec.get("csat", {}))
            if values["csat"] != value:
                metadata["csat_raw"] = value
    if not values.get("interaction_id"):
        raise ParseError(
            f"missing 'interaction_id' (from '{record.first(spec['fields']['interaction_id'])[1]}')"
        )
    for key, paths in spec.get("metadata", {}).items():
        value, _ = record.first(paths)
        if isinstance(value, str | int | float | bool):
            metadata[key] = value
    turns = _turns(record, spec)
    if not turns:
        raise ParseError("no turn with text")
    channel = values.pop("channel", "").lower()
    try:
        channel = normalize_channel(spec.get("channels", {}).get(channel, channel))
    except ValueError:
        channel = spec["default_channel"]
    if HTML_TAG.search(values.get("subject", "")):
        values["subject"] = " ".join(html_to_text(values["subject"]).split())
    for name in ("status", "priority"):
        values[name] = values.get(name, "").lower()
    return Interaction(channel=channel, turns=turns, metadata=metadata, source=source, **values)


def _json_records(path: Path, spec: Mapping[str, Any]) -> Iterator[Record | Failure]:
    """Each object in the file's record list ("records" path, or the file when it is a list)."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        yield Failure(str(path), one_line(f"cannot read file: {exc.strerror or exc}"))
        return
    except json.JSONDecodeError as exc:
        yield Failure(str(path), f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return
    except UnicodeDecodeError as exc:
        yield Failure(str(path), one_line(f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
        return
    records = data if isinstance(data, list) else get_path(data, spec.get("records", ""))
    if not isinstance(records, list):
        yield Failure(str(path), f"no list of records at '{spec.get('records', '')}'")
        return
    for number, record in enumerate(records, start=1):
        if isinstance(record, dict):
            yield Record(record, [(number, record)], is_csv=False)
        else:
            yield Failure(
                f"{path}#record-{number}", f"expected an object, got {type(record).__name__}"
            )


def _csv_records(path: Path, spec: Mapping[str, Any]) -> Iterator[Record | Failure]:
    """One record per row, or per group of rows sharing the group_by column (in file order)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        yield Failure(str(path), one_line(f"cannot read file: {exc.strerror or exc}"))
        return
    except UnicodeDecodeError as exc:
        yield Failure(str(path), one_line(f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = [h.strip() for h in next(reader, [])]
    group_by = spec.get("group_by")
    ids = spec["fields"]["interaction_id"]
    needed = [group_by] if group_by else [ids] if isinstance(ids, str) else ids
    if not set(needed) & set(header):
        yield Failure(str(path), f"no column {' or '.join(map(repr, needed))} in the header")
        return
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield Failure(f"{path}:{line}", one_line(f"broken CSV row: {exc}"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problem = f"broken CSV row: {len(row)} columns where the header has {len(header)}"
            yield Failure(f"{path}:{line}", problem)
            continue
        values = dict(zip(header, row, strict=True))
        if not group_by:
            yield Record(values, [(line, values)], is_csv=True)
        elif not values[group_by].strip():
            yield Failure(f"{path}:{line}", f"missing '{group_by}'")
        else:
            groups.setdefault(values[group_by].strip(), []).append((line, values))
    for rows in groups.values():
        yield Record(rows[0][1], rows, is_csv=True)


def read_helpdesk(
    path: Path, mapping: Mapping[str, Any] | str | Path
) -> Iterator[Interaction | Failure]:
    """The interactions of a helpdesk export, read through `mapping` (see load_mapping). A bad
    record is a failure naming it ("tickets.json#1234", "tickets.json#record-3", "export.csv:7")
    and the field at fault, and the rest is still read. A bad mapping raises ParseError here."""
    return _read(path, load_mapping(mapping))


def _read(path: Path, spec: Mapping[str, Any]) -> Iterator[Interaction | Failure]:
    source = str(path.resolve())
    read = _csv_records if spec["format"] == "csv" else _json_records
    for record in read(path, spec):
        if isinstance(record, Failure):
            yield record
            continue
        number = record.rows[0][0]
        where = f"{path}:{number}" if record.is_csv else f"{path}#record-{number}"
        record_id, _ = record.first(spec["fields"]["interaction_id"])
        named = isinstance(record_id, str | int) and not isinstance(record_id, bool)
        if named and str(record_id).strip() and (spec.get("group_by") or not record.is_csv):
            where = f"{path}#{str(record_id).strip()}"  # a ticket id; a lone CSV row by its line
        try:
            yield _interaction(record, spec, source)
        except ParseError as exc:
            yield Failure(where, one_line(str(exc)))
