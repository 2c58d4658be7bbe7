"""The packaged answer reranker: hash-checked, and the order it gives search hits."""

from __future__ import annotations

from answers.reranker import packaged_reranker, query_text, rerank_hits
from casebook.models import SearchResult


def hit(doc_id: str, text: str, score: float) -> SearchResult:
    return SearchResult(
        chunk_id=f"{doc_id}#0", doc_id=doc_id, text=text, score=score, title=doc_id,
        section=[], start=0, end=len(text), kind="document", source=doc_id, metadata={},
    )  # fmt: skip


def test_the_reranker_puts_the_passage_that_answers_first_and_keeps_the_tail() -> None:
    hits = [
        hit("billing", "You can pay by card or PayPal. Invoices are emailed monthly.", 0.9),
        hit("refunds", "Refunds reach your card 3-10 business days after we receive the parcel.",
            0.8),  # fmt: skip
        hit("shipping", "We ship to street addresses and parcel lockers.", 0.7),
        hit("tail", "Anything past the depth stays where it was.", 0.1),
    ]
    query = query_text("how long do refunds take to reach my card?")
    ranked = rerank_hits(packaged_reranker(), query, hits, depth=3)
    assert ranked[0].doc_id == "refunds"
    assert sorted(h.doc_id for h in ranked[:3]) == ["billing", "refunds", "shipping"]
    assert ranked[3].doc_id == "tail"
