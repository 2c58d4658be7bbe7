"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from casebook.store.base import Where
from service.deps import OpenIndexDep
from service.schemas import Health, Ready

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> Health:
    """The process is up."""
    return Health()


@router.get("/readyz", response_model=Ready, responses={503: {"model": Ready}})
def readyz(index: OpenIndexDep) -> JSONResponse:
    """Ready to serve: the index is open and answers, and the embedding model is loaded."""
    checks = {"index": False, "model": False}
    if index is not None:
        try:
            index.store.count(Where())
            checks["index"] = True
        except Exception:  # any store failure means not ready; the probe must not raise
            checks["index"] = False
        checks["model"] = getattr(index.embedder, "dim", 0) > 0
    ready = all(checks.values())
    body = Ready(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
