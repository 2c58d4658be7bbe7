"""Grounding: prompts over numbered sources, their citation markers and the injection guard."""
