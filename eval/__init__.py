"""Evaluation: datasets in the shared layout, retrieval metrics, suites."""
