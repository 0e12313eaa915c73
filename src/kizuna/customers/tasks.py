"""Customer-data jobs: the identity scan (名寄せ) over a whole table."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from kizuna.core.jobs import JobContext, job_kind
from kizuna.customers.identity import SCAN_JOB, scan_duplicates


@job_kind(SCAN_JOB)
def identity_scan(job: JobContext) -> dict[str, Any]:
    actor = job.job.created_by
    if actor is None or not actor.can_write:
        raise PermissionDenied
    job.set_total(3)

    def progress(done: int, _total: int) -> None:
        job.advance(done - job._progress)

    groups = scan_duplicates(actor=actor, kind=job.params["kind"], progress=progress)
    return {"kind": job.params["kind"], "groups": len(groups),
            "merge": sum(1 for g in groups if g.decision == "merge"),
            "review": sum(1 for g in groups if g.decision == "review")}
