"""What a suite's questions are put to: an index in this process, or a running service."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from casebook.index import Index, Mode
from casebook.settings import Settings

MARKER = re.compile(r"\s*\[\d+\]")


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk (offsets are -1 where the target does not report them)."""

    doc_id: str
    text: str
    title: str = ""
    start: int = -1
    end: int = -1


@dataclass(frozen=True)
class Reply:
    """An answer or an abstention, with the documents it cited."""

    answerable: bool
    text: str
    cited_doc_ids: list[str]


class Target(Protocol):
    """Search, answer and summarise: the three things a suite measures."""

    def search(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        mode: Mode,
    ) -> list[Hit]: ...

    def answer(
        self, tenant: str, question: str, history: Sequence[Mapping[str, str]], top_k: int
    ) -> Reply: ...

    def summarize(self, tenant: str, interaction_id: str) -> str: ...


@dataclass
class LocalTarget:
    """An index opened by this process, answered through the service's answer path."""

    index: Index
    settings: Settings

    def search(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        mode: Mode,
    ) -> list[Hit]:
        hits = self.index.search(tenant, question, history=history, top_k=top_k, mode=mode)
        return [Hit(h.doc_id, h.text, h.title, h.start, h.end) for h in hits]

    def answer(
        self, tenant: str, question: str, history: Sequence[Mapping[str, str]], top_k: int
    ) -> Reply:
        from casebook import ask

        answerer = ask.Answerer(self.index, self.settings)
        result = ask.answer(answerer, tenant, question, history, top_k=top_k).answer
        text = MARKER.sub("", result.answer) if result.answerable else ""
        return Reply(result.answerable, text, [c.doc_id for c in result.citations])

    def summarize(self, tenant: str, interaction_id: str) -> str:
        from casebook.summary import summarize

        return summarize(self.index.get_interaction(tenant, interaction_id)).text(markers=False)


class HttpTarget:
    """A running Casebook service; the tenant is the API key's."""

    def __init__(self, url: str, key: str | None, timeout_s: float = 60.0) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def search(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        mode: Mode,
    ) -> list[Hit]:
        body = {"query": question, "history": _turns(history), "top_k": top_k, "mode": mode}
        return [
            Hit(r["doc_id"], r.get("text", ""), r.get("title", ""))
            for r in self._post("/v1/search", body)["results"]
        ]

    def answer(
        self, tenant: str, question: str, history: Sequence[Mapping[str, str]], top_k: int
    ) -> Reply:
        body = {"question": question, "history": _turns(history), "top_k": top_k}
        data = self._post("/v1/answer", body)
        answerable = bool(data.get("answerable"))
        text = MARKER.sub("", data.get("answer", "")) if answerable else ""
        return Reply(answerable, text, [c["doc_id"] for c in data.get("citations") or []])

    def summarize(self, tenant: str, interaction_id: str) -> str:
        data = self._post("/v1/summarize", {"interaction_id": interaction_id})
        return MARKER.sub("", re.sub(r"\s*\[t\d+\]", "", str(data.get("summary", ""))))

    def close(self) -> None:
        self.client.close()


def _turns(history: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{"role": t.get("role", "user"), "text": t.get("text", "")} for t in history]
