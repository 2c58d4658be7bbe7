"""Request and receipt of /v1/feedback."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FeedbackRequest(BaseModel):
    """A rating of one answer, optionally with the documents that should have been found."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answer_id": "9d1c0f0e6f0b4f7e9a51a3c2b7d4e8f1",
                    "rating": "down",
                    "comment": "The answer is about the T1, not the T2.",
                    "expected_doc_ids": ["guides/t2-reset.md"],
                }
            ]
        },
    )

    answer_id: str = Field(..., min_length=1, max_length=64)
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=4000)
    expected_doc_ids: list[str] = Field(default_factory=list, max_length=50)


class FeedbackReceipt(BaseModel):
    """Feedback stored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "feedback_id": "7f7e788dbb3b40ebbb8d76c5cfa83ee4",
                    "answer_id": "9d1c0f0e6f0b4f7e9a51a3c2b7d4e8f1",
                }
            ]
        }
    )

    feedback_id: str
    answer_id: str
