"""Heading structure of plain text, and token-bounded chunks within sections."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.embedding import Embedder
from casebook.models import Section, SourceDocument, chunk_id
from ingest.chunking import Chunker
from ingest.structure import looks_like_heading, sections_from_text

MARKDOWN = """# Billing

How invoices are issued.

## Refunds

Refunds take five days.

### Card refunds

Cards are refunded to the card.

## Disputes

Open a dispute within thirty days.

# Shipping

We ship worldwide.
"""


def paths(text: str) -> list[tuple[tuple[str, ...], str]]:
    return [(s.path, s.text) for s in sections_from_text(text)]


def assert_offsets(text: str, sections: list[Section]) -> None:
    for section in sections:
        assert text[section.start : section.start + len(section.text)] == section.text


def test_markdown_heading_levels_nest_and_a_higher_heading_resets_the_path() -> None:
    assert paths(MARKDOWN) == [
        (("Billing",), "How invoices are issued."),
        (("Billing", "Refunds"), "Refunds take five days."),
        (("Billing", "Refunds", "Card refunds"), "Cards are refunded to the card."),
        (("Billing", "Disputes"), "Open a dispute within thirty days."),
        (("Shipping",), "We ship worldwide."),
    ]


def test_section_offsets_index_into_the_text() -> None:
    sections = sections_from_text(MARKDOWN)
    assert_offsets(MARKDOWN, sections)
    assert [s.start for s in sections] == sorted(s.start for s in sections)


def test_text_before_the_first_heading_has_an_empty_path() -> None:
    text = "Intro paragraph without a heading.\n\n# Setup\n\nPlug it in."
    assert paths(text) == [((), "Intro paragraph without a heading."), (("Setup",), "Plug it in.")]


def test_skipped_heading_levels_keep_the_parent() -> None:
    text = "# Guide\n\n### Deep detail\n\nBody text."
    assert paths(text) == [(("Guide", "Deep detail"), "Body text.")]


def test_closing_hashes_are_not_part_of_a_heading() -> None:
    assert paths("## Returns ##\n\nSend it back.") == [(("Returns",), "Send it back.")]


def test_a_heading_line_followed_by_body_lines_is_a_heading() -> None:
    text = (
        "Opening Hours\nWe are open from nine to five.\n\n"
        "Contact Us\nCall the support line or write an email."
    )
    sections = sections_from_text(text)
    assert [(s.path, s.text) for s in sections] == [
        (("Opening Hours",), "We are open from nine to five."),
        (("Contact Us",), "Call the support line or write an email."),
    ]
    assert_offsets(text, sections)


def test_a_heading_like_line_alone_in_its_block_is_body_text() -> None:
    text = "Opening Hours\n\nWe are open from nine to five."
    assert paths(text) == [((), "Opening Hours\n\nWe are open from nine to five.")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Opening Hours", True),
        ("2. Installation", True),
        ("This sentence ends with a full stop.", False),
        ("- a list item", False),
        ("lowercase start", False),
        ("(parenthesised)", False),
        ("Note:", False),
        ("A " + "very " * 20 + "long line", False),
        ("", False),
    ],
)
def test_looks_like_heading(line: str, expected: bool) -> None:
    assert looks_like_heading(line) is expected


def test_empty_or_blank_text_has_no_sections() -> None:
    assert sections_from_text("") == []
    assert sections_from_text("  \n\n \t\n") == []


def test_a_heading_without_body_makes_no_section() -> None:
    assert paths("# Only a heading\n\n## And another") == []


@given(
    text=st.lists(
        st.sampled_from(
            [
                "# Title",
                "## Sub",
                "### Deep",
                "Heading Line",
                "body text here.",
                "more words",
                "\n",
                "\n\n",
                "  ",
                "x",
                "Déjà vu",
                "- item",
                "\t",
            ]
        ),
        max_size=40,
    ).map(" ".join)
)
@settings(max_examples=60, deadline=None)
def test_section_offsets_hold_for_any_text(text: str) -> None:
    sections = sections_from_text(text)
    assert_offsets(text, sections)
    assert all(s.text == s.text.strip() and s.text for s in sections)


# --- chunking -------------------------------------------------------------------------------


def long_markdown() -> str:
    sentences = " ".join(
        f"Step {i} of the reset moves the dial and the display blinks twice." for i in range(60)
    )
    return (
        f"# Thermostat manual\n\n## Resetting\n\n{sentences}\n\n"
        "## Batteries\n\nUse two AA batteries and replace them yearly.\n\n"
        "# Warranty\n\nThe warranty lasts two years."
    )


def make_doc(
    text: str, doc_id: str = "manual.md", title: str = "Thermostat manual"
) -> SourceDocument:
    return SourceDocument(doc_id, title, text, sections_from_text(text), "/docs/manual.md")


@pytest.fixture(scope="module")
def small_chunker(embedder: Embedder) -> Chunker:
    return Chunker(embedder.tokens, 64, 16)


def test_chunks_never_mix_two_sections(small_chunker: Chunker) -> None:
    doc = make_doc(long_markdown())
    chunks = small_chunker.chunk(doc, "acme", "h1")
    sections = {s.path: s for s in doc.sections}
    assert len(chunks) > len(doc.sections)  # the long section is split
    for chunk in chunks:
        section = sections[chunk.section]
        assert section.start <= chunk.start and chunk.end <= section.start + len(section.text)
    assert [c.section for c in chunks] == sorted(
        (c.section for c in chunks), key=[s.path for s in doc.sections].index
    )


def test_chunk_text_and_indexed_text_fit_the_token_budget(
    small_chunker: Chunker, embedder: Embedder
) -> None:
    chunks = small_chunker.chunk(make_doc(long_markdown()), "acme", "h1")
    for chunk in chunks:
        assert len(embedder.tokens(chunk.text)) <= 64
        assert len(embedder.tokens(chunk.indexed_text)) <= 64


def test_chunk_offsets_point_at_the_chunk_text(small_chunker: Chunker) -> None:
    doc = make_doc(long_markdown())
    for chunk in small_chunker.chunk(doc, "acme", "h1"):
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_neighbouring_chunks_of_a_section_overlap(small_chunker: Chunker) -> None:
    doc = make_doc(long_markdown())
    resetting = [c for c in small_chunker.chunk(doc, "acme", "h1") if c.section[-1] == "Resetting"]
    assert len(resetting) >= 3
    for before, after in zip(resetting, resetting[1:], strict=False):
        assert after.start < before.end  # shares some text with the previous chunk
        assert after.start > before.start


def test_indexed_text_starts_with_the_heading_path(small_chunker: Chunker) -> None:
    chunks = small_chunker.chunk(make_doc(long_markdown()), "acme", "h1")
    battery = next(c for c in chunks if c.section == ("Thermostat manual", "Batteries"))
    # The title equals the first heading, so it is not repeated.
    assert battery.context == "Thermostat manual > Batteries"
    assert battery.indexed_text == f"Thermostat manual > Batteries\n{battery.text}"


def test_chunk_ids_are_deterministic_and_differ_by_tenant(small_chunker: Chunker) -> None:
    doc = make_doc(long_markdown())
    first = small_chunker.chunk(doc, "acme", "h1")
    again = small_chunker.chunk(doc, "acme", "h1")
    other = small_chunker.chunk(doc, "globex", "h1")

    assert [c.id for c in first] == [c.id for c in again]
    assert [c.position for c in first] == list(range(len(first)))
    assert [c.id for c in first] == [chunk_id("acme", doc.doc_id, i) for i in range(len(first))]
    assert len({c.id for c in first}) == len(first)
    assert not {c.id for c in first} & {c.id for c in other}


def test_chunk_ids_differ_by_document_and_ignore_content() -> None:
    assert chunk_id("acme", "a.md", 0) != chunk_id("acme", "b.md", 0)
    assert chunk_id("acme", "a.md", 0) != chunk_id("acme", "a.md", 1)
    assert chunk_id("acme", "a.md", 0) == chunk_id("acme", "a.md", 0)


def test_chunks_carry_the_document_fields(small_chunker: Chunker) -> None:
    doc = SourceDocument(
        "kb-7",
        "Router",
        "The router blinks orange while updating.",
        sections_from_text("The router blinks orange while updating."),
        "/kb.jsonl",
        kind="faq",
        metadata={"product": "router"},
    )
    (chunk,) = small_chunker.chunk(doc, "acme", "hash-1")
    assert (chunk.tenant, chunk.doc_id, chunk.doc_hash, chunk.kind) == (
        "acme",
        "kb-7",
        "hash-1",
        "faq",
    )
    assert chunk.payload()["metadata"] == {"product": "router"}
    assert chunk.payload()["section"] == []


def test_overlap_is_capped_at_half_the_budget(embedder: Embedder) -> None:
    chunker = Chunker(embedder.tokens, 64, 500)
    assert chunker.overlap == 32
    assert "overlap=32" in chunker.signature


@given(
    text=st.lists(
        st.sampled_from(
            [
                "# Title",
                "## Sub",
                "Heading Line\n",
                "The dial turns.",
                "refund,",
                "\n\n",
                "  ",
                "x" * 25,
                "日本語",
                "Déjà vu.",
                "\n",
            ]
        ),
        min_size=1,
        max_size=120,
    ).map(" ".join)
)
@settings(max_examples=40, deadline=None)
def test_chunk_offsets_and_budget_hold_for_any_text(
    text: str, small_chunker: Chunker, embedder: Embedder
) -> None:
    doc = make_doc(text, title="T")
    for chunk in small_chunker.chunk(doc, "acme", "h"):
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(embedder.tokens(chunk.text)) <= 64


def test_indexed_text_fits_the_budget_under_a_very_long_heading_path(
    small_chunker: Chunker, embedder: Embedder
) -> None:
    heading = " ".join(["Extraordinarily"] * 30)
    body = " ".join(f"Sentence {i} is about the thermostat." for i in range(40))
    doc = make_doc(f"# {heading}\n\n{body}", title="Manual")
    chunks = small_chunker.chunk(doc, "acme", "h")
    assert chunks
    assert all(len(embedder.tokens(c.indexed_text)) <= 64 for c in chunks)
