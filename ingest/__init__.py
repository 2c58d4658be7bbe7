"""Ingestion: read documents, find their structure, chunk, embed and write to the index."""
