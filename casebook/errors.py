"""Named errors of the domain; the service maps them to HTTP in one place."""

from __future__ import annotations


class CasebookError(Exception):
    """Base of every error Casebook raises on purpose."""


class InvalidFilter(CasebookError):
    """A search filter names a field or value the index cannot match."""


class LimitExceeded(CasebookError):
    """A request asks for more than a configured limit allows."""


class IndexLocked(CasebookError):
    """The embedded index is held by another process (one writer per folder)."""


class ParseError(CasebookError):
    """One input item could not be read; the message is a one-line reason."""


class DocumentNotFound(CasebookError):
    """No document with this id exists for the tenant."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"document not found: {doc_id}")
        self.doc_id = doc_id
