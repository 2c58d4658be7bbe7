"""Vector store backends behind one small interface: Qdrant Edge in-process, or a Qdrant server."""

from casebook.store.base import (
    Condition,
    HybridQuery,
    Point,
    ScoredPoint,
    SparseVector,
    Store,
    Where,
)

__all__ = [
    "Condition",
    "HybridQuery",
    "Point",
    "ScoredPoint",
    "SparseVector",
    "Store",
    "Where",
]
