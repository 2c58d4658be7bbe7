"""An interaction's status (resolved, pending, escalated, unknown) and the quote that shows it."""

from __future__ import annotations

from dataclasses import dataclass

from casebook.interactions import Interaction
from summaries.cues import (
    CLOSING,
    CONFIRMED,
    ESCALATED,
    PENDING,
    PROBLEM,
    STAFF_ROLES,
    STATUS_FIELD,
    clean,
    sentences,
)
from summaries.resolution import Fix, find_fix


@dataclass(frozen=True)
class Citation:
    """A quote (cleaned as ``clean`` does) from the 0-based turn it came from."""

    turn: int
    role: str
    quote: str


def fix_of(interaction: Interaction) -> Fix | None:
    """The agent sentence that fixed the problem (summaries/resolution.py), if any."""
    return find_fix([(t.role, sentences(clean(t.text))) for t in interaction.turns])


def infer_status(interaction: Interaction) -> tuple[str, Citation | None]:
    """The status field when it names one we know; else resolved when an agent fixed it (see
    summaries/resolution.py; escalated when the fix hands it on), cited by the customer's
    confirmation or else the fix; else read from the last turns (newest first).

    Per sentence, newest first: escalation wording from staff; a customer's thanks or
    confirmation without a complaint, or an agent's closing ("Glad to help"), is resolved; an
    open next step ("DM us", "we'll follow up", a question to the customer) or a customer's
    unanswered question or complaint is pending.
    """
    return status_of(interaction, fix_of(interaction))


def status_of(interaction: Interaction, fix: Fix | None) -> tuple[str, Citation | None]:
    """infer_status, given the fix (or None) found already."""
    mapped = STATUS_FIELD.get(interaction.status.strip().lower())
    if mapped:
        return mapped, None
    if fix:
        said, quote = fix.confirmation or (fix.turn, fix.text)
        cite = Citation(said, interaction.turns[said].role, quote)
        handed_on = fix.hands_off or ESCALATED.search(fix.text.lower())
        return ("escalated" if handed_on else "resolved"), cite
    recent = [(n, t) for n, t in enumerate(interaction.turns) if clean(t.text)][-4:]
    for number, turn in reversed(recent):
        staff = turn.role in (*STAFF_ROLES, "internal")
        for text in reversed(sentences(clean(turn.text)) or [clean(turn.text)]):
            lower = text.lower()
            cite = Citation(number, turn.role, text)
            if staff and ESCALATED.search(lower):
                return "escalated", cite
            if turn.role == "customer" and CONFIRMED.search(lower) and not PROBLEM.search(lower):
                return "resolved", cite
            if staff and CLOSING.search(lower):
                return "resolved", cite
            if staff and (PENDING.search(lower) or "?" in text):  # waiting on the customer
                return "pending", cite
            if turn.role == "customer" and ("?" in text or PROBLEM.search(lower)):
                return "pending", cite
    return "unknown", None
