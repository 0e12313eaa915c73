"""Read helpers: activities and leads start from what the user may see; the funnel of THE
MODEL is computed from the visible leads' transitions by the pure engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from kizuna.analytics.funnel import FunnelReport, StagePath, funnel_report, period_edges
from kizuna.core.access import access, visible
from kizuna.core.models import User
from kizuna.pipeline.models import Activity, Lead, LeadStage, LeadTransition, StageKind


def visible_activities(user: User) -> QuerySet[Activity]:
    return visible(user, Activity.objects.select_related("owner", "account", "contact",
                                                         "customer"))


def access_activity(user: User, pk: object, *, write: bool = False) -> Activity:
    return access(user, Activity.objects.select_related("owner", "account", "contact",
                                                        "customer"), pk, write=write)


# --- leads ---------------------------------------------------------------------------------------

LEAD_RELATED = ("owner", "stage", "contact", "account", "customer", "campaign")


def visible_leads(user: User) -> QuerySet[Lead]:
    return visible(user, Lead.objects.select_related(*LEAD_RELATED))


def access_lead(user: User, pk: object, *, write: bool = False) -> Lead:
    return access(user, Lead.objects.select_related(*LEAD_RELATED), pk, write=write)


def lead_transitions(lead: Lead) -> QuerySet[LeadTransition]:
    """A lead's history, oldest first (the order the funnel reads it in)."""
    return lead.transitions.select_related("from_stage", "to_stage", "by").order_by("at", "pk")


def lead_stages() -> list[LeadStage]:
    """The main path in order, then recycle, then dead end: the order of ``StagePath.stages``."""
    stages = list(LeadStage.objects.all())
    order = {StageKind.MAIN: 0, StageKind.RECYCLE: 1, StageKind.DEAD_END: 2}
    return sorted(stages, key=lambda s: (order[StageKind(s.kind)], s.position, s.pk))


def stage_path(stages: list[LeadStage] | None = None) -> StagePath:
    """The configured stages for the engine; a lead from recycle comes back to the second main
    stage (育成 by default)."""
    stages = lead_stages() if stages is None else stages
    main = tuple(s.code for s in stages if s.kind == StageKind.MAIN)
    side = {s.kind: s.code for s in stages if s.kind != StageKind.MAIN}
    return StagePath(main, recycle=side.get(StageKind.RECYCLE, "recycle"),
                     dead_end=side.get(StageKind.DEAD_END, "dead_end"), revival=1)


@dataclass(frozen=True)
class LeadFunnel:
    """The funnel of the leads a user may see, with the stages it was computed over."""

    stages: list[LeadStage]
    report: FunnelReport
    freq: str

    def period_bounds(self, index: int) -> tuple[dt.date, dt.date]:
        """First and last local day of period ``index`` (for drill-down filters)."""
        start = self.report.edges[index].astype("datetime64[D]").item()
        end = self.report.edges[index + 1].astype("datetime64[D]").item()
        return start, end - dt.timedelta(days=1)


def _local_seconds(moments: list[dt.datetime]) -> np.ndarray:
    """Aware datetimes as naive local datetime64[s] (the site's zone: Asia/Tokyo)."""
    zone = timezone.get_current_timezone()
    return np.array([m.astimezone(zone).replace(tzinfo=None) for m in moments],
                    dtype="datetime64[s]")


def lead_funnel(user: User, *, freq: Any = "month", periods: int = 12,
                until: dt.date | None = None) -> LeadFunnel:
    """Flow, balance, conversion and fast passes of the visible leads for ``periods`` periods
    of ``freq`` ending with the one holding ``until`` (default today).

    Computed from the transition log on each call; pre-aggregated fills are for a later slice
    when logs grow past what one request should read.
    """
    stages = lead_stages()
    path = stage_path(stages)
    code = {s.pk: i for i, s in enumerate(stages)}
    until = until or timezone.localdate()
    last = np.datetime64(until, "s")
    edges = period_edges(last, freq=freq, count=1)
    first = edges[0]
    for _ in range(periods - 1):
        first = period_edges(first - np.timedelta64(1, "s"), freq=freq, count=1)[0]
    edges = period_edges(first, last, freq)
    rows = list(LeadTransition.objects.filter(lead__in=visible_leads(user).values("pk"))
                .order_by("lead_id", "at", "pk").values_list("lead_id", "to_stage_id", "at"))
    if rows:
        ids, stage_ids, moments = zip(*rows, strict=True)
        report = funnel_report(np.array(ids), np.array([code[s] for s in stage_ids]),
                               _local_seconds(list(moments)), path=path, edges=edges)
    else:
        report = funnel_report([], [], np.array([], dtype="datetime64[s]"), path=path,
                               edges=edges)
    return LeadFunnel(stages, report, str(freq))
