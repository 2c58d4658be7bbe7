"""Evaluation cases mined from support history and feedback (a feature over the core)."""
