"""The server's one writer: uploads and deletions run in order on a single thread, as jobs.

The embedded store belongs to one process, and ingesting the same document twice at once
would race, so every write goes through `Writer`. A caller either waits for its job (small
uploads, deletions) or gets its id and polls `GET /v1/jobs/{job_id}`. Jobs live in memory:
a restart forgets finished jobs and abandons queued ones (their files were never indexed).
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from casebook.errors import CasebookError

log = logging.getLogger(__name__)
Status = Literal["queued", "running", "succeeded", "failed"]
KEEP_FINISHED = 1000  # finished jobs remembered, per server


class JobNotFound(CasebookError):
    """No job with this id belongs to this tenant."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job not found: {job_id}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One write and its progress; `report` is the ingest report once it finished."""

    job_id: str
    tenant: str
    kind: str
    total: int = 0
    done: int = 0
    status: Status = "queued"
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total},
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "report": self.report,
            "error": self.error,
        }


Work = Callable[[Job], dict[str, Any]]


class Writer:
    """Runs write jobs one at a time, in the order they were submitted."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casebook-writer")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(
        self, tenant: str, kind: str, work: Work, cleanup: Path | None = None
    ) -> tuple[Job, Future[dict[str, Any]]]:
        """Queue work; `cleanup` (a staging folder) is removed when it ends, however it ends."""
        job = Job(job_id=uuid.uuid4().hex, tenant=tenant, kind=kind)
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old()
        return job, self._pool.submit(self._run, job, work, cleanup)

    def _run(self, job: Job, work: Work, cleanup: Path | None) -> dict[str, Any]:
        job.status = "running"
        try:
            job.report = work(job)
            job.status = "succeeded"
            return job.report
        except CasebookError as exc:
            job.status, job.error = "failed", str(exc)
            raise
        except Exception as exc:
            log.exception("job %s failed", job.job_id)
            job.status, job.error = "failed", f"internal error: {type(exc).__name__}"
            raise
        finally:
            job.finished_at = _now()
            if cleanup is not None:
                shutil.rmtree(cleanup, ignore_errors=True)

    def get(self, tenant: str, job_id: str) -> Job:
        """The tenant's job, or JobNotFound (also for another tenant's job)."""
        job = self._jobs.get(job_id)
        if job is None or job.tenant != tenant:
            raise JobNotFound(job_id)
        return job

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished_at]
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job.job_id]

    def close(self) -> None:
        """Finish the running job, drop queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
