"""What a suite's questions are put to: an index in this process, or a running service."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from casebook.index import Index, Mode
from casebook.settings import Settings

MARKER = re.compile(r"\s*\[\d+\]")
RETRIES_429 = 5  # a rate-limited request is retried after its Retry-After


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
    """An answer or an abstention, with the documents it cited and how it was made."""

    answerable: bool
    text: str
    cited_doc_ids: list[str]
    confidence: float = 0.0
    generator: str = "extractive"
    fallback_reason: str | None = None


class TargetError(RuntimeError):
    """The service cannot be reached or refused the key: no result can be had."""


class Target(Protocol):
    """Search, answer and summarise: the three things a suite measures."""

    def search(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        mode: Mode,
        exclude: Sequence[str] = (),
    ) -> list[Hit]: ...

    def answer(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        exclude: Sequence[str] = (),
    ) -> Reply: ...

    def summarize(self, tenant: str, interaction_id: str) -> str: ...


@dataclass
class LocalTarget:
    """An index opened by this process, answered as the service answers: the same settings,
    the packaged reranker and the configured LLM (the agent audience: no hand-off)."""

    index: Index
    settings: Settings
    answerer: Any = None

    def __post_init__(self) -> None:
        from answers import ask
        from answers.reranker import packaged_reranker
        from casebook.llm import build_llm

        self.answerer = ask.Answerer(
            self.index, self.settings, packaged_reranker(), build_llm(self.settings)
        )

    def search(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        mode: Mode,
        exclude: Sequence[str] = (),
    ) -> list[Hit]:
        hits = self.index.search(
            tenant, question, history=history, top_k=top_k, mode=mode, filters=excluding(exclude)
        )
        return [Hit(h.doc_id, h.text, h.title, h.start, h.end) for h in hits]

    def answer(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        exclude: Sequence[str] = (),
    ) -> Reply:
        from answers import ask

        asked = ask.Asked(tenant, question, history, excluding(exclude), top_k)
        result = ask.answer(self.answerer, asked)
        return reply(result.to_json())

    def summarize(self, tenant: str, interaction_id: str) -> str:
        from summaries.interaction import summarize

        return summarize(self.index.get_interaction(tenant, interaction_id)).text(markers=False)


def excluding(doc_ids: Sequence[str]) -> dict[str, Any] | None:
    """The filter that leaves documents out (a mined case's source interaction), or None."""
    return {"doc_id": {"not": list(doc_ids)}} if doc_ids else None


def reply(data: Mapping[str, Any]) -> Reply:
    """A Reply from the answer JSON (AnswerResponse), the same in process and over HTTP."""
    answerable = bool(data.get("answerable"))
    return Reply(
        answerable,
        MARKER.sub("", data.get("answer", "")) if answerable else "",
        [c["doc_id"] for c in data.get("citations") or []],
        float(data.get("confidence") or 0.0),
        str(data.get("generator") or "extractive"),
        data.get("fallback_reason"),
    )


class HttpTarget:
    """A running Casebook service; the tenant is the API key's."""

    def __init__(self, url: str, key: str | None, timeout_s: float = 60.0) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)

        self.url = url

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        for attempt in range(RETRIES_429 + 1):
            try:
                response = self.client.post(path, json=body)
            except httpx.TransportError as exc:
                reason = str(exc) or type(exc).__name__
                raise TargetError(f"cannot reach {self.url}: {reason}") from None
            if response.status_code != 429 or attempt == RETRIES_429:
                break
            time.sleep(min(10.0, float(response.headers.get("Retry-After") or 1)))
        if response.status_code in (401, 403):
            raise TargetError(
                f"{self.url} refused the key ({response.status_code} on {path}): "
                "check --key / CASEBOOK_API_KEY and its role"
            )
        if response.status_code >= 400:
            raise TargetError(f"{self.url}{path} answered {response.status_code}: "
                              f"{response.text[:200]}")  # fmt: skip
        data: dict[str, Any] = response.json()
        return data

    def search(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        mode: Mode,
        exclude: Sequence[str] = (),
    ) -> list[Hit]:
        body: dict[str, Any] = {
            "query": question, "history": _turns(history), "top_k": top_k, "mode": mode
        }  # fmt: skip
        if exclude:
            body["filters"] = excluding(exclude)
        return [
            Hit(r["doc_id"], r.get("text", ""), r.get("title", ""))
            for r in self._post("/v1/search", body)["results"]
        ]

    def answer(
        self,
        tenant: str,
        question: str,
        history: Sequence[Mapping[str, str]],
        top_k: int,
        exclude: Sequence[str] = (),
    ) -> Reply:
        body: dict[str, Any] = {"question": question, "history": _turns(history), "top_k": top_k}
        if exclude:
            body["filters"] = excluding(exclude)
        return reply(self._post("/v1/answer", body))

    def summarize(self, tenant: str, interaction_id: str) -> str:
        data = self._post("/v1/summarize", {"interaction_id": interaction_id})
        return MARKER.sub("", re.sub(r"\s*\[t\d+\]", "", str(data.get("summary", ""))))

    def close(self) -> None:
        self.client.close()


def _turns(history: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{"role": t.get("role", "user"), "text": t.get("text", "")} for t in history]
