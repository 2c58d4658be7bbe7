"""FastAPI dependencies: the objects create_app puts on app.state, typed for route signatures.

This is the one module that reads app.state; routes take the `...Dep` aliases, and the MCP
tools (which run outside FastAPI's dependency injection) call the same builders on the state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from llama_index.core.llms import LLM

from answers.ask import Answerer
from casebook.errors import LimitExceeded
from casebook.feedback import AnswerLog, FeedbackStore
from casebook.index import Index
from casebook.settings import Settings
from ingest.pii import Redactor
from ingest.runner import Ingestor
from service.answering import Answering
from service.jobs import Writer
from service.observability import Metrics
from summaries.summarizer import Summarizer


def get_index(request: Request) -> Index:
    return request.app.state.index  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_writer(request: Request) -> Writer:
    return request.app.state.writer  # type: ignore[no-any-return]


def get_answer_log(request: Request) -> AnswerLog:
    return request.app.state.answer_log  # type: ignore[no-any-return]


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback  # type: ignore[no-any-return]


def get_ingestor(request: Request) -> Ingestor:
    return request.app.state.ingestor  # type: ignore[no-any-return]


def get_redactor(request: Request) -> Redactor:
    return request.app.state.redactor  # type: ignore[no-any-return]


def llm_of(state: Any) -> LLM | None:
    """The app's LLM, or None: answers and summaries stay extractive."""
    return getattr(state, "llm", None)


def metrics_of(state: Any) -> Metrics | None:
    """The app's metrics, or None before install_observability ran."""
    return getattr(state, "metrics", None)


def answering_of(state: Any) -> Answering:
    """The app's answerer (index, settings, reranker, LLM, hand-off) and its answer log."""
    answerer = Answerer(
        state.index,
        state.settings,
        getattr(state, "reranker", None),
        llm_of(state),
        getattr(state, "handoff", None),
    )
    return Answering(answerer, state.answer_log, state.redactor, metrics_of(state))


def summarizer_of(state: Any) -> Summarizer:
    """The app's summarizer: its index and settings, and its LLM (None: extractive)."""
    return Summarizer(state.index, state.settings, llm_of(state))


def get_llm(request: Request) -> LLM | None:
    return llm_of(request.app.state)


def get_metrics(request: Request) -> Metrics | None:
    return metrics_of(request.app.state)


def get_answering(request: Request) -> Answering:
    return answering_of(request.app.state)


def get_summarizer(request: Request) -> Summarizer:
    return summarizer_of(request.app.state)


def get_open_index(request: Request) -> Index | None:
    """The index once the lifespan has opened it, else None (for the readiness probe)."""
    return getattr(request.app.state, "index", None)


IndexDep = Annotated[Index, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
WriterQueueDep = Annotated[Writer, Depends(get_writer)]
AnswerLogDep = Annotated[AnswerLog, Depends(get_answer_log)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
RedactorDep = Annotated[Redactor, Depends(get_redactor)]
LLMDep = Annotated[LLM | None, Depends(get_llm)]
MetricsDep = Annotated[Metrics | None, Depends(get_metrics)]
AnsweringDep = Annotated[Answering, Depends(get_answering)]
SummarizerDep = Annotated[Summarizer, Depends(get_summarizer)]
OpenIndexDep = Annotated[Index | None, Depends(get_open_index)]


def check_limits(
    settings: Settings,
    *,
    text: str = "",
    history: Sequence[Any] = (),
    top_k: int | None = None,
) -> None:
    """Refuse a search over the configured limits (LimitExceeded names the limit).

    Answers never refuse a conversation for its length: casebook.conversation trims it.
    """
    if len(text) > settings.max_query_chars:
        raise LimitExceeded(
            f"query is {len(text)} characters; at most {settings.max_query_chars} "
            "(CASEBOOK_MAX_QUERY_CHARS)"
        )
    if len(history) > settings.max_history_turns:
        raise LimitExceeded(
            f"history has {len(history)} turns; at most {settings.max_history_turns} "
            "(CASEBOOK_MAX_HISTORY_TURNS)"
        )
    for turn in history:
        if len(turn.text) > settings.max_turn_chars:
            raise LimitExceeded(
                f"a history turn is {len(turn.text)} characters; at most "
                f"{settings.max_turn_chars} (CASEBOOK_MAX_TURN_CHARS)"
            )
    if top_k is not None and top_k > settings.max_top_k:
        raise LimitExceeded(f"top_k may be at most {settings.max_top_k} (CASEBOOK_MAX_TOP_K)")
