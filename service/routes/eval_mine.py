"""Mining evaluation cases through the API, so it works while the server holds the index."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.auth import AdminDep
from service.deps import FeedbackDep, IndexDep

router = APIRouter(tags=["evaluation"])


class MineRequest(BaseModel):
    """How many cases to mine (0: all)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"limit": 200}]})
    limit: int = Field(0, ge=0, le=100_000)

    @field_validator("limit", mode="before")
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):  # JSON true/false is not a number
            raise ValueError("limit must be an integer")
        return value


class MineResponse(BaseModel):
    """The mined cases of the caller's tenant, each unreviewed (mining/cases.py)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"tenant": "acme", "cases": [{
        "qid": "interaction:T-1", "question": "my thermostat shows error E42",
        "reference_answer": "Hold the dial for ten seconds to reset it.", "gold_doc_ids": [],
        "review": "unreviewed"}]}]})  # fmt: skip
    tenant: str
    cases: list[dict[str, Any]]


@router.post("/v1/eval/mine")
def eval_mine(
    body: MineRequest, index: IndexDep, store: FeedbackDep, caller: AdminDep
) -> MineResponse:
    """Cases for `casebook eval` from the tenant's resolved interactions and negative feedback
    (admin keys)."""
    from mining.cases import mine

    return MineResponse(tenant=caller.tenant, cases=mine(index, store, caller.tenant, body.limit))
