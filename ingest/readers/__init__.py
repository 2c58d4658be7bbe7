"""Readers turn one input (a file, or a JSONL line) into SourceDocuments or named failures."""
