"""Hand-off detection: messages a person must handle, whatever the knowledge base holds.

A message gets one of REASONS, or None ("answer it normally"). Reasons are tried in priority
order (urgent_safety > needs_human > account_specific), first by regex over the whole message,
then, when no regex matched, by the message's nearest example: a reason wins when its closest
example has cosine >= threshold and beats the closest counter-example by at least margin. Only
the last TAIL_CHARS characters are embedded, since a long message keeps its question at the end.
A message whose tail opens as a general question ("how do I...", "what is...", a
general_questions regex) is never account_specific by example, only by pattern: the knowledge
base answers how-to questions, even when they say "my".

Rules file (JSON; the default is answers/handoff_rules.json)::

    {
      "threshold": 0.55,          # min cosine between the message and a reason's nearest example
      "margin": 0.05,             # optional (default 0.05): how far that must beat the counters
      "general_questions": ["^how\\\\s+do\\\\b", ...],  # optional: openings of how-to questions
      "patterns": {"urgent_safety": ["\\\\bsmoke\\\\b", ...], ...},  # case-insensitive regexes
      "examples": {"needs_human": ["can a real human help me", ...], ...},
      "counter_examples": ["How do I download my invoices?", ...]  # must not hand off
    }

Keys of "patterns" and "examples" must be reasons; a reason may be left out of either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from casebook.errors import CasebookError

REASONS = ("urgent_safety", "needs_human", "account_specific")  # priority order
DEFAULT_RULES = Path(__file__).with_name("handoff_rules.json")
TAIL_CHARS = 500
DEFAULT_MARGIN = 0.05
KEYS = {"threshold", "margin", "general_questions", "patterns", "examples", "counter_examples"}

Embed = Callable[[Sequence[str]], list[list[float]]]


class HandoffRulesError(CasebookError):
    """A hand-off rules file that cannot be read or does not follow the format."""


@dataclass(frozen=True)
class HandoffRules:
    """What hands a message off: regexes and examples per reason, counter-examples, cut-offs."""

    patterns: dict[str, tuple[str, ...]]
    examples: dict[str, tuple[str, ...]]
    counter_examples: tuple[str, ...]
    threshold: float
    margin: float = DEFAULT_MARGIN
    general_questions: tuple[str, ...] = ()  # regexes: a how-to question, not account_specific


@dataclass(frozen=True)
class Handoff:
    """Why a message was (or was not) handed off: the reason and the rule that decided it."""

    reason: str | None
    rule: str  # "pattern", "example" or "none"
    evidence: str  # the regex or the nearest example ("" when none)
    score: float  # cosine to that example (1.0 for a regex)
    counter_score: float  # cosine to the nearest counter-example


def _fail(path: Path, problem: str) -> HandoffRulesError:
    return HandoffRulesError(f"hand-off rules {path}: {problem}")


def _strings(value: Any, where: str, path: Path) -> tuple[str, ...]:
    """A JSON list of non-empty strings, as a tuple."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, f"{where} must be a list of non-empty strings")
    return tuple(value)


def _by_reason(data: dict[str, Any], key: str, path: Path) -> dict[str, tuple[str, ...]]:
    """A reason -> strings mapping, with every key one of REASONS."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _fail(path, f'"{key}" must be an object of reason -> list')
    unknown = sorted(set(value) - set(REASONS))
    if unknown:
        raise _fail(path, f'"{key}" has unknown reason(s) {unknown}; expected {list(REASONS)}')
    return {r: _strings(value[r], f'"{key}.{r}"', path) for r in REASONS if r in value}


def _regexes(values: tuple[str, ...], where: str, path: Path) -> tuple[str, ...]:
    """The regexes, each checked to compile."""
    for regex in values:
        try:
            re.compile(regex, re.IGNORECASE)
        except re.error as exc:
            raise _fail(path, f"{where} has a bad regex {regex!r}: {exc}") from exc
    return values


def _number(data: dict[str, Any], key: str, default: float | None, path: Path) -> float:
    """A number in [0, 1] (booleans are not numbers here)."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _fail(path, f'"{key}" must be a number between 0 and 1, not {value!r}')
    return float(value)


def load_rules(path: Path | None = None) -> HandoffRules:
    """Read and check a rules file (None: the packaged default); a bad one is HandoffRulesError."""
    path = path or DEFAULT_RULES
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(path, f"is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise _fail(path, "must hold a JSON object")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise _fail(path, f"has unknown key(s) {unknown}; expected some of {sorted(KEYS)}")
    patterns = _by_reason(data, "patterns", path)
    for reason, regexes in patterns.items():
        _regexes(regexes, f'"patterns.{reason}"', path)
    general = _strings(data.get("general_questions", []), '"general_questions"', path)
    return HandoffRules(
        patterns=patterns,
        examples=_by_reason(data, "examples", path),
        counter_examples=_strings(data.get("counter_examples", []), '"counter_examples"', path),
        threshold=_number(data, "threshold", None, path),
        margin=_number(data, "margin", DEFAULT_MARGIN, path),
        general_questions=_regexes(general, '"general_questions"', path),
    )


def message_tail(message: str, limit: int = TAIL_CHARS) -> str:
    """The last limit characters of a message, starting at a word boundary."""
    text = message.strip()
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < limit // 5 else cut


class HandoffDetector:
    """Decides whether a customer message must go to a person, and why."""

    def __init__(self, rules: HandoffRules, embed: Embed) -> None:
        self.rules = rules
        self._embed = embed
        self._patterns = {
            r: [re.compile(p, re.IGNORECASE) for p in rules.patterns.get(r, ())] for r in REASONS
        }
        self._general = [re.compile(p, re.IGNORECASE) for p in rules.general_questions]
        self._texts = {r: rules.examples.get(r, ()) for r in REASONS}
        texts = [t for r in REASONS for t in self._texts[r]] + list(rules.counter_examples)
        vectors = np.asarray(embed(texts), dtype=np.float32).reshape(len(texts), -1)
        self._vectors: dict[str, np.ndarray] = {}
        start = 0
        for reason in REASONS:
            self._vectors[reason] = vectors[start : start + len(self._texts[reason])]
            start += len(self._texts[reason])
        self._counter = vectors[start:]

    def explain(self, message: str) -> Handoff:
        """The decision for a message, with the regex or nearest example behind it."""
        for reason in REASONS:
            for pattern in self._patterns[reason]:
                if pattern.search(message):
                    return Handoff(reason, "pattern", pattern.pattern, 1.0, 0.0)
        text = message_tail(message)
        if not text:
            return Handoff(None, "none", "", 0.0, 0.0)
        query = np.asarray(self._embed([text])[0], dtype=np.float32)
        counter = float(np.max(self._counter @ query)) if len(self._counter) else -1.0
        general = any(p.search(text) for p in self._general)
        best: tuple[float, str, str] = (-1.0, "", "")
        for reason in REASONS:
            if not len(self._vectors[reason]) or (general and reason == "account_specific"):
                continue
            sims = self._vectors[reason] @ query
            top = int(np.argmax(sims))
            score = float(sims[top])
            if score >= self.rules.threshold and score - counter >= self.rules.margin:
                return Handoff(reason, "example", self._texts[reason][top], score, counter)
            best = max(best, (score, reason, self._texts[reason][top]))
        return Handoff(None, "none", best[2], best[0], counter)

    def reason(self, message: str) -> str | None:
        """A hand-off reason for the message, or None to answer it normally."""
        return self.explain(message).reason
