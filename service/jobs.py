"""The server's one writer: uploads and deletions run in order on a single thread, as jobs.

The embedded store belongs to one process, and ingesting the same document twice at once
would race, so every write goes through `Writer`. A caller either waits for its job (small
uploads, deletions) or gets its id and polls `GET /v1/jobs/{job_id}`. Each job's record is
also written to `<data>/jobs/<job_id>.json` when its status changes, so a restart keeps what
finished; a job that was queued or running when the server stopped is reported as failed
(its staged files are gone, so it must be submitted again).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from casebook.errors import CasebookError, JobNotFound
from casebook.shapes import OMIT, to_json

log = logging.getLogger(__name__)
Status = Literal["queued", "running", "succeeded", "failed"]
KEEP_FINISHED = 1000  # finished jobs remembered, per server
INTERRUPTED = "the server stopped before this job finished; submit it again"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Progress:
    """How many of a job's items are done, of how many."""

    done: int = 0
    total: int = 0


@dataclass
class Job:
    """One write and its progress; `report` is the ingest report once it finished."""

    job_id: str
    tenant: str = field(metadata=OMIT)  # the owner: on disk (record), never in the JSON
    kind: str
    status: Status = "queued"
    progress: Progress = field(default_factory=Progress)
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None

    def record(self) -> dict[str, Any]:
        """What is written to disk: the public fields and the owning tenant."""
        return to_json(self) | {"tenant": self.tenant}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Job:
        return cls(
            job_id=record["job_id"],
            tenant=record["tenant"],
            kind=record["kind"],
            progress=Progress(done=record["progress"]["done"], total=record["progress"]["total"]),
            status=record["status"],
            created_at=record["created_at"],
            finished_at=record["finished_at"],
            report=record["report"],
            error=record["error"],
        )


Work = Callable[[Job], dict[str, Any]]


class JobStore:
    """Job records as one JSON file each in a folder, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, job: Job) -> None:
        path = self.folder / f"{job.job_id}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(job.record()), encoding="utf-8")
        os.replace(temporary, path)

    def delete(self, job_id: str) -> None:
        (self.folder / f"{job_id}.json").unlink(missing_ok=True)

    def load(self) -> list[Job]:
        """Every readable record, oldest first; an unreadable file is skipped and logged."""
        jobs = []
        for path in self.folder.glob("*.json"):
            try:
                jobs.append(Job.from_record(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("skipping unreadable job record %s: %s", path.name, exc)
        return sorted(jobs, key=lambda j: (j.created_at, j.job_id))


class Writer:
    """Runs write jobs one at a time, in the order they were submitted."""

    def __init__(self, store: JobStore | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casebook-writer")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._store = store
        for job in store.load() if store is not None else []:
            if job.finished_at is None:  # queued or running when the server stopped
                job.status, job.error, job.finished_at = "failed", INTERRUPTED, _now()
                self._save(job)
            self._jobs[job.job_id] = job
        with self._lock:
            self._forget_old()

    def submit(
        self, tenant: str, kind: str, work: Work, cleanup: Path | None = None
    ) -> tuple[Job, Future[dict[str, Any]]]:
        """Queue work; `cleanup` (a staging folder) is removed when it ends, however it ends."""
        job = Job(job_id=uuid.uuid4().hex, tenant=tenant, kind=kind)
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old()
        self._save(job)
        return job, self._pool.submit(self._run, job, work, cleanup)

    def _save(self, job: Job) -> None:
        if self._store is None:
            return
        try:
            self._store.save(job)
        except OSError as exc:  # the write itself matters more than its record
            log.warning("could not record job %s: %s", job.job_id, exc)

    def _run(self, job: Job, work: Work, cleanup: Path | None) -> dict[str, Any]:
        job.status = "running"
        self._save(job)
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
            self._save(job)
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
            if self._store is not None:
                self._store.delete(job.job_id)

    def close(self) -> None:
        """Finish the running job, drop queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
