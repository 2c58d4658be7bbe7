"""Prompt-injection checks: instruction-like text in sources, and replies that followed one.

A source is data; text in it that addresses the model ("ignore previous instructions", a fake
system prompt, an image whose URL carries data out) or holds a markdown link is never quoted in
an answer, and a reply that repeats such an instruction, draws an image, or contains a canary
string planted in test documents is replaced by the extractive answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from casebook.sentences import WORD, split_sentences

INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}?\b(?:instructions?|prompts?|rules|"
    r"guidelines|directions)\b"
    r"|\b(?:system|developer)\s+(?:prompt|message|override|instructions?)\b"
    r"|\b(?:developer mode|jailbreak|you are now)\b|\b(?:system|assistant)\s*:"
    r"|<\|?\s*(?:im_start|im_end|system|endoftext)\s*\|?>|\[/?(?:INST|SYSTEM)\]|^#+\s*system\b",
    re.IGNORECASE | re.MULTILINE,
)
# The prompt's own tags, raw or as escaped in a prompt: no document or answer has a use for them.
DELIMITER = re.compile(
    r"(?:<|&lt;)\s*/?\s*(?:sources?|turn|conversation|question)\b|(?:<|&lt;)\|", re.IGNORECASE
)
IMAGE = re.compile(r"!\[[^\]\n]*\]\s*\(|<img\b", re.IGNORECASE)
# Markdown links, reference links and their definitions: a quote is shown as written, so one
# with a link (which may carry data out, or lead to a phishing page) is never quoted.
LINK = re.compile(r"\[[^\]\n]*\]\s*[(\[]|^\s*\[[^\]\n]+\]:\s*\S", re.MULTILINE)
ECHO_WORDS = 8  # a reply sharing this many words in a row with an injected instruction obeyed it


def has_canary(text: str, canaries: Iterable[str]) -> bool:
    """Whether text contains one of the canary strings (case-insensitive)."""
    lower = text.lower()
    return any(c and c.lower() in lower for c in canaries)


def looks_injected(text: str, canaries: Sequence[str] = ()) -> bool:
    """Whether text addresses the model, holds a prompt tag, draws an image, or has a canary."""
    found = INSTRUCTION.search(text) or DELIMITER.search(text) or IMAGE.search(text)
    return bool(found) or has_canary(text, canaries)


def quotable(text: str, canaries: Sequence[str] = ()) -> bool:
    """Whether an answer may quote text: nothing injected, and no link."""
    return not looks_injected(text, canaries) and not LINK.search(text)


def _grams(text: str) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + ECHO_WORDS]) for i in range(len(words) - ECHO_WORDS + 1)}


def reply_check(sources: Iterable[str], canaries: Sequence[str] = ()) -> Callable[[str], bool]:
    """A test of reply text: True when it followed (or repeats) an instruction in the sources."""
    injected: set[tuple[str, ...]] = set()
    for text in sources:
        for start, end in split_sentences(text):
            if looks_injected(text[start:end], canaries):
                injected |= _grams(text[start:end])

    def check(reply: str) -> bool:
        return looks_injected(reply, canaries) or bool(injected & _grams(reply))

    return check
