"""Answers: the answer decision, evidence, the reranker, generated answers and hand-off."""
