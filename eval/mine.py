"""Cases from real use: resolved interactions in the index and negative feedback on answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from casebook.feedback import FeedbackStore
from casebook.index import Index
from casebook.interactions import Interaction, interaction_from_payload
from casebook.store.base import Condition, Where

RESOLVED = ("resolved", "solved", "closed")


def problem(interaction: Interaction) -> str:
    """The customer's opening turns, up to the first reply."""
    texts: list[str] = []
    for turn in interaction.turns:
        if turn.role != "customer":
            if texts:
                break
            continue
        texts.append(" ".join(turn.text.split()))
    return " ".join(texts)


def resolution(chunk_text: str) -> str:
    """The resolution part of a "Problem: ...\\nResolution: ..." chunk."""
    _, found, rest = chunk_text.partition("Resolution:")
    text = rest.strip() if found else ""
    return "" if text == "(none recorded)" else text


def from_interactions(index: Index, tenant: str) -> list[dict[str, Any]]:
    """One case per resolved interaction: its problem, its resolution, itself as gold."""
    where = Where(must=(Condition("tenant", (tenant,)), Condition("kind", ("resolution",))))
    cases = []
    for point in index.store.scroll(where):
        meta = point.payload.get("metadata") or {}
        if str(meta.get("outcome", "")).lower() not in RESOLVED:
            continue
        interaction = interaction_from_payload(point.payload)
        question, answer = problem(interaction), resolution(point.payload.get("text", ""))
        if not question or not answer:
            continue
        cited = [str(d) for d in meta.get("cited_doc_ids") or []]
        cases.append(
            {
                "qid": f"interaction:{interaction.interaction_id}",
                "question": question,
                "history": [],
                "reference_answer": answer,
                "gold_doc_ids": [interaction.interaction_id, *cited],
                "answerable": True,
                "metadata": {"source": "interaction", "interaction_id": interaction.interaction_id},
            }
        )
    return sorted(cases, key=lambda c: c["qid"])


def from_feedback(data_dir: Path, tenant: str) -> list[dict[str, Any]]:
    """One case per thumbs-down that names the documents the answer should have cited."""
    cases: list[dict[str, Any]] = []
    for record in FeedbackStore(data_dir).read(tenant):
        if record.get("rating") != "down" or not record.get("expected_doc_ids"):
            continue
        cases.append(
            {
                "qid": f"feedback:{record.get('feedback_id', len(cases))}",
                "question": record.get("question", ""),
                "history": record.get("history") or [],
                "reference_answer": "",
                "gold_doc_ids": list(record["expected_doc_ids"]),
                "answerable": True,
                "metadata": {
                    "source": "feedback",
                    "answer_id": record.get("answer_id"),
                    "cited_doc_ids": record.get("cited_doc_ids") or [],
                    "comment": record.get("comment", ""),
                },
            }
        )
    return cases


def mine(index: Index, data_dir: Path, tenant: str, limit: int = 0) -> list[dict[str, Any]]:
    """Feedback cases first (the rarer, sharper signal), then resolved interactions."""
    cases = from_feedback(data_dir, tenant) + from_interactions(index, tenant)
    return cases[:limit] if limit else cases


def write_mined(cases: list[dict[str, Any]], out: Path, tenant: str) -> Path:
    """queries.jsonl in a folder beside `out`, and `out`: a suite scoring it on the live index."""
    folder = out.parent / f"{out.stem}-cases"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(case, ensure_ascii=False) + "\n")
    out.write_text(
        "# Mined by `casebook eval mine` for review: edit or delete cases, then add gates.\n"
        f'name = "{out.stem}"\nindex = "existing"\ntenant = "{tenant}"\n\n'
        f'[[sets]]\nname = "mined"\ndata = "{folder.name}"\n',
        encoding="utf-8",
    )
    return folder
