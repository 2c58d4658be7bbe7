"""The suite file's schema: every section and key known, checked before anything is ingested."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from casebook.settings import Settings

HEADER = re.compile(r"^\s*\[(\[?)\s*([^\]]+?)\s*\]\]?")


class SuiteError(ValueError):
    """A suite file that cannot be read or names data that is not there."""


class Strict(BaseModel):
    """A TOML table: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class GateSpec(Strict):
    """`{ min = x }` and/or `{ max = y }`."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> GateSpec:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs min and/or max")
        return self


class SetSpec(Strict):
    """One `[[sets]]` entry."""

    name: str | None = None
    data: str | None = None  # a folder in the shared layout
    queries: str | None = None  # a queries.jsonl, or a folder holding one (default: data's)
    corpus: str | None = None  # a corpus .jsonl, or files/folders to ingest (default: data's)
    kind: Literal["qa", "summaries"] = "qa"
    limit: int = Field(0, ge=0)
    sample: Literal["spread", "first"] = "spread"
    split: str = ""
    distractors: int | None = Field(None, ge=0)
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    top_k: int = Field(50, ge=1)
    answers: bool = True
    answer_top_k: int = Field(5, ge=1)

    @model_validator(mode="after")
    def _has_data(self) -> SetSpec:
        if self.data is None and (self.kind == "summaries" or self.queries is None):
            raise ValueError("a set needs data (a folder), or queries for a question set")
        return self


class SuiteFile(Strict):
    """The whole file."""

    name: str | None = None
    index: Literal["fresh", "existing"] = "fresh"
    tenant: str = "default"
    datasets_root: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    sets: list[SetSpec] = Field(min_length=1)
    gates: dict[str, GateSpec] = Field(default_factory=dict)


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the key (or table) at `loc` in the TOML text, when it can be found."""
    parts = [p for p in loc if isinstance(p, str) and p not in ("__root__",)]
    index = next((p for p in loc if isinstance(p, int)), None)
    table = parts[0] if len(parts) > 1 else ""
    key = parts[-1] if parts else ""
    current, seen = "", -1
    fallback = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            current = header.group(2).strip('"')
            seen = seen + 1 if current == table else seen
            if not table and current == key:
                return number
            if current == table and fallback is None and (index is None or seen == index):
                fallback = number
            continue
        in_table = current == table and (index is None or seen == index)
        if in_table and re.match(rf'^\s*"?{re.escape(key)}"?\s*=', line):
            return number
    return fallback


def describe(
    errors: Sequence[Any], text: str, where: str, overridden: set[str], prefix: tuple = ()
) -> str:
    """Every validation error as `where:line: key: message`, one per line."""
    lines = []
    for error in errors:
        loc = (*prefix, *error["loc"])
        key = ".".join(str(p) for p in loc) or "suite"
        what = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        if loc and str(loc[-1]) in overridden:
            lines.append(f"--set {loc[-1]}: {what}")
            continue
        line = line_of(text, loc)
        lines.append(f"{where}{f':{line}' if line else ''}: {key}: {what}")
    return "\n".join(lines)


def settings_errors(values: dict[str, Any], text: str, where: str, overridden: set[str]) -> str:
    """What is wrong with suite settings: unknown names and invalid values ("" when none)."""
    lines = []
    for key in sorted(set(values) - set(Settings.model_fields)):
        line = line_of(text, ("settings", key))
        origin = f"--set {key}" if key in overridden else f"{where}:{line}: settings.{key}"
        lines.append(f"{origin}: unknown setting (CASEBOOK_* names without the prefix)")
    if lines:
        return "\n".join(lines)
    try:
        Settings(**values)
    except ValidationError as exc:
        return describe(exc.errors(), text, where, overridden, ("settings",))
    return ""


def parse_suite(raw: dict[str, Any], text: str, where: str, overridden: set[str]) -> SuiteFile:
    """The checked suite, or a SuiteError naming each key (and its line) to fix."""
    values = raw.get("settings")
    problems = settings_errors(values, text, where, overridden) if isinstance(values, dict) else ""
    try:
        suite = SuiteFile.model_validate(raw)
    except ValidationError as exc:
        schema = describe(exc.errors(), text, where, overridden)
        raise SuiteError("\n".join(p for p in (schema, problems) if p)) from None
    if problems:
        raise SuiteError(problems)
    return suite
