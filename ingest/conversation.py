"""Turn-aware chunks of an interaction, plus one problem/resolution chunk per interaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core.node_parser import SentenceSplitter

from casebook.interactions import NO_RESOLUTION, RESOLUTION_LABEL, Interaction, Turn
from casebook.models import Chunk
from casebook.shapes import to_json

ROLE_LABELS = {
    "customer": "Customer",
    "agent": "Agent",
    "bot": "Bot",
    "system": "System",
    "internal": "Internal note",
}
_MARKER = re.compile(r"\s*\[t\d+\]")
# the speaker label a summary section may start with
_SPEAKER = re.compile(r"^(?:Customer|Agent|Bot|System|Internal note):\s*")

# summarize(interaction) -> {"issue": str, "resolution": str, "status": str, ...}
Summarize = Callable[[Interaction], dict[str, str]]


def render_turn(turn: Turn) -> str:
    """A turn as one line of a transcript: "Customer: text"."""
    return f"{ROLE_LABELS.get(turn.role, turn.role.title())}: {' '.join(turn.text.split())}"


def transcript(interaction: Interaction) -> tuple[str, list[tuple[int, int]]]:
    """The interaction as text, one turn per line, and each turn's character range in it."""
    lines, spans, pos = [], [], 0
    for turn in interaction.turns:
        line = render_turn(turn)
        lines.append(line)
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return "\n".join(lines), spans


def interaction_title(interaction: Interaction) -> str:
    """The subject, or a name made of channel and id."""
    return interaction.subject or f"{interaction.channel.title()} {interaction.interaction_id}"


class ConversationChunker:
    """Packs whole turns into token-bounded chunks; a turn is split only when it alone is too big.

    Internal notes never share a chunk with public turns, so a `visibility` filter can leave them
    out. Chunks do not overlap: no text of an interaction is indexed twice (an email thread's
    quoted replies are already gone), and the subject heads every chunk for context.
    """

    def __init__(
        self,
        tokenizer: Callable[[str], list[int]],
        chunk_tokens: int,
        summarize: Summarize | None = None,
    ) -> None:
        self.chunk_tokens = chunk_tokens
        self._tokens = tokenizer
        self._summarize = summarize
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens, chunk_overlap=0, tokenizer=tokenizer
        )

    @property
    def signature(self) -> str:
        """What, besides content, decides an interaction's chunks."""
        summarizer = "summary" if self._summarize else "fallback"
        return f"conversation=2;tokens={self.chunk_tokens};{summarizer}"

    def _pieces(self, turn_index: int, line: str, budget: int) -> list[tuple[int, str]]:
        if len(self._tokens(line)) <= budget:
            return [(turn_index, line)]
        return [(turn_index, part) for part in self._splitter.split_text(line)]

    def _groups(self, interaction: Interaction, budget: int) -> list[list[tuple[int, str]]]:
        """Runs of (turn index, text) that fit the budget, split where visibility changes."""
        groups: list[list[tuple[int, str]]] = []
        current: list[tuple[int, str]] = []
        size = 0
        internal = None
        for index, turn in enumerate(interaction.turns):
            is_internal = turn.role == "internal"
            for piece in self._pieces(index, render_turn(turn), budget):
                cost = len(self._tokens(piece[1])) + 1
                if current and (size + cost > budget or is_internal != internal):
                    groups.append(current)
                    current, size = [], 0
                current.append(piece)
                size += cost
                internal = is_internal
        if current:
            groups.append(current)
        return groups

    def chunk(self, interaction: Interaction, tenant: str, doc_hash: str) -> list[Chunk]:
        """The interaction's chunks in order, then its resolution chunk."""
        title = interaction_title(interaction)
        text, spans = transcript(interaction)
        fields = interaction.fields()
        budget = max(self.chunk_tokens - len(self._tokens(title)) - 1, self.chunk_tokens // 2)
        chunks: list[Chunk] = []
        for group in self._groups(interaction, budget):
            first, last = group[0][0], group[-1][0]
            roles = sorted({interaction.turns[i].role for i, _ in group})
            body = "\n".join(piece for _, piece in group)
            chunks.append(
                Chunk(
                    tenant=tenant,
                    doc_id=interaction.interaction_id,
                    doc_hash=doc_hash,
                    position=len(chunks),
                    text=body,
                    section=(),
                    start=spans[first][0],
                    end=spans[last][1],
                    title=title,
                    source=interaction.source,
                    kind="interaction",
                    metadata=fields
                    | {"visibility": "internal" if roles == ["internal"] else "public"},
                    context=title,
                    extra={"turn_start": first, "turn_end": last, "roles": roles},
                )
            )
        chunks.append(self._resolution(interaction, tenant, doc_hash, len(chunks), text, fields))
        return chunks

    def _resolution(
        self,
        interaction: Interaction,
        tenant: str,
        doc_hash: str,
        position: int,
        text: str,
        fields: dict[str, Any],
    ) -> Chunk:
        """ "Problem: ... Resolution: ..." for "how did we fix X before", holding every turn."""
        sections = (
            self._summarize(interaction) if self._summarize else fallback_sections(interaction)
        )
        problem = _SPEAKER.sub("", _MARKER.sub("", sections.get("issue", "")).strip())
        resolution = _SPEAKER.sub("", _MARKER.sub("", sections.get("resolution", "")).strip())
        status = sections.get("status", "") or interaction.status or "unknown"
        body = f"Problem: {problem}\n{RESOLUTION_LABEL}{resolution or NO_RESOLUTION}"
        pieces = self._splitter.split_text(body)
        # the chunk's range is where its resolution is in the transcript (0, 0: not verbatim)
        found = text.find(resolution) if resolution else -1
        start, end = (found, found + len(resolution)) if found >= 0 else (0, 0)
        return Chunk(
            tenant=tenant,
            doc_id=interaction.interaction_id,
            doc_hash=doc_hash,
            position=position,
            text=pieces[0] if pieces else body,
            section=(),
            start=start,
            end=end,
            title=interaction_title(interaction),
            source=interaction.source,
            kind="resolution",
            metadata=fields | {"visibility": "public", "outcome": status},
            context=interaction_title(interaction),
            extra={"turns": [to_json(t) for t in interaction.turns]},
        )


def fallback_sections(interaction: Interaction) -> dict[str, str]:
    """Issue = the first customer turn, resolution = the last agent turn (no summarizer)."""
    first = _first(interaction.turns, "customer")
    last = _first(list(reversed(interaction.turns)), "agent")
    return {"issue": first, "resolution": last, "status": interaction.status}


def _first(turns: Sequence[Turn], role: str) -> str:
    return next((" ".join(t.text.split()) for t in turns if t.role == role), "")
