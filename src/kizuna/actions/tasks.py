"""Action-engine jobs: the scheduled run of every enabled daily criterion (or the ones named).

Run daily by cron or a systemd timer (`kizuna actions run`), or from the criteria pages
("Run now"), which start this job so the run shows its progress (STYLE §7).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.actions import notifications
from kizuna.actions.services import can_manage_criteria, run_criterion, runnable_criteria
from kizuna.core.jobs import JobContext, job_kind

RUN_JOB = "actions.run_criteria"


@job_kind(RUN_JOB)
def run_criteria_job(job: JobContext) -> dict[str, Any]:
    actor = job.job.created_by
    if actor is not None and not can_manage_criteria(actor):
        raise PermissionDenied
    ids = job.params.get("criteria")
    criteria = list(runnable_criteria(criterion_ids=ids))
    job.set_total(len(criteria))
    results = []
    failed = 0
    with notifications.digest(log=job.log):  # one mail per person for the whole run
        for criterion in criteria:
            try:
                result = run_criterion(criterion=criterion, actor=actor,
                                       dry_run=bool(job.params.get("dry_run")))
            except ValidationError as exc:  # e.g. a custom field it uses was removed
                failed += 1
                job.log(f"{criterion.name}: NOT RUN: {' '.join(exc.messages)}")
                results.append({"criterion": criterion.pk, "name": criterion.name,
                                "error": exc.messages})
            else:
                results.append(result.as_dict())
                job.log(f"{criterion.name}: {result.created} new, {result.already_open} "
                        f"already open, {result.quiet} in quiet period "
                        f"({result.matched} matched)")
            job.advance()
    return {"criteria": results, "created": sum(r.get("created", 0) for r in results),
            "failed": failed}
