"""Front matter: a Markdown or text file may open with `---`, YAML `key: value` lines, `---`.

Help centres exported from static-site tools carry their metadata this way; `audience: agent`
or `visibility: internal` there keeps a document from customer-audience keys.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from casebook.errors import ParseError

FENCE = "---"


def _plain(key: str, value: Any) -> Any:
    """A metadata value as the filters take it: text, integer, boolean or a list of those."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return value
    if isinstance(value, str | int | bool):
        return value
    if isinstance(value, float):
        return str(value)
    raise ParseError(f"front matter {key!r}: expected text, a number, true/false or a list")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, the rest of the text); ({}, text) when the text has no front matter."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        return {}, text
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == FENCE), None)
    if end is None:
        raise ParseError("front matter opened with '---' but never closed")
    import yaml

    try:
        data = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise ParseError(f"front matter is not valid YAML{where}") from exc
    if not isinstance(data, dict):
        raise ParseError("front matter must be 'key: value' lines")
    metadata = {str(k): _plain(str(k), v) for k, v in data.items() if v is not None}
    return metadata, "".join(lines[end + 1 :])
