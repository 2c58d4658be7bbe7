"""Front matter in Markdown and text files becomes the document's metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.errors import ParseError
from ingest.readers.files import read_file
from ingest.readers.front_matter import split_front_matter


def test_front_matter_is_metadata_and_not_text(tmp_path: Path) -> None:
    path = tmp_path / "runbook.md"
    path.write_text("---\naudience: agent\ntags: [outage, tier2]\nreviewed: 2026-11-01\n---\n"
                    "# Outage runbook\n\nPage the duty manager.\n")  # fmt: skip
    doc = read_file(path, "runbook.md")
    assert doc.metadata == {
        "audience": "agent",
        "tags": ["outage", "tier2"],
        "reviewed": "2026-11-01",
        "format": "md",
    }
    assert "audience" not in doc.text and "Page the duty manager." in doc.text
    assert doc.title == "Outage runbook"


def test_a_file_without_front_matter_is_unchanged() -> None:
    assert split_front_matter("# Title\n\n---\n\ntext\n") == ({}, "# Title\n\n---\n\ntext\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("---\naudience: agent\n# never closed\n", "never closed"),
        ("---\naudience: [agent\n---\nbody\n", "not valid YAML"),
        ("---\n- a\n- b\n---\nbody\n", "key: value"),
        ("---\nowner: {name: x}\n---\nbody\n", "expected text"),
    ],
)
def test_bad_front_matter_is_a_named_parse_error(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        split_front_matter(text)
