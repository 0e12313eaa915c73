"""Jobs through Django's Tasks API: the embedded database queue and RQ on a real Redis."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import call_command

from kizuna.core import jobs
from kizuna.core.jobs import NotRetryable, job_kind, retry_job, start_job
from kizuna.core.models import Job, JobStatus

ATTEMPTS: dict[str, int] = {}


@job_kind("tests.flaky")
def flaky(job: jobs.JobContext) -> dict:
    """Fails on the first attempt, succeeds on the second: what a retry is for."""
    key = job.params["key"]
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    job.set_total(3)
    for _ in range(3):
        job.advance()
    job.log("working")
    if ATTEMPTS[key] == 1:
        raise RuntimeError("the mail server was down")
    return {"attempt": ATTEMPTS[key]}


def run_db_worker() -> None:
    call_command("worker", "--burst")


@pytest.mark.django_db(transaction=True)
def test_database_queue_runs_fails_and_retries(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    job = start_job(actor=user, kind="tests.flaky", title="flaky", params={"key": "db"})
    assert Job.objects.get(pk=job.pk).task_result_id  # enqueued after commit
    run_db_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "the mail server was down" in job.error
    assert (job.progress, job.total, job.attempts) == (3, 3, 1)
    assert "working" in job.log

    retry_job(actor=user, job=job)
    run_db_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"attempt": 2}
    assert job.attempts == 2 and job.error == ""
    with pytest.raises(NotRetryable):
        retry_job(actor=user, job=job)


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_once_even_if_delivered_twice(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    job = start_job(actor=user, kind="tests.flaky", title="once", params={"key": "twice"})
    run_db_worker()
    # A duplicate delivery of the same job id (e.g. a worker restart) must not run it again.
    assert jobs.run_job.call(str(job.pk)) == "skipped"
    assert ATTEMPTS["twice"] == 1


def test_unknown_kind_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LookupError):
        start_job(actor=None, kind="no.such.kind", title="x")


def _redis_available() -> bool:
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "port-open"
    return subprocess.run([sys.executable, str(script), "127.0.0.1", "6379"],
                          check=False).returncode == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_rq_queue_on_real_redis(make_user, settings) -> None:  # type: ignore[no-untyped-def]
    if not _redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import django_rq

    # Redis database 15, emptied before and after, keeps the test apart from real queues.
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/15"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.empty()
    try:
        user = make_user()
        job = start_job(actor=user, kind="tests.flaky", title="rq", params={"key": "rq"})
        assert queue.count == 1  # it really is in Redis
        # No fork: the test database (in-memory SQLite) lives in this process.
        call_command("worker", "--burst", "--no-fork")
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.attempts == 1
        retry_job(actor=user, job=job)
        call_command("worker", "--burst", "--no-fork")
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.result == {"attempt": 2}
    finally:
        queue.empty()
