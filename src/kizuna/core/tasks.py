"""Platform jobs."""

from __future__ import annotations

from typing import Any

from kizuna.core.jobs import JobContext, job_kind
from kizuna.core.ledger import verify_chain
from kizuna.core.models import LedgerEntry


@job_kind("core.verify_ledger")
def verify_ledger(job: JobContext) -> dict[str, Any]:
    """Walk the audit ledger's hash chain and report the first broken link."""
    job.set_total(LedgerEntry.objects.count())

    def progress(done: int, _total: int) -> None:
        job.advance(done - job._progress)

    result = verify_chain(progress=progress)
    if result.ok:
        job.log(f"OK: {result.checked} entries")
        return {"ok": True, "checked": result.checked}
    brk = result.first_break
    assert brk is not None
    job.log(f"BROKEN at #{brk.seq} ({brk.reason})")
    return {"ok": False, "checked": result.checked, "seq": brk.seq, "reason": brk.reason}
