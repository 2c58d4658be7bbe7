"""Who an answer is for: `agent` sees everything, `customer` only published knowledge.

A customer-facing caller (a bot key by default) must never receive internal notes, agent-only
documents or other customers' words. So for the customer audience every read is narrowed in the
store filter itself: only document chunks (never interaction turns or resolutions), and none
whose metadata marks them internal or agent-only. The restriction is added to the caller's own
filters, so a request can narrow it further but never widen it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from casebook.store.base import Condition, Where

Audience = Literal["agent", "customer"]
AUDIENCES: tuple[str, ...] = ("agent", "customer")

PUBLISHED_KINDS = ("document",)
_STAFF = ("internal", "private", "agent", "agents", "agent-only", "agent_only", "staff")
# Metadata that marks a document as not for customers: any of these keys with any of its values
# (`{"audience": "agent"}`, `{"visibility": "internal"}`, `{"internal": true}`).
INTERNAL_MARKERS: dict[str, tuple[Any, ...]] = {
    "metadata.visibility": _STAFF,
    "metadata.audience": _STAFF,
    "metadata.internal": (True,),
    "metadata.internal_only": (True,),
    "metadata.agent_only": (True,),
}


def validate_audience(audience: str) -> str:
    """The audience, or ValueError unless it is agent or customer."""
    if audience not in AUDIENCES:
        raise ValueError(f"invalid audience {audience!r}: expected one of {', '.join(AUDIENCES)}")
    return audience


def default_audience(role: str) -> str:
    """Bot keys answer customers; agent and admin keys are staff."""
    return "customer" if role == "bot" else "agent"


def restrict(where: Where, audience: str) -> Where:
    """The filter narrowed to what the audience may read (unchanged for agents)."""
    if audience == "agent":
        return where
    validate_audience(audience)
    hidden = tuple(Condition(key, values) for key, values in INTERNAL_MARKERS.items())
    return Where(
        must=(*where.must, Condition("kind", PUBLISHED_KINDS)),
        must_not=(*where.must_not, *hidden),
    )


def with_visibility(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata with `visibility: internal` added when any marker says so.

    Stored with every chunk, so the restriction holds through one string condition too:
    Qdrant Edge (0.9) cannot match booleans (its binding sends True as the integer 1).
    """
    out = dict(metadata)
    if (
        not is_published({"kind": "document", "metadata": out})
        and out.get("visibility") not in _STAFF
    ):
        out["visibility"] = (
            "internal"  # also over a contradicting "public": hiding is the safe side
        )
    return out


def is_published(payload: Mapping[str, Any]) -> bool:
    """Whether a stored chunk may be shown to a customer (the same rule as `restrict`)."""
    if payload.get("kind", "document") not in PUBLISHED_KINDS:
        return False
    metadata = payload.get("metadata") or {}
    for key, values in INTERNAL_MARKERS.items():
        value = metadata.get(key.removeprefix("metadata."))
        if any(value == v and type(value) is type(v) for v in values):
            return False
    return True
