"""Jobs: long work as rows you can watch and retry (STYLE §7, NetBox's JobRunner).

An app registers a handler for a job kind::

    @job_kind("core.verify_ledger")
    def verify_ledger(job: JobContext) -> dict:
        job.set_total(n); ...; job.advance(); job.log("...")
        return {"checked": n}

``start_job`` creates the Job row and enqueues one generic task through Django's Tasks API, so the
same handler runs on the embedded database queue or on RQ/Redis. The runner here is the one place
that handles start, progress, failure and retry.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from kizuna.core.models import Job, JobStatus, User

logger = logging.getLogger(__name__)

Handler = Callable[..., dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}


def job_kind(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not handler:
            raise ValueError(f"job kind {kind!r} is registered twice")
        _HANDLERS[kind] = handler
        return handler

    return register


class JobContext:
    """What a handler uses to report. Progress is saved at most every ``interval`` seconds so
    that a job over a million rows does not become a million UPDATEs."""

    def __init__(self, job: Job, *, interval: float = 0.5) -> None:
        self.job = job
        self.params = job.params
        self._interval = interval
        self._last_save = 0.0
        self._progress = job.progress

    def set_total(self, total: int) -> None:
        self.job.total = total
        Job.objects.filter(pk=self.job.pk).update(total=total, updated_at=timezone.now())

    def advance(self, n: int = 1) -> None:
        self._progress += n
        now = time.monotonic()
        if now - self._last_save >= self._interval:
            self.flush()
            self._last_save = now

    def flush(self) -> None:
        self.job.progress = self._progress
        Job.objects.filter(pk=self.job.pk).update(
            progress=self._progress, updated_at=timezone.now()
        )

    def log(self, message: str) -> None:
        line = f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {message}\n"
        self.job.log += line
        Job.objects.filter(pk=self.job.pk).update(log=self.job.log, updated_at=timezone.now())


@task()
def run_job(job_id: str) -> str:
    """The one task every job runs through."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), finished_at=None,
        attempts=F("attempts") + 1, updated_at=timezone.now(),
    )
    if not claimed:
        # Already taken by another worker, or cancelled/finished: running it again would repeat
        # its effects.
        return "skipped"
    job = Job.objects.get(pk=job_id)
    context = JobContext(job)
    handler = _HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = handler(context)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        context.flush()
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), updated_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}",
        )
        return JobStatus.FAILED
    context.flush()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now(), updated_at=timezone.now(),
        result=result, progress=job.total if job.total is not None else context._progress,
    )
    return JobStatus.SUCCEEDED


def _enqueue(job: Job) -> None:
    def send() -> None:
        result = run_job.enqueue(str(job.pk))
        Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))

    transaction.on_commit(send)


@transaction.atomic
def start_job(*, actor: User | None, kind: str, title: str,
              params: dict[str, Any] | None = None) -> Job:
    if kind not in _HANDLERS:
        raise LookupError(f"unknown job kind {kind!r}")
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=actor)
    _enqueue(job)
    return job


class NotRetryable(Exception):
    pass


@transaction.atomic
def retry_job(*, actor: User, job: Job) -> Job:
    """Queue a failed job again with the same parameters; its log is kept."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.FAILED:
        raise NotRetryable(_("Only a failed job can be retried."))
    job.status = JobStatus.QUEUED
    job.progress = 0
    job.error = ""
    job.log += "--- " + _("Retried by %(user)s") % {"user": actor.get_username()} + " ---\n"
    job.save()
    _enqueue(job)
    return job


def visible_jobs(user: User) -> QuerySet[Job]:
    if user.is_administrator:
        return Job.objects.all()
    return Job.objects.filter(created_by=user)
