"""Feedback on answers, stored for evaluation to turn into test cases."""

from __future__ import annotations

from fastapi import APIRouter

from service.auth import ReaderDep
from service.deps import AnswerLogDep, FeedbackDep, RedactorDep
from service.feedback_schemas import FeedbackReceipt, FeedbackRequest
from service.schemas import ErrorBody

router = APIRouter(tags=["feedback"])


@router.post(
    "/v1/feedback",
    responses={404: {"model": ErrorBody, "description": "Not found in the caller's tenant."}},
)
def feedback(
    body: FeedbackRequest,
    redactor: RedactorDep,
    answers: AnswerLogDep,
    store: FeedbackDep,
    caller: ReaderDep,
) -> FeedbackReceipt:
    """Rate an answer up or down; name the documents that should have been found.

    The answer must have been given to the caller's tenant. Comments are redacted of personal
    data before they are stored.
    """
    answered = answers.get(caller.tenant, body.answer_id)
    comment = redactor.redact(body.comment)[0] if body.comment else ""
    record = store.add(
        answered,
        rating=body.rating,
        comment=comment,
        expected_doc_ids=body.expected_doc_ids,
        key_id=caller.key_id,
    )
    return FeedbackReceipt(feedback_id=record["feedback_id"], answer_id=body.answer_id)
