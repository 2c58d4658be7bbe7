"""The answer reranker: a small cross-encoder that scores whether a passage answers a question.

It is all-MiniLM-L6-v2 (the packaged embedding model) fine-tuned as a cross-encoder by
``training/train_reranker.py`` on doc2dial, CLAPNQ and MTRAG (see ``reranker/MODEL_CARD.md``).
Its word embeddings were frozen in training, so the package carries only the rest of the
network (``reranker/weights.safetensors``, bf16, hash-checked) and takes the word embeddings
from the packaged MiniLM. Nothing is downloaded.

``query_text`` and ``passage_text`` are the one way questions and passages are written for it,
in training and at run time alike.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from casebook.embedding import packaged_model_path, resolve_dtype, verify_packaged_model
from casebook.errors import CasebookError
from casebook.models import SearchResult, heading_path

MODEL_DIR = Path(__file__).parent / "reranker"
WEIGHTS = "weights.safetensors"
MAX_LENGTH = 128
MAX_QUERY_CHARS = 400
MAX_CONTEXT_CHARS = 200


def query_text(question: str, history: Sequence[Mapping[str, str]] | None = None) -> str:
    """The question, with the last earlier user turn after it when there is one (a follow-up
    such as "how long do I have?" says little alone)."""
    last_user = ""
    for turn in reversed(history or []):
        if turn.get("role", "user") in ("user", "customer") and turn.get("text", "").strip():
            last_user = turn["text"].strip()
            break
    text = question.strip()
    if last_user and last_user != text:
        text = f"{text} | {last_user}"
    return text[-MAX_QUERY_CHARS:] if len(text) > MAX_QUERY_CHARS else text


def passage_text(title: str, context: str, text: str) -> str:
    """A candidate answer as the reranker reads it: where it is (title and section, or a FAQ's
    question), the sentence before it, and the candidate itself."""
    context = context.strip()
    if len(context) > MAX_CONTEXT_CHARS:
        context = "..." + context[-MAX_CONTEXT_CHARS:]
    return "\n".join(p for p in (title.strip(), context, text.strip()) if p)


class RerankerError(CasebookError):
    """The packaged reranker is missing or failed its integrity check."""


class Reranker:
    """Scores (query, passage) pairs: a logit, higher when the passage answers the query."""

    def __init__(self, folder: Path = MODEL_DIR, dtype: str = "auto") -> None:
        import torch
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        weights = folder / WEIGHTS
        if not weights.is_file():
            raise RerankerError(f"the packaged reranker has no weights at {weights}")
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        if digest != card["sha256"]:
            raise RerankerError(
                f"the packaged reranker at {weights} failed its integrity check "
                f"(sha256 {digest[:12]}..., expected {card['sha256'][:12]}...)"
            )
        base = packaged_model_path()
        verify_packaged_model(base)
        config = AutoConfig.from_pretrained(base, num_labels=1, local_files_only=True)
        model = AutoModelForSequenceClassification.from_config(config)
        state = {k: v.float() for k, v in load_file(str(weights)).items()}
        state.update(base_word_embeddings(base))
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise RerankerError(f"reranker weights do not fit: {missing[:3]} {unexpected[:3]}")
        self.dtype = resolve_dtype(dtype)  # type: ignore[arg-type]
        self.model = model.to(self.dtype).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        self.temperature = float(card.get("calibration", {}).get("a", 1.0))
        self.bias = float(card.get("calibration", {}).get("b", 0.0))
        self._torch = torch

    def logits(self, query: str, passages: Sequence[str]) -> list[float]:
        """One raw score per passage."""
        if not passages:
            return []
        torch = self._torch
        batch = self.tokenizer(
            [query] * len(passages),
            list(passages),
            truncation="longest_first",
            max_length=MAX_LENGTH,
            padding=True,
            return_tensors="pt",
        )
        with torch.inference_mode():
            out = self.model(**batch).logits.float().reshape(-1)
        return [float(x) for x in out]

    def probability(self, logit: float) -> float:
        """The calibrated chance that a passage with this score answers the question."""
        z = self.temperature * logit + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def base_word_embeddings(base: Path) -> dict[str, Any]:
    """The packaged MiniLM's word embeddings, under the cross-encoder's parameter name."""
    from safetensors.torch import load_file

    tensors = load_file(str(base / "model.safetensors"))
    key = next(k for k in tensors if k.endswith("embeddings.word_embeddings.weight"))
    return {"bert.embeddings.word_embeddings.weight": tensors[key].float()}


def rerank_hits(
    reranker: Reranker, query: str, hits: Sequence[SearchResult], depth: int = 20
) -> list[SearchResult]:
    """The first `depth` hits in the reranker's order (each read as its title, section and the
    start of its text), the rest after them as they were."""
    head = list(hits[:depth])
    passages = [passage_text(heading_path(h.title, tuple(h.section)), "", h.text) for h in head]
    scores = reranker.logits(query, passages)
    order = sorted(range(len(head)), key=lambda i: -scores[i])
    return [head[i] for i in order] + list(hits[depth:])


@functools.lru_cache(maxsize=2)
def packaged_reranker(dtype: str = "auto") -> Reranker:
    """The shipped reranker, loaded once per process."""
    return Reranker(MODEL_DIR, dtype)
