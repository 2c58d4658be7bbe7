"""Named errors of the domain, all here; the service maps them to HTTP in one table."""

from __future__ import annotations


class CasebookError(Exception):
    """Base of every error Casebook raises on purpose."""


class InvalidFilter(CasebookError):
    """A search filter names a field or value the index cannot match."""


class LimitExceeded(CasebookError):
    """A request asks for more than a configured limit allows."""


class PayloadTooLarge(LimitExceeded):
    """A request body is larger than the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is larger than {limit} bytes")
        self.limit = limit


class IndexLocked(CasebookError):
    """The embedded index is held by another process (one writer per folder)."""


class ParseError(CasebookError):
    """One input item could not be read; the message is a one-line reason."""


class BadUpload(CasebookError):
    """The upload itself is malformed: no files, a bad file name, an unknown option."""


class UnsupportedMediaType(CasebookError):
    """Uploads are multipart/form-data or application/json."""


class NotFound(CasebookError):
    """The thing asked for does not exist (for this tenant)."""


class DocumentNotFound(NotFound):
    """No document with this id exists for the tenant."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"document not found: {doc_id}")
        self.doc_id = doc_id


class AnswerNotFound(NotFound):
    """No answer with this id was given to this tenant."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(f"answer not found: {answer_id}")


class JobNotFound(NotFound):
    """No job with this id belongs to this tenant."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job not found: {job_id}")


class KeyNotFound(NotFound):
    """No key with this id exists."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"key not found: {key_id}")
        self.key_id = key_id


class ModelNotFound(NotFound):
    """The OpenAI-compatible API has no model by this name."""

    def __init__(self, model: str) -> None:
        super().__init__(f"model {model!r} not found; GET /v1/models lists the models")


class Unauthorized(CasebookError):
    """No valid API key: missing, malformed, unknown or revoked."""


class Forbidden(CasebookError):
    """A valid key whose role may not do this."""


class RateLimited(CasebookError):
    """This key has spent its requests for now."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded; retry in {retry_after} s")
        self.retry_after = retry_after


class KeyFileError(CasebookError):
    """The key file exists but cannot be read or parsed; nobody is let in until it is fixed."""
