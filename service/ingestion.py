"""The ingest pipeline as every front end runs it: the CLI, the upload API and the eval runner."""

from __future__ import annotations

from casebook.index import Index
from casebook.settings import Settings
from ingest.runner import Ingestor
from summaries.interaction import resolution_sections


def ingestor(index: Index, settings: Settings) -> Ingestor:
    """An Ingestor whose resolution chunks hold the extractive summary's sections."""
    return Ingestor(index, settings, summarize=resolution_sections)
