"""One conversion to JSON for domain results: a dataclass's fields, in order, as plain values.

``to_json(result)`` writes each field under its name, in declaration order, converting nested
dataclasses, lists, tuples, dicts, enums and paths. Field metadata changes how one is written:
``OMIT`` leaves it out, ``INLINE`` puts a nested dataclass's fields in its place, and
``converted(fn)`` writes ``fn(value)``. A class whose JSON is not a copy of its fields defines
its own ``to_json`` method (which must not call this on itself); ``to_json`` then uses it, also
for nested values, so callers convert every result the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from pathlib import PurePath
from types import MappingProxyType
from typing import Any

_OMIT, _INLINE, _CONVERT = "shapes.omit", "shapes.inline", "shapes.convert"

OMIT: Mapping[str, Any] = MappingProxyType({_OMIT: True})  # never written
INLINE: Mapping[str, Any] = MappingProxyType({_INLINE: True})  # its fields, in its place


def converted(fn: Callable[[Any], Any]) -> Mapping[str, Any]:
    """Field metadata: write ``fn(value)`` instead of the value."""
    return MappingProxyType({_CONVERT: fn})


# How a class is written: (field name, INLINE?, converter or None), fields left out dropped.
Plan = tuple[tuple[str, bool, Callable[[Any], Any] | None], ...]


@cache
def _plan(cls: type) -> Plan:
    return tuple(
        (f.name, bool(f.metadata.get(_INLINE)), f.metadata.get(_CONVERT))
        for f in dataclasses.fields(cls)
        if not f.metadata.get(_OMIT)
    )


def _is_instance(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def to_json(result: object) -> dict[str, Any]:
    """A dataclass instance as a JSON-ready dict (its own ``to_json`` when it has one)."""
    if not _is_instance(result):
        raise TypeError(f"not a dataclass instance: {type(result).__name__}")
    kind: type = type(result)
    own = getattr(kind, "to_json", None)
    if own is not None:
        return own(result)
    out: dict[str, Any] = {}
    for name, inline, convert in _plan(kind):
        value = getattr(result, name)
        if inline:
            out.update(to_json(value))
        else:
            out[name] = _plain(convert(value) if convert is not None else value)
    return out


def _plain(value: Any) -> Any:
    """A value as JSON-ready data: containers copied, dataclasses, enums and paths converted."""
    if isinstance(value, Enum):
        return _plain(value.value)
    if value is None or isinstance(value, str | int | float):
        return value
    if _is_instance(value):
        return to_json(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
