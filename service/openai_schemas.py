"""The OpenAI chat-completions wire format: as much of it as Casebook reads and writes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from service.filter_schemas import FILTERS_SCHEMA, Filters
from service.schemas import FILTERS_DESCRIPTION, Citation

EXTRACTIVE_MODEL = "casebook-extractive"
# JSON Schema for "at least one user message": the last one is the question.
HAS_USER_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["role"],
    "properties": {"role": {"const": "user"}},
}


class TextPart(BaseModel):
    """A text part of a message's content (other part types are not accepted)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["text"]
    text: StrictStr


class ChatMessage(BaseModel):
    """One message. User and assistant text is the conversation; system, developer and tool
    messages are accepted and ignored (see the endpoint's description)."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: StrictStr | list[TextPart] | None = None

    def text(self) -> str:
        """The message's text, parts joined by newlines."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text for part in self.content)


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat-completion request; fields Casebook does not use (max_tokens, temperature,
    n, stop, user, ...) are accepted and ignored."""

    model_config = ConfigDict(
        extra="allow",
        regex_engine="python-re",  # the filter key pattern looks ahead
        json_schema_extra={
            "examples": [
                {
                    "model": EXTRACTIVE_MODEL,
                    "messages": [
                        {"role": "user", "content": "My Lumen T2 shows error E42"},
                        {"role": "assistant", "content": "E42 means the sensor lost power. [1]"},
                        {"role": "user", "content": "How do I reset it?"},
                    ],
                }
            ]
        },
    )

    model: StrictStr = Field(..., description="A model id from GET /v1/models.")
    messages: list[ChatMessage] = Field(
        ...,
        min_length=1,
        description="The conversation, oldest first. The last user message is the question; "
        "the user and assistant messages before it are the history.",
        json_schema_extra={"contains": HAS_USER_MESSAGE},
    )
    stream: StrictBool | None = Field(
        False, description="Stream chat.completion.chunk events (Server-Sent Events)."
    )
    filters: Filters = Field(
        default_factory=dict,
        description=f"Casebook extension. {FILTERS_DESCRIPTION}",
        json_schema_extra=FILTERS_SCHEMA,
    )
    top_k: int = Field(
        5,
        ge=1,
        le=1000,
        description="Casebook extension: chunks the answer may quote from (at most "
        "CASEBOOK_MAX_TOP_K are used).",
    )

    @model_validator(mode="after")
    def _has_question(self) -> ChatCompletionRequest:
        if not any(message.role == "user" for message in self.messages):
            raise ValueError("messages need a user message: the last one is the question")
        return self


class AssistantMessage(BaseModel):
    """The answer as an assistant message."""

    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    """The one choice of a completion."""

    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class AnswerInfo(BaseModel):
    """Casebook's verdict on the answer, as /v1/answer gives it (more keys may follow)."""

    model_config = ConfigDict(extra="allow")

    answer_id: str = Field(..., description="Send feedback on the answer with this id.")
    answerable: bool
    confidence: float
    reason: str = Field(..., description='"" when answered; why not otherwise.')


class ChatCompletion(BaseModel):
    """A chat.completion whose content is Casebook's answer; `citations` and `casebook` are
    extra top-level fields (openai SDK: `completion.model_extra`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "chatcmpl-5f0c2e8f1a114b3c9f553f0c2e8f1a11",
                    "object": "chat.completion",
                    "created": 1767225600,
                    "model": EXTRACTIVE_MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "message": {
                                "role": "assistant",
                                "content": "Hold the dial for ten seconds to reset it. [1]",
                            },
                            "finish_reason": "stop",
                            "logprobs": None,
                        }
                    ],
                    "citations": [
                        {
                            "doc_id": "thermostat.md",
                            "chunk_id": "0b6f0b3a-6d1e-5b3c-9f55-3f0c2e8f1a11",
                            "title": "Lumen T2 thermostat",
                            "quote": "Hold the dial for ten seconds to reset it.",
                            "score": 0.87,
                        }
                    ],
                    "casebook": {
                        "answer_id": "9d1c0f0e6f0b4f7e9a51a3c2b7d4e8f1",
                        "answerable": True,
                        "confidence": 0.91,
                        "reason": "",
                    },
                }
            ]
        }
    )

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[Citation] = Field(..., description="[n] in the content is citations[n-1].")
    casebook: AnswerInfo


class Model(BaseModel):
    """A model a client may name."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": EXTRACTIVE_MODEL, "object": "model", "created": 0, "owned_by": "casebook"}
            ]
        }
    )

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "casebook"


class ModelList(BaseModel):
    """The models this server answers with."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "object": "list",
                    "data": [
                        {
                            "id": EXTRACTIVE_MODEL,
                            "object": "model",
                            "created": 0,
                            "owned_by": "casebook",
                        }
                    ],
                }
            ]
        }
    )

    object: Literal["list"] = "list"
    data: list[Model]


def answer_info(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer JSON without its text and citations: the `casebook` extra field."""
    return {k: v for k, v in answer.items() if k not in ("answer", "citations")}
