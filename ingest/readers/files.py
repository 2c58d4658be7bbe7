"""Office files, web pages, text and email through unstructured's partitioners; PDF via pdfminer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from casebook.errors import ParseError
from casebook.models import SourceDocument
from ingest.readers.base import one_line
from ingest.readers.front_matter import split_front_matter
from ingest.readers.markdown import markdown_to_text
from ingest.readers.pdf import pdf_to_markdown
from ingest.readers.spacy_offline import patch_unstructured_spacy
from ingest.structure import sections_from_text

# Extension -> name of the unstructured partition module and function.
_PARTITIONERS: dict[str, tuple[str, str]] = {
    ".docx": ("unstructured.partition.docx", "partition_docx"),
    ".pptx": ("unstructured.partition.pptx", "partition_pptx"),
    ".xlsx": ("unstructured.partition.xlsx", "partition_xlsx"),
    ".html": ("unstructured.partition.html", "partition_html"),
    ".htm": ("unstructured.partition.html", "partition_html"),
    ".md": ("unstructured.partition.md", "partition_md"),
    ".markdown": ("unstructured.partition.md", "partition_md"),
    ".txt": ("unstructured.partition.text", "partition_text"),
    ".csv": ("unstructured.partition.csv", "partition_csv"),
    ".eml": ("unstructured.partition.email", "partition_email"),
}
FILE_TYPES = frozenset({*_PARTITIONERS, ".pdf"})
_FRONT_MATTER_TYPES = frozenset({".md", ".markdown", ".txt"})
_MARKDOWN_TYPES = frozenset({".md", ".markdown"})


def _partitioner(suffix: str) -> Callable[..., list[Any]]:
    import importlib

    patch_unstructured_spacy()
    module, name = _PARTITIONERS[suffix]
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def table_to_text(html: str) -> str:
    """A table as one paragraph per row, "column: value" per line, so chunks keep rows whole."""
    import lxml.html

    rows = [
        [" ".join(cell.text_content().split()) for cell in tr.xpath("./th|./td")]
        for tr in lxml.html.fromstring(html).xpath("//tr")
    ]
    rows = [r for r in rows if any(r)]
    if len(rows) < 2:
        return "\n".join(" | ".join(r) for r in rows)
    header, body = rows[0], rows[1:]
    return "\n\n".join(
        "\n".join(f"{h}: {v}" if h else v for h, v in zip(header, row, strict=False) if v)
        for row in body
    )


def elements_to_markdown(elements: list[Any]) -> tuple[str, str]:
    """(title, text): unstructured elements as markdown, Title elements as headings by depth."""
    parts: list[str] = []
    title = ""
    for element in elements:
        text = (element.text or "").strip()
        if not text:
            continue
        category = getattr(element, "category", "")
        if category == "Title":
            depth = getattr(element.metadata, "category_depth", None) or 0
            one_line_text = " ".join(text.split())
            title = title or one_line_text
            parts.append(f"{'#' * min(depth + 1, 6)} {one_line_text}")
        elif category == "ListItem":
            parts.append(f"- {text}")
        elif category == "Table" and getattr(element.metadata, "text_as_html", None):
            parts.append(table_to_text(element.metadata.text_as_html))
        else:
            parts.append(text)
    return title, "\n\n".join(parts)


def _subject(elements: list[Any]) -> str:
    for element in elements:
        subject = getattr(element.metadata, "subject", None)
        if subject:
            return str(subject).strip()
    return ""


def read_file(path: Path, doc_id: str) -> SourceDocument:
    """Parse one file into a document; raises ParseError with a one-line reason."""
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        raise ParseError(f"unsupported file type {suffix or '(none)'}")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise ParseError("empty file")
    title = ""
    metadata: dict[str, Any] = {}
    source: dict[str, str] = {"filename": str(path)}
    if suffix in _FRONT_MATTER_TYPES:
        raw = path.read_text(encoding="utf-8", errors="replace")
        metadata, body = split_front_matter(raw)
        if metadata:
            source = {"text": body}
    if suffix in _MARKDOWN_TYPES:
        markdown = source.get("text") or path.read_text(encoding="utf-8", errors="replace")
        title, text = markdown_to_text(markdown)
    elif suffix == ".pdf":
        text = pdf_to_markdown(path)
        first = next((ln for ln in text.splitlines() if ln.startswith("#")), "")
        title = first.lstrip("#").strip()
    else:
        try:
            elements = _partitioner(suffix)(**source)
        except ParseError:
            raise
        except Exception as exc:  # unstructured raises whatever its parser library raises
            kind = suffix.lstrip(".").upper()
            reason = f"not a readable {kind} file ({type(exc).__name__}: {exc})"
            raise ParseError(one_line(reason)) from exc
        first_heading, text = elements_to_markdown(elements)
        title = _subject(elements) if suffix == ".eml" else first_heading
    if not text.strip():
        raise ParseError("no text found in the file")
    title = title or path.stem.replace("_", " ").replace("-", " ").strip()
    return SourceDocument(
        doc_id=doc_id,
        title=title,
        text=text,
        sections=sections_from_text(text),
        source=str(path.resolve()),
        kind="document",
        metadata={**metadata, "format": suffix.lstrip(".")},
    )
