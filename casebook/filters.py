"""Caller filters turned into store conditions.

`{"field": value}` or `{"field": [values]}` matches any of the values; `{"field": {"gte": ..}}`
a range; `{"field": {"ne": value}}` or `{"field": {"not": [values]}}` excludes chunks whose field
holds one of them (chunks without the field are kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from casebook.audience import restrict
from casebook.errors import InvalidFilter
from casebook.store.base import Condition, Where

# Payload fields callers filter on directly; any other key means a metadata field.
TOP_LEVEL_FIELDS = frozenset({"kind", "doc_id", "source", "title", "section"})
_RANGE_KEYS = frozenset({"gte", "lte", "gt", "lt"})
_EXCLUDE_KEYS = frozenset({"ne", "not"})
_SCALARS = (str, int, bool)


def field_path(key: str) -> str:
    """The payload path a caller's filter key refers to."""
    if not key or key.startswith(".") or key.endswith("."):
        raise InvalidFilter(f"invalid filter field: {key!r}")
    if key == "tenant":
        raise InvalidFilter("the tenant is set by the caller's credentials, not by a filter")
    if key in TOP_LEVEL_FIELDS or key.startswith("metadata."):
        return key
    return f"metadata.{key}"


def _bound_kind(key: str, bound: Any) -> str:
    """ "number" or "date" for a valid range bound; anything else is the caller's mistake."""
    if isinstance(bound, int | float) and not isinstance(bound, bool):
        return "number"
    if isinstance(bound, str):
        try:
            datetime.fromisoformat(bound.replace("Z", "+00:00"))
            return "date"
        except ValueError:
            pass
    raise InvalidFilter(
        f"filter {key!r}: range bounds must be numbers or ISO 8601 dates, got {bound!r}"
    )


def _values(key: str, value: Any) -> tuple[Any, ...]:
    values = list(value) if isinstance(value, list | tuple) else [value]
    if not values:
        raise InvalidFilter(f"filter {key!r}: empty list of values")
    if any(isinstance(v, float) or not isinstance(v, _SCALARS) for v in values):
        raise InvalidFilter(f"filter {key!r}: values must be strings, integers or booleans")
    if len({type(v) for v in values}) > 1:
        raise InvalidFilter(f"filter {key!r}: values in one list must share a type")
    return tuple(values)


def _exclusions(key: str, value: Mapping[str, Any]) -> list[Condition]:
    """{"ne": v} or {"not": [v, ...]} (or both): the values the field must not hold."""
    if "ne" in value and isinstance(value["ne"], list | tuple):
        raise InvalidFilter(f"filter {key!r}: 'ne' takes one value; use 'not' for a list")
    path = field_path(key)
    return [
        Condition(key=path, values=_values(key, value[op])) for op in ("ne", "not") if op in value
    ]


def _condition(key: str, value: Any) -> Condition:
    path = field_path(key)
    if isinstance(value, Mapping):
        unknown = set(value) - _RANGE_KEYS
        if unknown or not value:
            raise InvalidFilter(
                f"filter {key!r}: a range takes gte, lte, gt or lt (ne or not to exclude), "
                f"got {sorted(value) or 'nothing'}"
            )
        kinds = {_bound_kind(key, bound) for bound in value.values()}
        if len(kinds) > 1:
            raise InvalidFilter(f"filter {key!r}: range bounds mix numbers and dates")
        return Condition(key=path, **{k: value[k] for k in value})
    return Condition(key=path, values=_values(key, value))


def _excludes(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and set(value) <= _EXCLUDE_KEYS


def to_where(filters: Mapping[str, Any] | None, tenant: str, audience: str = "agent") -> Where:
    """The store filter for a caller's filters, scoped to its tenant and narrowed to what its
    audience may read (casebook.audience)."""
    items = (filters or {}).items()
    must = [_condition(k, v) for k, v in items if not _excludes(v)]
    must_not = [c for k, v in items if _excludes(v) for c in _exclusions(k, v)]
    where = Where(must=(Condition(key="tenant", values=(tenant,)), *must), must_not=tuple(must_not))
    return restrict(where, audience)


def parse_cli_filters(pairs: list[str]) -> dict[str, Any]:
    """KEY=VALUE pairs from the command line; a key given twice matches any of its values."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidFilter(f"filter must look like KEY=VALUE, got {pair!r}")
        key = key.strip()
        if key in out:
            prior = out[key] if isinstance(out[key], list) else [out[key]]
            out[key] = [*prior, value]
        else:
            out[key] = value
    return out
