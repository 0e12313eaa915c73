"""The demo load as a job (``demo.load``), for the UI and for a worker: same code as the CLI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kizuna.core.jobs import JobContext, job_kind
from kizuna.demo.services import load_demo_data, plan_from_record


@job_kind("demo.load")
def load_demo(job: JobContext) -> dict[str, Any]:
    """Load the demo company described by the job's parameters (services.start_demo_load)."""
    actor = job.job.created_by
    if actor is None or not actor.is_administrator:
        raise PermissionDenied(_("Only administrators may do this."))
    plan = plan_from_record(job.params)
    job.set_total(plan.accounts + plan.customers)
    result = load_demo_data(plan, actor=actor, replace=bool(job.params.get("replace")),
                            progress=lambda _what, done, _rows: job.advance(done))
    if result.already_loaded:
        job.log("Already loaded: nothing to do.")
    else:
        job.log("Loaded: " + ", ".join(f"{n:,} {name}" for name, n in result.counts.items()))
    return {"counts": result.counts, "deleted": result.deleted,
            "created_users": result.created_users, "already_loaded": result.already_loaded}
