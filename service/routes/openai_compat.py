"""OpenAI-compatible chat completions and models: copilots built on the openai SDK get Casebook's
cited answers (streamed or not) with the same keys and tenants as the rest of the API."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from itertools import chain, islice
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, Response, StreamingResponse

from answers.ask import Asked
from casebook.errors import ModelNotFound
from casebook.settings import Settings
from service.answering import answer_question, stream_answer
from service.auth import ReaderDep
from service.deps import AnsweringDep, SettingsDep
from service.filter_schemas import filters_json
from service.openai_schemas import (
    EXTRACTIVE_MODEL,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    Model,
    ModelList,
    answer_info,
)
from service.schemas import ErrorBody

router = APIRouter(tags=["openai"])

DESCRIPTION = """OpenAI's chat completions, answered by Casebook from the caller's tenant.

Point an OpenAI client at `base_url=http://HOST:8000/v1` with a Casebook key as its API key.
Model `casebook-extractive` quotes the sources; with an LLM configured (CASEBOOK_LLM_PROVIDER),
`casebook-MODEL` (see GET /v1/models) writes the answer from them, as `/v1/answer` does.
The last user message is the question; the user and assistant messages before it are the
history. System, developer and tool messages are ignored: answers come from the tenant's
sources, not from a client's prompt.

The answer is the assistant message's content, with `[n]` markers; the citations are in the
extra top-level field `citations` (`[n]` is `citations[n-1]`), and `casebook` holds the
answer's id (for `POST /v1/feedback`), whether it was answered, its confidence, the reason
when it was not and, with an LLM, `generator` and `fallback_reason`.

With `"stream": true` the response is Server-Sent Events: `chat.completion.chunk` objects with
`delta.content`, a last chunk with `finish_reason: "stop"` that carries `citations` and
`casebook`, then `data: [DONE]`. A generated answer's text is sent once it has passed its
checks (valid citations, no injected instruction): an OpenAI stream cannot take text back, as
`/v1/answer`'s stream does with its `reset` event.

Chat clients send whole conversations, so long ones are trimmed as `/v1/answer` trims them:
the history keeps its last CASEBOOK_MAX_HISTORY_TURNS messages, and an over-long message keeps
its end (CASEBOOK_MAX_QUERY_CHARS for the question, CASEBOOK_MAX_TURN_CHARS for a turn).
`filters` and `top_k` are Casebook extensions (openai SDK: `extra_body`)."""

# One Server-Sent Event (OpenAPI 3.1 reads a stream's schema as each event's): its data is a
# chat.completion.chunk as JSON, or [DONE].
SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "string", "description": "A chunk as JSON, or [DONE]."}},
}
SSE_EXAMPLE = (
    'data: {"id": "chatcmpl-5f0c", "object": "chat.completion.chunk", "created": 1767225600, '
    '"model": "casebook-extractive", "choices": [{"index": 0, "delta": {"role": "assistant", '
    '"content": "Hold the dial for ten seconds to reset it. [1]"}, "finish_reason": null, '
    '"logprobs": null}]}\n\n'
    'data: {"id": "chatcmpl-5f0c", "object": "chat.completion.chunk", "created": 1767225600, '
    '"model": "casebook-extractive", "choices": [{"index": 0, "delta": {}, "finish_reason": '
    '"stop", "logprobs": null}], "citations": [...], "casebook": {...}}\n\n'
    "data: [DONE]\n\n"
)
REQUEST_EXAMPLES: dict[str, Any] = {
    "follow-up": {
        "summary": "A follow-up question, answered in one response",
        "value": {
            "model": EXTRACTIVE_MODEL,
            "messages": [
                {"role": "user", "content": "My router will not connect to wifi."},
                {"role": "assistant", "content": "Hold the router pin button to reset it. [1]"},
                {"role": "user", "content": "How long do I hold it?"},
            ],
        },
    },
    "stream": {
        "summary": "Streamed as Server-Sent Events",
        "value": {
            "model": EXTRACTIVE_MODEL,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Refund time?"}]}],
            "stream": True,
        },
    },
}


def model_ids(settings: Settings) -> list[str]:
    """casebook-extractive, and casebook-MODEL when an LLM is configured."""
    if settings.llm_provider == "none":
        return [EXTRACTIVE_MODEL]
    name = settings.llm_model or settings.llm_deployment or settings.llm_provider
    return [EXTRACTIVE_MODEL, f"casebook-{name}"]


@router.get("/v1/models")
def models(settings: SettingsDep, caller: ReaderDep) -> ModelList:
    """The models a client may name: casebook-extractive, and the LLM-backed one if configured."""
    return ModelList(data=[Model(id=name) for name in model_ids(settings)])


@router.get(
    "/v1/models/{model_id}",
    responses={404: {"model": ErrorBody, "description": "No such model."}},
)
def model(model_id: str, settings: SettingsDep, caller: ReaderDep) -> Model:
    """One model, as GET /v1/models lists it."""
    if model_id not in model_ids(settings):
        raise ModelNotFound(model_id)
    return Model(id=model_id)


@router.post(
    "/v1/chat/completions",
    description=DESCRIPTION,
    response_model=None,
    responses={
        200: {
            "model": ChatCompletion,
            "description": "The answer as a chat.completion, or chunks when streamed.",
            "content": {"text/event-stream": {"schema": SSE_EVENT, "example": SSE_EXAMPLE}},
        },
        404: {"model": ErrorBody, "description": "No such model."},
    },
)
def chat_completions(
    body: Annotated[ChatCompletionRequest, Body(openapi_examples=REQUEST_EXAMPLES)],
    answering: AnsweringDep,
    settings: SettingsDep,
    caller: ReaderDep,
) -> Response:
    """Answer the conversation's last user message, OpenAI-style."""
    if body.model not in model_ids(settings):
        raise ModelNotFound(body.model)
    question, history = conversation(body.messages, settings)
    top_k = min(body.top_k, settings.max_top_k)
    asked = Asked(caller.tenant, question, history, filters_json(body.filters), top_k,
                  caller.audience)  # fmt: skip
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.model == EXTRACTIVE_MODEL:
        answering = answering.extractive()
    if body.stream:
        events = stream_answer(answering, asked)
        first = list(islice(events, 1))  # errors surface here, before the response starts
        chunks = sse(chain(first, events), completion_id, created, body.model)
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
    answer = answer_question(answering, asked)
    completion = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": body.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer["answer"]},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "citations": answer["citations"],
        "casebook": answer_info(answer),
    }
    return JSONResponse(completion)


def conversation(
    messages: list[ChatMessage], settings: Settings
) -> tuple[str, list[dict[str, str]]]:
    """The question (the last user message) and the user/assistant turns before it; the answer
    path trims both to the conversation budget."""
    last = max(i for i, m in enumerate(messages) if m.role == "user")
    turns = [
        {"role": m.role, "text": m.text()}
        for m in messages[:last]
        if m.role in ("user", "assistant") and m.text().strip()
    ]
    return messages[last].text(), turns


def sse(events: Iterator[dict[str, Any]], cid: str, created: int, model: str) -> Iterator[str]:
    """stream_answer's events as chat.completion.chunk Server-Sent Events, then [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
        body |= {"choices": [choice], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    # Text waits for the answer's verdict: a "reset" (an LLM that failed or was injected after
    # some text went out) takes text back, and an OpenAI stream cannot.
    held: list[str] = []
    for event in events:
        if event["event"] == "delta":
            held.append(event["text"])
        elif event["event"] == "reset":
            held.clear()
        elif event["event"] in ("citations", "done"):
            yield from (chunk({"content": text}) for text in held if text)
            held.clear()
        if event["event"] == "done":
            answer = event["answer"]
            yield chunk({}, "stop", citations=answer["citations"], casebook=answer_info(answer))
    yield "data: [DONE]\n\n"
