"""What a reader yields: documents, or a named failure for one item."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One input that could not be ingested, with a one-line reason."""

    path: str
    error: str


def one_line(message: str, limit: int = 300) -> str:
    """An error message fit for a report: one line, bounded length."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
