"""Read helpers: activities, leads and deals start from what the user may see; the funnel of THE
MODEL is computed from the visible leads' transitions by the pure engine; the deal board, the
forecast and the win rates are grouped queries over the visible deals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.analytics.funnel import FunnelReport, StagePath, funnel_report, period_edges
from kizuna.core.access import access, visible
from kizuna.core.models import Team, User
from kizuna.customers.models import Contact
from kizuna.pipeline.models import (
    Activity,
    Deal,
    DealContact,
    DealLine,
    DealPipeline,
    DealStage,
    DealStageChange,
    DealStageKind,
    FeedbackQuality,
    FeedbackReason,
    ForecastCategory,
    Lead,
    LeadFeedback,
    LeadSource,
    LeadStage,
    LeadTransition,
    StageKind,
)


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
    for _period in range(periods - 1):
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


# --- deals (docs/decisions/0302-deals-and-forecast.md) -------------------------------------------

DEAL_RELATED = ("owner", "team", "pipeline", "stage", "account", "department", "customer",
                "lead", "lost_reason")


def visible_deals(user: User) -> QuerySet[Deal]:
    return visible(user, Deal.objects.select_related(*DEAL_RELATED))


def access_deal(user: User, pk: object, *, write: bool = False) -> Deal:
    return access(user, Deal.objects.select_related(*DEAL_RELATED), pk, write=write)


def deal_pipelines(*, active_only: bool = True) -> list[DealPipeline]:
    pipelines = DealPipeline.objects.all()
    return list(pipelines.filter(active=True) if active_only else pipelines)


def pipeline_stages(pipeline: DealPipeline) -> list[DealStage]:
    """Open stages in order, then won, then lost (the board's columns)."""
    order = {DealStageKind.OPEN: 0, DealStageKind.WON: 1, DealStageKind.LOST: 2}
    return sorted(pipeline.stages.all(), key=lambda s: (order[DealStageKind(s.kind)],
                                                        s.position, s.pk))


def deal_lines(deal: Deal) -> QuerySet[DealLine]:
    return deal.lines.select_related("product")


def deal_contacts(user: User, deal: Deal) -> QuerySet[DealContact]:
    """The buying centre, as far as the user may see its contacts."""
    return deal.deal_contacts.filter(contact__in=visible(user, Contact.objects.all()).values(
        "pk")).select_related("contact", "contact__department")


def deal_stage_changes(deal: Deal) -> QuerySet[DealStageChange]:
    return deal.stage_changes.select_related("from_stage", "to_stage", "by", "lost_reason") \
        .order_by("at", "pk")


def deal_activities(user: User, deal: Deal) -> QuerySet[Activity]:
    return visible_activities(user).filter(deal=deal)


# --- the board -------------------------------------------------------------------------------

BOARD_CARDS = 50  # cards per column; the column's count and total cover all its deals
CLOSED_DAYS = 90  # won and lost columns show the deals closed this many days back


@dataclass
class BoardColumn:
    stage: DealStage
    count: int
    amount: int
    weighted: int
    cards: list[Deal]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def deal_board(user: User, pipeline: DealPipeline, deals: QuerySet[Deal] | None = None,
               *, closed_days: int = CLOSED_DAYS) -> list[BoardColumn]:
    """One column per stage: its count, total and weighted amount (omitted deals left out,
    as in the forecast), and its first cards (closing soonest first). Won and lost columns
    hold the deals closed in the last ``closed_days`` days."""
    deals = (visible_deals(user) if deals is None else deals).filter(pipeline=pipeline)
    since = timezone.now() - dt.timedelta(days=closed_days)
    deals = deals.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
    totals = {row["stage"]: row for row in deals.order_by().values("stage").annotate(
        n=Count("pk"), total=Sum("amount"),
        weighted=Sum(F("amount") * F("probability"),
                     filter=~Q(forecast_category=ForecastCategory.OMITTED)))}
    columns = []
    for stage in pipeline_stages(pipeline):
        row = totals.get(stage.pk, {})
        cards = list(deals.filter(stage=stage).order_by("expected_close_date", "pk")
                     [:BOARD_CARDS]) if row else []
        columns.append(BoardColumn(stage, row.get("n", 0), row.get("total") or 0,
                                   _round_weighted(row.get("weighted") or 0), cards))
    return columns


def _round_weighted(amount_times_percent: int) -> int:
    """Σ amount × probability (in yen·%) to yen, half up: summed first, rounded once."""
    return (int(amount_times_percent) + 50) // 100


# --- the forecast --------------------------------------------------------------------------------


@dataclass
class ForecastCell:
    """Deals closing in one month for one owner or team. Open deals: their count and amount,
    the weighted amount (amount × probability, omitted deals left out) and the amount per
    category; won: the amount of the deals won."""

    open_deals: int = 0
    open_amount: int = 0
    weighted_x100: int = 0
    commit: int = 0
    best_case: int = 0
    pipeline: int = 0
    omitted: int = 0
    won_deals: int = 0
    won: int = 0

    @property
    def weighted(self) -> int:
        return _round_weighted(self.weighted_x100)

    def add(self, other: ForecastCell) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Forecast:
    months: list[dt.date]  # first day of each month
    by: str  # "owner" | "team"
    groups: list[tuple[int | None, str]]  # (owner or team id, label)
    cells: dict[tuple[int | None, dt.date], ForecastCell]
    month_totals: dict[dt.date, ForecastCell]
    total: ForecastCell

    def rows(self) -> list[dict[str, Any]]:
        """Month by month, each group's figures then the month's total."""
        out = []
        for month in self.months:
            groups = [(label, self.cells[(key, month)]) for key, label in self.groups
                      if (key, month) in self.cells]
            out.append({"month": month, "groups": groups, "total": self.month_totals[month]})
        return out


def month_range(start: dt.date, months: int) -> list[dt.date]:
    first = start.replace(day=1)
    out = []
    for i in range(months):
        year, month = divmod(first.month - 1 + i, 12)
        out.append(dt.date(first.year + year, month + 1, 1))
    return out


def _month_end(months: list[dt.date]) -> dt.date:
    return month_range(months[-1], 2)[1]


def _deals_closing(user: User, months: list[dt.date], pipeline: DealPipeline | None
                   ) -> QuerySet[Deal]:
    deals = visible(user, Deal.objects.all()).filter(
        expected_close_date__gte=months[0], expected_close_date__lt=_month_end(months))
    return deals.filter(pipeline=pipeline) if pipeline is not None else deals


def _group_labels(by: str, keys: set[int | None]) -> list[tuple[int | None, str]]:
    if by == "team":
        names = dict(Team.objects.filter(pk__in=[k for k in keys if k]).values_list(
            "pk", "name"))
    else:
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in keys if k])}
    labels = [(k, names.get(k, "")) for k in keys if k is not None]
    labels.sort(key=lambda pair: (pair[1], pair[0] or 0))
    if None in keys:
        labels.append((None, str(_("No team"))))
    return labels


def deal_forecast(user: User, *, start: dt.date, months: int = 6, by: str = "owner",
                  pipeline: DealPipeline | None = None) -> Forecast:
    """The visible deals closing in ``months`` months from ``start``'s month, by close month ×
    owner (or team): open deals weighted and by forecast category, won deals as closed. Lost
    deals are left out (they are in the win rates). One grouped query."""
    month_list = month_range(start, months)
    group = "team_id" if by == "team" else "owner_id"
    rows = (_deals_closing(user, month_list, pipeline)
            .exclude(stage__kind=DealStageKind.LOST).order_by()
            .annotate(month=TruncMonth("expected_close_date"))
            .values(group, "month", "forecast_category", "stage__kind")
            .annotate(n=Count("pk"), total=Sum("amount"),
                      weighted=Sum(F("amount") * F("probability"))))
    cells: dict[tuple[int | None, dt.date], ForecastCell] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        cell = cells.setdefault((row[group], month), ForecastCell())
        n, total = row["n"], row["total"] or 0
        if row["stage__kind"] == DealStageKind.WON:
            cell.won_deals += n
            cell.won += total
            continue
        cell.open_deals += n
        cell.open_amount += total
        category = row["forecast_category"]
        setattr(cell, category, getattr(cell, category) + total)
        if category != ForecastCategory.OMITTED:
            cell.weighted_x100 += row["weighted"] or 0
    month_totals = {month: ForecastCell() for month in month_list}
    total = ForecastCell()
    for (_key, month), cell in cells.items():
        month_totals[month].add(cell)
        total.add(cell)
    return Forecast(month_list, "team" if by == "team" else "owner",
                    _group_labels(by, {key for key, _month in cells}), cells, month_totals,
                    total)


@dataclass
class WinRate:
    label: str
    key: Any = None  # the owner or team id, or the source code
    won: int = 0
    lost: int = 0
    won_amount: int = 0
    lost_amount: int = 0

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def by_count(self) -> float | None:
        """Won deals / closed deals (None when none closed)."""
        return self.won / self.closed if self.closed else None

    @property
    def by_amount(self) -> float | None:
        """Amount won / amount closed: a few large losses pull it below the count rate."""
        closed = self.won_amount + self.lost_amount
        return self.won_amount / closed if closed else None


def win_rates(user: User, *, start: dt.date, months: int, by: str,
              pipeline: DealPipeline | None = None) -> tuple[list[WinRate], WinRate]:
    """Win rate by count and by amount of the visible deals closed (won or lost) in the
    months, by ``by`` ("owner", "team" or "source"), and over all of them."""
    month_list = month_range(start, months)
    field = {"team": "team_id", "source": "source"}.get(by, "owner_id")
    rows = (_deals_closing(user, month_list, pipeline)
            .filter(stage__kind__in=[DealStageKind.WON, DealStageKind.LOST]).order_by()
            .values(field, "stage__kind").annotate(n=Count("pk"), total=Sum("amount")))
    found: dict[Any, WinRate] = {}
    total = WinRate(str(_("All closed deals")))
    for row in rows:
        rate = found.setdefault(row[field], WinRate("", row[field]))
        for target in (rate, total):
            if row["stage__kind"] == DealStageKind.WON:
                target.won += row["n"]
                target.won_amount += row["total"] or 0
            else:
                target.lost += row["n"]
                target.lost_amount += row["total"] or 0
    if by == "source":
        sources = dict(LeadSource.choices)
        for key, rate in found.items():
            rate.label = str(sources.get(key, _("Not recorded")))
        ordered = sorted(found.values(), key=lambda r: (-r.closed, r.label))
    else:
        labels = dict(_group_labels("team" if by == "team" else "owner", set(found)))
        for key, rate in found.items():
            rate.label = labels[key]
        ordered = [found[key] for key, _label in _group_labels(
            "team" if by == "team" else "owner", set(found))]
    return ordered, total


# --- hand-off feedback ---------------------------------------------------------------------------


@dataclass
class FeedbackRow:
    """Feedback counts of one lead source and campaign (``campaign_id`` None: no campaign)."""

    source: str
    source_label: str
    campaign_id: int | None
    campaign: str
    good: int = 0
    poor: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.good + self.poor

    @property
    def share_poor(self) -> float | None:
        return self.poor / self.total if self.total else None

    def reason_counts(self) -> list[int]:
        return [self.reasons.get(code, 0) for code in FeedbackReason.values]


def lead_feedback(lead: Lead) -> QuerySet[LeadFeedback]:
    return lead.feedback.select_related("by")


def feedback_counts(user: User, *, to_division: str = "", start: dt.datetime | None = None,
                    end: dt.datetime | None = None) -> tuple[list[FeedbackRow], FeedbackRow]:
    """Feedback given on the leads ``user`` may see, counted per lead source and campaign:
    good, poor, and the poor ones by reason. Every feedback counts once (a lead handed over
    twice can be judged twice). ``start``/``end``: given in [start, end)."""
    given = LeadFeedback.objects.filter(lead__in=visible(user, Lead.objects.all()))
    if to_division:
        given = given.filter(to_division=to_division)
    if start is not None:
        given = given.filter(at__gte=start)
    if end is not None:
        given = given.filter(at__lt=end)
    labels = dict(LeadSource.choices)
    rows: dict[tuple[str, int | None], FeedbackRow] = {}
    total = FeedbackRow(source="", source_label=_("Total"), campaign_id=None, campaign="")
    for item in given.values("lead__lead_source", "lead__campaign_id", "lead__campaign__name",
                             "quality", "reason").annotate(n=Count("pk")).order_by():
        key = (item["lead__lead_source"], item["lead__campaign_id"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = FeedbackRow(
                source=key[0], source_label=str(labels.get(key[0], key[0])),
                campaign_id=key[1], campaign=item["lead__campaign__name"] or "")
        for target in (row, total):
            if item["quality"] == FeedbackQuality.GOOD:
                target.good += item["n"]
            else:
                target.poor += item["n"]
                target.reasons[item["reason"]] = target.reasons.get(item["reason"], 0) + item["n"]
    order = {code: i for i, code in enumerate(LeadSource.values)}
    return sorted(rows.values(), key=lambda r: (order.get(r.source, len(order)),
                                                 r.campaign_id is not None, r.campaign,
                                                 r.campaign_id or 0)), total
