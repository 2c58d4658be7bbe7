"""Markdown as Casebook's plain text, parsed by markdown-it (CommonMark).

unstructured renders Markdown with python-markdown, whose emphasis rules eat ``*`` and ``_``
inside words (``LUMENHOME*STORE`` came out as ``*LUMENHOMESTORE``), turns numbered steps into
bullets and may read a question heading as prose. CommonMark keeps intraword literals, and its
token stream says exactly what each block is, so the text keeps headings as ``#`` lines,
numbered steps as ``1.`` lines, bullets as ``-`` lines, and each table row as a block of
``column: value`` lines (as tables from other formats are written).
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark").enable("table")


def _inline(token: Any) -> str:
    """An inline token's text without markup: emphasis dropped, links as their text."""
    out = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)
    return " ".join("".join(out).split())


def _table(tokens: list[Any], i: int) -> tuple[str, int]:
    """Rows as blocks of "column: value" lines; returns the text and the index after the table."""
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] = []
    in_head = False
    while tokens[i].type != "table_close":
        t = tokens[i]
        if t.type == "thead_open":
            in_head = True
        elif t.type == "thead_close":
            in_head = False
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close":
            (header.extend if in_head else rows.append)(row)  # type: ignore[operator]
        elif t.type == "inline":
            row.append(_inline(t))
        i += 1
    blocks = [
        "\n".join(f"{h}: {v}" if h else v for h, v in zip(header, r, strict=False) if v)
        for r in rows
    ]
    return "\n\n".join(b for b in blocks if b), i + 1


def markdown_to_text(markdown: str) -> tuple[str, str]:
    """(title, text): the first heading, and the document as Casebook's plain text."""
    tokens = _PARSER.parse(markdown)
    parts: list[str] = []
    lists: list[list[Any]] = []  # open lists: [ordered, next number]
    item_lines: list[str] = []
    title = ""
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type == "heading_open":
            text = _inline(tokens[i + 1])
            title = title or text
            parts.append(f"{'#' * int(t.tag[1])} {text}")
            i += 3
            continue
        if t.type == "table_open":
            text, i = _table(tokens, i)
            parts.append(text)
            continue
        if t.type in ("bullet_list_open", "ordered_list_open"):
            start = int(t.attrGet("start") or 1) if t.type == "ordered_list_open" else 0
            lists.append([t.type == "ordered_list_open", start])
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists and item_lines:
                parts.append("\n".join(item_lines))
                item_lines = []
        elif t.type == "inline" and lists:
            ordered, number = lists[-1]
            mark = f"{number}." if ordered else "-"
            if tokens[i - 2].type == "list_item_open" if i >= 2 else False:
                item_lines.append(f"{'   ' * (len(lists) - 1)}{mark} {_inline(t)}")
                lists[-1][1] = number + 1 if ordered else 0
            else:  # a second paragraph of the same item
                item_lines[-1:] = [f"{item_lines[-1]} {_inline(t)}" if item_lines else _inline(t)]
        elif t.type == "inline":
            parts.append(_inline(t))
        elif t.type in ("fence", "code_block"):
            parts.append(t.content.rstrip("\n"))
        i += 1
    return title, "\n\n".join(p for p in parts if p.strip())
