"""FastAPI dependencies: the objects create_app puts on app.state, typed for route signatures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request

from casebook.errors import LimitExceeded
from casebook.feedback import AnswerLog, FeedbackStore
from casebook.index import Index
from casebook.settings import Settings
from service.jobs import Writer


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


IndexDep = Annotated[Index, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
WriterQueueDep = Annotated[Writer, Depends(get_writer)]
AnswerLogDep = Annotated[AnswerLog, Depends(get_answer_log)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]


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
