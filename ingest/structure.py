"""Find the heading structure of plain text: markdown headings, or short heading-like lines."""

from __future__ import annotations

import re
from collections.abc import Iterator

from casebook.models import Section

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_LIST_MARK = re.compile(r"^\s*([-*+•]|\d+[.)]\s*$)")
_CELL = re.compile(r"^[^:\n]{1,40}: \S")
_MAX_HEADING_WORDS = 12
_MAX_HEADING_CHARS = 90


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each blank-line separated block, without surrounding whitespace."""
    pos = 0
    for match in [*_BLOCK_SPLIT.finditer(text), None]:
        end = match.start() if match else len(text)
        block = text[pos:end]
        stripped = block.strip()
        if stripped:
            lead = len(block) - len(block.lstrip())
            yield pos + lead, pos + lead + len(stripped)
        pos = match.end() if match else len(text)


def looks_like_heading(line: str) -> bool:
    """A short line that names a topic rather than saying something about it (a table cell,
    "column: value", names nothing)."""
    line = line.strip()
    if not line or len(line) > _MAX_HEADING_CHARS or len(line.split()) > _MAX_HEADING_WORDS:
        return False
    if _CELL.match(line):
        return False
    if _LIST_MARK.match(line) or line[-1] in ".,;:!)" or line[0] in "([\"'":
        return False
    return line[0].isupper() or line[0].isdigit()


def sections_from_text(text: str) -> list[Section]:
    """Split text into sections under heading paths; offsets index into `text`.

    Markdown headings set their level; in text without them, a heading-like first line of a
    block (followed by more lines in that block) is a level-1 heading. Body text between
    headings forms one section.
    """
    guess = not any(_MD_HEADING.match(line.strip()) for line in text.splitlines())
    headings: list[tuple[int, str]] = []  # the open headings, (level, text), outermost first
    sections: list[Section] = []
    body_start: int | None = None
    body_end = 0

    def close() -> None:
        nonlocal body_start
        if body_start is not None:
            path = tuple(h for _, h in headings)
            sections.append(Section(path, text[body_start:body_end], body_start))
        body_start = None

    for start, end in _blocks(text):
        first_end = text.find("\n", start, end)
        first_end = end if first_end == -1 else first_end
        first = text[start:first_end]
        md = _MD_HEADING.match(first.strip())
        if md:
            level = len(md.group(1))
            heading = md.group(2).strip()
        elif guess and first_end < end and looks_like_heading(first):
            level, heading = 1, first.strip()
        else:
            level, heading = 0, ""
        if level:
            close()
            while headings and headings[-1][0] >= level:
                headings.pop()
            headings.append((level, heading))
            rest = first_end + 1
            while rest < end and text[rest].isspace():
                rest += 1
            if rest >= end:
                continue
            start = rest
        if body_start is None:
            body_start = start
        body_end = end
    close()
    return sections
