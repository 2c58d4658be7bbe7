"""Citation markers in generated text: checked, relabelled, and released safely as it streams.

A marker is ``[3]``, ``[t3]``, ``[source 3]`` or a list ``[1, 3]``. One that names no source
is removed (with the space before it); the others are relabelled (answers renumber sources
in order of first citation). Markdown images are dropped and links become their text. While
a reply streams, text is released only once it can no longer change (a "[1" may still become
"[12]" or a link), only after the first valid citation, and never the last characters that
could still turn into a canary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

IMAGE = re.compile(r"!\[[^\]\n]*\]\s*\([^)\n]*\)|<img\b[^>]*>", re.IGNORECASE)
LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
BRACKETS = re.compile(r"[ \t]*\[([^\[\]\n]{1,40})\]")
PIECE = re.compile(r"^\s*(?:source\s*)?(t?\d+)\s*$", re.IGNORECASE)

Label = Callable[[str, int], str]  # (marker key, its 1-based citation order) -> marker text


def render(raw: str, valid: Collection[str], label: Label) -> tuple[str, list[str]]:
    """The reply with links inert and markers checked, and the keys cited, in order."""
    cited: list[str] = []

    def marker(match: re.Match[str]) -> str:
        pieces = [PIECE.match(p) for p in match.group(1).split(",")]
        if not all(pieces):
            return match.group(0)  # ordinary brackets: "[optional]"
        out: list[str] = []
        for piece in pieces:
            key = piece.group(1).lower()  # type: ignore[union-attr]
            if key in valid:
                if key not in cited:
                    cited.append(key)
                text = label(key, cited.index(key) + 1)
                if text not in out:
                    out.append(text)
        whole = match.group(0)
        lead = whole[: len(whole) - len(whole.lstrip(" \t"))]
        return lead + "".join(out) if out else ""

    text = LINK.sub(r"\1", IMAGE.sub("", raw))
    return BRACKETS.sub(marker, text), cited


def _open_link(after: str) -> bool:
    return after.startswith("(") and ")" not in after


def stable_end(raw: str) -> int:
    """How much of a streaming reply can be rendered: not a construct that may still change."""
    end = len(raw.rstrip())
    text = raw[:end]
    opened, closed = text.rfind("["), text.rfind("]")
    if opened > closed:
        end = opened  # "[1" or "[link text" is still open
    elif closed >= 0 and (closed == end - 1 or _open_link(text[closed + 1 :])):
        end = max(text.rfind("[", 0, closed), 0)  # "[1]" may still be followed by "(url)"
    tag = text.rfind("<", 0, end)
    if tag > text.rfind(">", 0, end):
        end = tag  # "<img ..." not yet closed
    if end and raw[end - 1] == "!":
        end -= 1  # "![" would start an image
    return len(raw[:end].rstrip())


class Reply:
    """A reply read in pieces; ``feed`` and ``finish`` return the text now safe to release."""

    def __init__(
        self,
        valid: Collection[str],
        label: Label,
        injected: Callable[[str], bool],
        holdback: int = 0,
    ) -> None:
        self.valid, self.label, self.check, self.holdback = valid, label, injected, holdback
        self.raw = ""
        self.text = ""  # rendered so far
        self.cited: list[str] = []
        self.sent = ""  # released so far
        self.injected = False

    def feed(self, piece: str) -> str:
        """Take the next piece of the reply; the text that may go to the caller now."""
        self.raw += piece
        raw = self.raw.lstrip()
        return self._release(raw[: stable_end(raw)], final=False)

    def finish(self) -> str:
        """The reply is complete: the rest of its text (unless it is injected)."""
        return self._release(self.raw.strip(), final=True)

    def _release(self, raw: str, final: bool) -> str:
        if self.injected or self.check(raw):
            self.injected = True
            return ""
        self.text, self.cited = render(raw, self.valid, self.label)
        if final:
            self.text = self.text.strip()
        if not self.cited or not self.text.startswith(self.sent):
            return ""  # nothing goes out before the first valid citation
        end = len(self.text) if final else len(self.text) - self.holdback
        if self.text.rfind("[", 0, end) > self.text.rfind("]", 0, end):
            end = self.text.rfind("[", 0, end)  # a marker goes out whole
        out = self.text[len(self.sent) : max(end, len(self.sent))]
        self.sent += out
        return out
