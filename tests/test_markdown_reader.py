"""Markdown read as written: literals kept, headings and numbered steps kept, tables as rows."""

from __future__ import annotations

from pathlib import Path

from ingest.readers.files import read_file
from ingest.readers.markdown import markdown_to_text

ARTICLE = """# Billing

Charges appear as **LUMENHOME*STORE** (orders); set `eco_mode_min` or eco_mode_min to 16.

## How to start a return

1. Go to **Account > Orders**.
2. Choose *Return items*.

## How long do refunds take?

| Step | Typical time |
|------|--------------|
| Parcel in transit | 3-7 business days |
| Refund on your card | 3-10 business days |

## Price adjustments

- Within **14 days** of your order.
"""


def test_literal_text_survives_emphasis_and_steps_keep_their_numbers() -> None:
    title, text = markdown_to_text(ARTICLE)
    assert title == "Billing"
    assert "Charges appear as LUMENHOME*STORE (orders); set eco_mode_min or eco_mode_min" in text
    assert "1. Go to Account > Orders.\n2. Choose Return items." in text
    assert "- Within 14 days of your order." in text


def test_a_table_becomes_one_block_per_row_and_never_a_heading(tmp_path: Path) -> None:
    path = tmp_path / "billing.md"
    path.write_text(ARTICLE, encoding="utf-8")
    doc = read_file(path, "billing.md")
    assert "Step: Refund on your card\nTypical time: 3-10 business days" in doc.text
    paths = [s.path for s in doc.sections]
    assert ("Billing", "How long do refunds take?") in paths
    assert ("Billing", "Price adjustments") in paths  # not nested under a table row
    assert all(not any(p.startswith("Step:") for p in path) for path in paths)


def test_front_matter_is_metadata_and_not_text(tmp_path: Path) -> None:
    path = tmp_path / "runbook.md"
    path.write_text("---\naudience: agent\n---\n# Runbook\n\nEscalate E42 twice.\n")
    doc = read_file(path, "runbook.md")
    assert doc.metadata["audience"] == "agent"
    assert "audience" not in doc.text and doc.title == "Runbook"
