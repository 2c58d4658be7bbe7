"""Summaries: of an interaction (extractive or generated), of a document and of a topic."""
