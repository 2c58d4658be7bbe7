"""PDF text with pdfminer.six (the engine of unstructured's "fast" strategy); big type = heading."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine

from casebook.errors import ParseError

Block = tuple[str, float]  # text, dominant font size


def _size(box: LTTextContainer) -> float:
    sizes: Counter[float] = Counter()
    for line in box:
        if isinstance(line, LTTextLine):
            for ch in line:
                if isinstance(ch, LTChar) and ch.get_text().strip():
                    sizes[round(ch.size, 1)] += 1
    return sizes.most_common(1)[0][0] if sizes else 0.0


def pdf_blocks(path: Path) -> list[Block]:
    """Text boxes of every page in reading order, with their font size."""
    from pdfminer.high_level import extract_pages
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        blocks: list[Block] = []
        for page in extract_pages(str(path), laparams=LAParams()):
            for element in page:
                if isinstance(element, LTTextContainer):
                    text = element.get_text().strip()
                    if text:
                        blocks.append((text, _size(element)))
        return blocks
    except PDFSyntaxError as exc:
        raise ParseError(f"not a readable PDF ({exc})") from exc
    except Exception as exc:  # pdfminer raises many types for broken files
        raise ParseError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc


def pdf_to_markdown(path: Path) -> str:
    """The PDF as markdown-like text: boxes set larger than the body text become headings."""
    blocks = pdf_blocks(path)
    if not blocks:
        return ""
    weights: Counter[float] = Counter()
    for text, size in blocks:
        weights[size] += len(text)
    body = weights.most_common(1)[0][0]
    larger = sorted({s for _, s in blocks if s > body * 1.15}, reverse=True)
    level = {s: min(i + 1, 6) for i, s in enumerate(larger)}
    parts = []
    for text, size in blocks:
        one_line = " ".join(text.split())
        if size in level and len(one_line) <= 120:
            parts.append(f"{'#' * level[size]} {one_line}")
        else:
            parts.append(text)
    return "\n\n".join(parts)
