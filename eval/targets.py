"""What a suite's questions are put to: an index in this process, or a running service."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from casebook.index import Index, Mode
from casebook.settings import Settings
from casebook.shapes import to_json

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


@dataclass(frozen=True)
class Probe:
    """One case as a suite puts it to a target: a question after its conversation, in a
    tenant, leaving out some documents (a mined case's own source interaction)."""

    tenant: str
    question: str
    history: Sequence[Mapping[str, str]] = ()
    exclude: Sequence[str] = ()

    @property
    def filters(self) -> dict[str, Any] | None:
        """The filter that leaves the excluded documents out, or None."""
        return {"doc_id": {"not": list(self.exclude)}} if self.exclude else None


class Target(Protocol):
    """Search, answer and summarise: the three things a suite measures."""

    def search(self, probe: Probe, top_k: int, mode: Mode) -> list[Hit]: ...

    def answer(self, probe: Probe, top_k: int) -> Reply: ...

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

    def search(self, probe: Probe, top_k: int, mode: Mode) -> list[Hit]:
        hits = self.index.search(
            probe.tenant, probe.question, history=probe.history, top_k=top_k, mode=mode,
            filters=probe.filters,
        )  # fmt: skip
        return [Hit(h.doc_id, h.text, h.title, h.start, h.end) for h in hits]

    def answer(self, probe: Probe, top_k: int) -> Reply:
        from answers import ask

        asked = ask.Asked(probe.tenant, probe.question, probe.history, probe.filters, top_k)
        return reply(to_json(ask.answer(self.answerer, asked)))

    def summarize(self, tenant: str, interaction_id: str) -> str:
        from summaries.interaction import summarize

        return summarize(self.index.get_interaction(tenant, interaction_id)).text(markers=False)


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

    def search(self, probe: Probe, top_k: int, mode: Mode) -> list[Hit]:
        body = _body(probe, query=probe.question, top_k=top_k, mode=mode)
        return [
            Hit(r["doc_id"], r.get("text", ""), r.get("title", ""))
            for r in self._post("/v1/search", body)["results"]
        ]

    def answer(self, probe: Probe, top_k: int) -> Reply:
        return reply(self._post("/v1/answer", _body(probe, question=probe.question, top_k=top_k)))

    def summarize(self, tenant: str, interaction_id: str) -> str:
        data = self._post("/v1/summarize", {"interaction_id": interaction_id})
        return MARKER.sub("", re.sub(r"\s*\[t\d+\]", "", str(data.get("summary", ""))))

    def close(self) -> None:
        self.client.close()


def _body(probe: Probe, **fields: Any) -> dict[str, Any]:
    """A request body (the tenant is the key's): the fields, the conversation, the filter."""
    turns = [{"role": t.get("role", "user"), "text": t.get("text", "")} for t in probe.history]
    body: dict[str, Any] = {**fields, "history": turns}
    if probe.exclude:
        body["filters"] = probe.filters
    return body
