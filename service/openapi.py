"""The OpenAPI document with the configured limits written in, so clients see the real bounds."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from casebook.settings import Settings


def _limits(settings: Settings) -> dict[tuple[str, str], dict[str, int]]:
    """(schema, property) -> the JSON-schema bounds the settings impose at run time."""
    query = {"maxLength": settings.max_query_chars}
    history = {"maxItems": settings.max_history_turns}
    top_k = {"maximum": settings.max_top_k}
    return {
        ("SearchRequest", "query"): query,
        ("SearchRequest", "history"): history,
        ("SearchRequest", "top_k"): top_k,
        ("AnswerRequest", "top_k"): top_k,
        ("TopicSummaryRequest", "query"): query,
        ("Turn", "text"): {"maxLength": settings.max_turn_chars},
    }


def _bound(prop: dict[str, Any], bounds: dict[str, int]) -> None:
    """Tighten a property (or the non-null member of its anyOf) to the bounds."""
    for target in [prop, *prop.get("anyOf", [])]:
        if target.get("type") == "null":
            continue
        for key, value in bounds.items():
            current = target.get(key)
            target[key] = value if current is None else min(current, value)


def install_openapi_limits(app: FastAPI, settings: Settings) -> None:
    """Make app.openapi() state the limits of these settings."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.get("components", {}).get("schemas", {})
        for (name, field), bounds in _limits(settings).items():
            prop = components.get(name, {}).get("properties", {}).get(field)
            if prop is not None:
                _bound(prop, bounds)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
