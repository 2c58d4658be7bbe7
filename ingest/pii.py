"""PII redaction: typed placeholders for emails, phones, cards, IBANs, SSNs and IPs in support text.

Every detector finds candidates with a regex and keeps only those that validate (Luhn, mod-97,
ipaddress, numbering-plan shapes), so order numbers, dates, amounts and versions stay readable.
Nothing here logs, and no error message carries a value taken from the text.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from casebook.interactions import Interaction
from ingest.pii_detectors import BUILTIN, Finder, Span


def _canonical(kind: str, value: str) -> str:
    """The form under which two spellings of one value share a pseudonym."""
    if kind == "EMAIL":
        return value.casefold()
    if kind == "IP":
        try:
            return ipaddress.ip_address(value.split("%")[0]).compressed
        except ValueError:
            return value
    if kind in ("CARD", "IBAN", "SSN", "PHONE"):
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return value


class Pseudonyms:
    """One interaction's numbering: the same value always gets the same numbered placeholder."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}  # keyed by digest: no raw value is kept
        self._used: Counter[str] = Counter()

    def placeholder(self, kind: str, value: str) -> str:
        key = (kind, hashlib.sha256(_canonical(kind, value).encode()).hexdigest())
        if key not in self._numbers:
            self._used[kind] += 1
            self._numbers[key] = self._used[kind]
        return f"[{kind}_{self._numbers[key]}]"


# Bump when detection changes, so that interactions redacted by the old rules ingest again.
REDACTOR_VERSION = "1"


class Redactor:
    """Replaces PII by typed placeholders ([EMAIL], or [EMAIL_1] when pseudonymizing)."""

    def __init__(
        self, extra_patterns: Mapping[str, str] | None = None, pseudonymize: bool = False
    ) -> None:
        self.pseudonymize = pseudonymize
        self._patterns = dict(extra_patterns or {})
        # Configured patterns first: they name the operator's own identifiers, which would
        # otherwise pass for a phone or card number.
        self._finders: list[tuple[str, Finder]] = [
            (name.upper(), _regex_finder(name, pattern)) for name, pattern in self._patterns.items()
        ]
        self._finders.extend(BUILTIN)

    @property
    def signature(self) -> str:
        """What, besides the input, decides the redacted text (part of each interaction's hash)."""
        patterns = hashlib.sha256(repr(sorted(self._patterns.items())).encode()).hexdigest()[:16]
        return f"pii={REDACTOR_VERSION};pseudonyms={self.pseudonymize};patterns={patterns}"

    def redact(self, text: str, pseudonyms: Pseudonyms | None = None) -> tuple[str, Counter[str]]:
        """The text with every value replaced, and how many values of each type were replaced."""
        # Without a scope, numbering covers this text alone.
        scope = (pseudonyms or Pseudonyms()) if self.pseudonymize else None
        counts: Counter[str] = Counter()
        parts: list[str] = []
        last = 0
        for start, end, kind in self._spans(text):
            value = text[start:end]
            parts += [text[last:start], scope.placeholder(kind, value) if scope else f"[{kind}]"]
            counts[kind] += 1
            last = end
        parts.append(text[last:])
        return "".join(parts), counts

    def redact_interaction(self, interaction: Interaction) -> tuple[Interaction, Counter[str]]:
        """A copy with subject, customer id, turn authors and texts, and metadata redacted."""
        pseudonyms = Pseudonyms()
        counts: Counter[str] = Counter()

        def clean(text: str) -> str:
            redacted, found = self.redact(text, pseudonyms)
            counts.update(found)
            return redacted

        subject = clean(interaction.subject)
        turns = [
            replace(turn, author=clean(turn.author), text=clean(turn.text))
            for turn in interaction.turns
        ]
        metadata = _map_strings(interaction.metadata, clean)
        customer_id = clean(interaction.customer_id)  # exports often use the requester's email
        return (
            replace(
                interaction,
                subject=subject,
                customer_id=customer_id,
                turns=turns,
                metadata=metadata,
            ),
            counts,
        )

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """Disjoint spans in text order; a later match that overlaps joins the earlier one."""
        starts: list[int] = []  # sorted, as are ends: the spans never overlap
        ends: list[int] = []
        claims: list[tuple[int, str]] = []  # (priority, kind) of each span
        for priority, (kind, find) in enumerate(self._finders):
            for start, end in find(text):
                lo, hi = bisect_right(ends, start), bisect_left(starts, end)
                claim = min([(priority, kind), *claims[lo:hi]])  # the first finder's kind wins
                start, end = min([start, *starts[lo:hi]]), max([end, *ends[lo:hi]])
                starts[lo:hi], ends[lo:hi], claims[lo:hi] = [start], [end], [claim]
        return [(s, e, kind) for s, e, (_, kind) in zip(starts, ends, claims, strict=True)]


def _regex_finder(name: str, pattern: str) -> Finder:
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"PII pattern {name!r} is not a valid regex: {err}") from None

    def find(text: str) -> Iterator[Span]:
        return (m.span() for m in compiled.finditer(text) if m.end() > m.start())

    return find


def _map_strings(value: Any, f: Callable[[str], str]) -> Any:
    """The value with f applied to every string inside dicts, lists and tuples."""
    if isinstance(value, str):
        return f(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, f) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(item, f) for item in value]  # as JSON would store it
    return value
