"""Job records survive a restart; jobs cut short by one are reported as failed, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.errors import JobNotFound
from casebook.shapes import to_json
from service.jobs import INTERRUPTED, Job, JobStore, Progress, Writer


def test_a_finished_job_is_read_back_by_the_next_writer(tmp_path: Path) -> None:
    writer = Writer(JobStore(tmp_path))
    job, future = writer.submit("acme", "upload", lambda job: {"added": 3})
    assert future.result(timeout=30) == {"added": 3}
    writer.close()

    again = Writer(JobStore(tmp_path)).get("acme", job.job_id)
    assert to_json(again) == to_json(job) and again.status == "succeeded"
    with pytest.raises(JobNotFound):
        Writer(JobStore(tmp_path)).get("globex", job.job_id)


def test_a_job_the_server_stopped_during_is_failed_with_a_reason(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    progress = Progress(done=2, total=5)
    store.save(Job(job_id="cut", tenant="acme", kind="upload", progress=progress, status="running"))
    (tmp_path / "broken.json").write_text("{not json")  # an unreadable record is skipped

    job = Writer(store).get("acme", "cut")
    assert (job.status, job.error, job.progress) == ("failed", INTERRUPTED, Progress(2, 5))
    assert job.finished_at is not None
    assert Writer(JobStore(tmp_path)).get("acme", "cut").status == "failed"  # and recorded so


def test_a_failed_job_keeps_its_error(tmp_path: Path) -> None:
    def fail(job: Job) -> dict[str, int]:
        raise RuntimeError("disk on fire")

    writer = Writer(JobStore(tmp_path))
    job, future = writer.submit("acme", "upload", fail)
    with pytest.raises(RuntimeError):
        future.result(timeout=30)
    writer.close()
    again = Writer(JobStore(tmp_path)).get("acme", job.job_id)
    assert (again.status, again.error) == ("failed", "internal error: RuntimeError")
