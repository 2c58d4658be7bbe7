"""Caller filters ({"field": value | [values] | {"gte": ..}}) turned into store conditions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from casebook.errors import InvalidFilter
from casebook.store.base import Condition, Where

# Payload fields callers filter on directly; any other key means a metadata field.
TOP_LEVEL_FIELDS = frozenset({"kind", "doc_id", "source", "title", "section"})
_RANGE_KEYS = frozenset({"gte", "lte", "gt", "lt"})
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


def _condition(key: str, value: Any) -> Condition:
    path = field_path(key)
    if isinstance(value, Mapping):
        unknown = set(value) - _RANGE_KEYS
        if unknown or not value:
            raise InvalidFilter(
                f"filter {key!r}: a range takes gte, lte, gt or lt, "
                f"got {sorted(value) or 'nothing'}"
            )
        kinds = {_bound_kind(key, bound) for bound in value.values()}
        if len(kinds) > 1:
            raise InvalidFilter(f"filter {key!r}: range bounds mix numbers and dates")
        return Condition(key=path, **{k: value[k] for k in value})
    values = list(value) if isinstance(value, list | tuple) else [value]
    if not values:
        raise InvalidFilter(f"filter {key!r}: empty list of values")
    if any(isinstance(v, float) or not isinstance(v, _SCALARS) for v in values):
        raise InvalidFilter(f"filter {key!r}: values must be strings, integers or booleans")
    if len({type(v) for v in values}) > 1:
        raise InvalidFilter(f"filter {key!r}: values in one list must share a type")
    return Condition(key=path, values=tuple(values))


def to_where(filters: Mapping[str, Any] | None, tenant: str) -> Where:
    """The store filter for a caller's filters, always scoped to its tenant."""
    conditions = [_condition(k, v) for k, v in (filters or {}).items()]
    return Where(must=(Condition(key="tenant", values=(tenant,)), *conditions))


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
