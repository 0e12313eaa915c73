"""Effectiveness (効果測定) of judgment criteria: how many alerts fired, how many were acted on
and how fast, with what outcome, and what came of them — orders and revenue of the alerted
record within a window after firing — compared with baselines (docs/decisions/0203).

Everything is computed by a few aggregate queries per call (and two per criterion for the
"did not fire" baseline), never a Python loop over alerts: the only Python loops run over
criteria, outcome codes, distinct "days to act" values and calendar days.

Definitions (the decision record explains why):

- Days are calendar days in the site's zone (Asia/Tokyo), as day numbers (compiler.Clock).
- An alert's **window** is the ``window`` days starting on the day it fired (fire day … fire
  day + window − 1). It is **complete** once that last day is over; results (orders, revenue)
  are only reported for complete windows, so young alerts do not dilute them.
- **Acted on**: done (any outcome). For the results comparison an alert counts as acted on
  when it was done within its window; the others (still open, or done later) are "not acted on".
- **Days to act**: done day − fire day; the median over the done alerts.
- **Orders**: sales of the alerted record in the window — a customer's own orders; an
  account's orders (its departments' orders are the account's); a contact's account's orders.
  **Revenue**: the sum of order totals in the window, returns included (negative): net, in yen.
- **Baseline "did not fire"**: records of the same type that never had an alert of this
  criterion, measured over the same windows from the same fire days (each complete alert's
  fire day weighs once), per record.

Scorecard bands (issue 7, item 3) plug in through ``split``: an expression evaluated on each
alert (e.g. the band of its record's score when it fired); every figure except the "did not
fire" baseline is then reported per (criterion, band).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from kizuna.actions.compiler import Clock
from kizuna.actions.entities import entity_spec
from kizuna.actions.models import Alert, AlertOutcome, AlertStatus, Criterion, CriterionVersion

WINDOWS = (30, 60, 90)
DEFAULT_WINDOW = 30

# How the alerted record's orders are found, per record type: the Order foreign key and the
# alert's column that holds its value.
ORDER_LINK = {"customer": ("customer", "customer"), "account": ("account", "account"),
              "contact": ("account", "contact__account")}
# From a record to its orders (for the "did not fire" baseline).
RECORD_ORDERS = {"customer": "orders", "account": "orders", "contact": "account__orders"}


class DayNumber(Func):
    """The calendar day (in the zone with UTC offset ``offset`` seconds) of a timestamp, as
    days since 1970-01-01; integer arithmetic on both databases, like the compiler's."""

    output_field = IntegerField()

    def __init__(self, expression: Any, offset: int) -> None:
        super().__init__(expression)
        self.offset = offset

    def as_sqlite(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        if conn.Database.sqlite_version_info >= (3, 38):
            return f"((unixepoch({sql}) + %s) / 86400)", [*params, self.offset]
        return f"((CAST(strftime('%%s', {sql}) AS INTEGER) + %s) / 86400)", [*params,
                                                                              self.offset]

    def as_postgresql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"((({sql} AT TIME ZONE 'UTC') + %s * INTERVAL '1 second')::date"
                f" - DATE '1970-01-01')"), [*params, self.offset]


@dataclass
class Result:
    """What came of one group of alerts (or records) in their windows."""

    # Alerts with a complete window; for the baseline, record-windows: each record of the
    # population once per complete alert's window.
    records: int = 0
    with_order: int | None = 0  # of them, how many bought at least once (None: not measured)
    orders: int = 0
    revenue: int = 0
    population: int | None = None  # baseline only: records that never fired

    @property
    def share_with_order(self) -> float | None:
        if self.with_order is None or not self.records:
            return None
        return self.with_order / self.records

    @property
    def share_percent(self) -> int | None:
        share = self.share_with_order
        return round(100 * share) if share is not None else None

    @property
    def orders_per_record(self) -> float | None:
        return self.orders / self.records if self.records else None

    @property
    def revenue_per_record(self) -> int | None:
        """Mean revenue per record in yen, rounded half up."""
        if not self.records:
            return None
        return (2 * self.revenue + self.records) // (2 * self.records)

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "with_order": self.with_order,
                "orders": self.orders, "revenue": self.revenue,
                "share_with_order": self.share_with_order,
                "orders_per_record": self.orders_per_record,
                "revenue_per_record": self.revenue_per_record,
                **({"population": self.population} if self.population is not None else {})}


@dataclass
class Effect:
    """The figures of one criterion (or one revision, or one band of it)."""

    criterion: Criterion
    version: CriterionVersion | None = None
    split: Any = None
    window: int = DEFAULT_WINDOW
    fired: int = 0
    acted: int = 0
    open: int = 0
    complete: int = 0  # alerts whose window is over
    median_days_to_act: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    acted_result: Result = field(default_factory=Result)
    ignored_result: Result = field(default_factory=Result)
    baseline: Result | None = None

    @property
    def acted_share(self) -> float | None:
        return self.acted / self.fired if self.fired else None

    @property
    def acted_percent(self) -> int | None:
        return round(100 * self.acted / self.fired) if self.fired else None

    @property
    def lift_per_record(self) -> int | None:
        """Revenue per record: acted on − not acted on (yen)."""
        a, b = self.acted_result.revenue_per_record, self.ignored_result.revenue_per_record
        return a - b if a is not None and b is not None else None

    @property
    def lift_over_baseline(self) -> int | None:
        """Revenue per record: acted on − did not fire (yen)."""
        a = self.acted_result.revenue_per_record
        b = self.baseline.revenue_per_record if self.baseline else None
        return a - b if a is not None and b is not None else None

    def outcome_rows(self) -> list[tuple[str, str, int]]:
        labels = dict(AlertOutcome.choices)
        return [(code, str(labels.get(code, code)), n) for code, n in self.outcomes.items()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion_id": self.criterion.pk, "name": self.criterion.name,
            "revision": self.version.number if self.version else None,
            **({"split": self.split} if self.split is not None else {}),
            "enabled": self.criterion.enabled, "window_days": self.window,
            "fired": self.fired, "acted": self.acted, "open": self.open,
            "acted_share": self.acted_share, "median_days_to_act": self.median_days_to_act,
            "outcomes": dict(self.outcomes), "complete": self.complete,
            "acted_on": self.acted_result.as_dict(),
            "not_acted_on": self.ignored_result.as_dict(),
            "did_not_fire": self.baseline.as_dict() if self.baseline else None,
            "lift_per_record": self.lift_per_record,
            "lift_over_baseline": self.lift_over_baseline,
        }


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = ((total - 1) // 2, total // 2)  # the middle positions (0-based)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for position in wanted:
            if seen <= position < seen + count:
                found.append(value)
        seen += count
    return sum(found) / 2


def measure(criteria: Iterable[Criterion], *, window: int = DEFAULT_WINDOW,
            by_version: bool = False, split: tuple[str, Any] | None = None,
            now: dt.datetime | None = None, baseline: bool = True) -> list[Effect]:
    """The effectiveness of each criterion, in the order given; with ``by_version`` of each
    revision that fired instead (newest first). ``split`` = (name,
    expression on Alert) reports each criterion per value of the expression instead (the hook
    for scorecard bands)."""
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}")
    criteria = list(criteria)
    if not criteria:
        return []
    clock = Clock.at(now)
    today = clock.today
    alerts = _alerts(criteria, clock, window)
    keys = ["criterion_id"]
    if split is not None:
        alerts = alerts.annotate(**{f"split_{split[0]}": split[1]})
        keys.append(f"split_{split[0]}")
    version_keys = [*keys, "criterion_version_id"]

    effects: dict[tuple[Any, ...], Effect] = {}
    by_id = {c.pk: c for c in criteria}
    versions = {v.pk: v for v in CriterionVersion.objects.filter(criterion__in=criteria)}

    def effect(row: dict[str, Any]) -> Effect:
        key = _key(row, keys, by_version)
        if key not in effects:
            version = versions.get(row.get("criterion_version_id")) \
                if "criterion_version_id" in row else None
            effects[key] = Effect(by_id[row["criterion_id"]], version=version,
                                  split=row.get(keys[-1]) if split else None, window=window)
        return effects[key]

    group = version_keys if by_version else keys
    # 1. counts
    for row in alerts.values(*group).annotate(
            fired=Count("pk"), acted=Count("pk", filter=Q(status=AlertStatus.DONE)),
            open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
            complete=Count("pk", filter=Q(fire_day__lte=today - window))).order_by():
        found = effect(row)
        found.fired, found.acted = row["fired"], row["acted"]
        found.open, found.complete = row["open"], row["complete"]
    done = alerts.filter(status=AlertStatus.DONE)
    # 2. outcomes
    for row in done.values(*group, "outcome_code").annotate(n=Count("pk")).order_by():
        effect(row).outcomes[row["outcome_code"]] = row["n"]
    # 3. days to act, as a histogram per group (few distinct values)
    histograms: dict[tuple[Any, ...], dict[int, int]] = defaultdict(dict)
    for row in done.values(*group, days=F("act_day") - F("fire_day")).annotate(
            n=Count("pk")).order_by():
        histograms[_key(row, keys, by_version)][row["days"]] = row["n"]
    for key, histogram in histograms.items():
        effects[key].median_days_to_act = median_of(histogram)
    # 4. results of the alerts with a complete window: acted on within it, or not
    for entity in {c.entity for c in criteria}:
        ids = [c.pk for c in criteria if c.entity == entity]
        for row in _results(alerts.filter(criterion__in=ids), entity, window, clock, group):
            found = effect(row)
            result = found.acted_result if row["acted_in_window"] else found.ignored_result
            result.records = row["n"]
            result.with_order = row["with_order"]
            result.orders = row["orders"] or 0
            result.revenue = row["revenue"] or 0
    # 5. the "did not fire" baseline, per criterion (weighted by the fire days of each group)
    if baseline:
        _baselines(criteria, alerts, effects, keys, by_version, window, clock)
    for found in effects.values():
        found.outcomes = dict(sorted(found.outcomes.items(), key=lambda kv: (-kv[1], kv[0])))
    return _arrange(criteria, effects, by_version, window)


def _key(row: dict[str, Any], keys: list[str], by_version: bool) -> tuple[Any, ...]:
    key = tuple(row[k] for k in keys)
    return (*key, row["criterion_version_id"]) if by_version else key


def _alerts(criteria: list[Criterion], clock: Clock, window: int) -> QuerySet[Alert]:
    return Alert.objects.filter(criterion__in=criteria).annotate(
        fire_day=DayNumber("fired_at", clock.offset),
        act_day=DayNumber("acted_at", clock.offset)).order_by()


def _results(alerts: QuerySet[Alert], entity: str, window: int, clock: Clock,
             group: list[str]) -> QuerySet[Any]:
    """Per group and acted-on flag: alerts with a complete window, how many bought, orders and
    net revenue in their windows — one query, a correlated sum per alert on the
    (buyer, ordered_at) index."""
    from kizuna.commerce.models import Order, OrderKind

    fk, column = ORDER_LINK[entity]
    in_window = Order.objects.filter(**{fk: OuterRef(column)}).annotate(
        day=DayNumber("ordered_at", clock.offset)).filter(
        day__gte=OuterRef("fire_day"), day__lt=OuterRef("fire_day") + window).order_by()
    orders = Subquery(in_window.filter(kind=OrderKind.SALE).values(fk).annotate(
        n=Count("pk")).values("n")[:1], output_field=IntegerField())
    revenue = Subquery(in_window.values(fk).annotate(s=Sum("total")).values("s")[:1],
                       output_field=IntegerField())
    return alerts.filter(fire_day__lte=clock.today - window).annotate(
        n_orders=Coalesce(orders, Value(0)), yen=Coalesce(revenue, Value(0)),
        acted_in_window=Case(When(status=AlertStatus.DONE, act_day__lt=F("fire_day") + window,
                                  then=Value(1)), default=Value(0), output_field=IntegerField()),
    ).values(*group, "acted_in_window").annotate(
        n=Count("pk"), with_order=Count("pk", filter=Q(n_orders__gt=0)),
        orders=Sum("n_orders"), revenue=Sum("yen")).order_by()


def _baselines(criteria: list[Criterion], alerts: QuerySet[Alert],
               effects: dict[tuple[Any, ...], Effect], keys: list[str], by_version: bool,
               window: int, clock: Clock) -> None:
    """Per criterion: records of its type that never had an alert of it; their orders and
    revenue per calendar day over the period the complete windows cover (one query), then per
    group the mean per record over the windows starting on its fire days."""
    from kizuna.commerce.models import OrderKind

    group = [*keys, "criterion_version_id"] if by_version else keys
    fire_days: dict[int, dict[tuple[Any, ...], dict[int, int]]] = defaultdict(
        lambda: defaultdict(dict))
    for row in alerts.filter(fire_day__lte=clock.today - window).values(
            *group, "fire_day").annotate(n=Count("pk")).order_by():
        fire_days[row["criterion_id"]][_key(row, keys, by_version)][row["fire_day"]] = row["n"]
    for criterion in criteria:
        groups = fire_days.get(criterion.pk)
        if not groups:
            continue
        first = min(day for days in groups.values() for day in days)
        last = max(day for days in groups.values() for day in days) + window
        spec = entity_spec(criterion.entity)
        path = RECORD_ORDERS[criterion.entity]
        if connection.vendor == "postgresql":  # an anti-join
            never = spec.base_queryset().exclude(Exists(Alert.objects.filter(
                criterion=criterion, **{criterion.entity: OuterRef("pk")})))
        else:  # SQLite probed the alerts once per order row; NOT IN reads them once
            never = spec.base_queryset().exclude(pk__in=Alert.objects.filter(
                criterion=criterion).values(criterion.entity))
        population = never.count()
        per_day = {row["day"]: (row["n_sales"], row["yen"] or 0) for row in never.filter(**{
            f"{path}__ordered_at__gte": clock.start_of(first),
            f"{path}__ordered_at__lt": clock.start_of(last)}).values(
            day=DayNumber(f"{path}__ordered_at", clock.offset)).annotate(
            n_sales=Count(path, filter=Q(**{f"{path}__kind": OrderKind.SALE})),
            yen=Sum(f"{path}__total")).order_by()}
        # Prefix sums over the days, so each window is a subtraction.
        orders_upto, revenue_upto = [0], [0]
        for day in range(first, last):
            o, r = per_day.get(day, (0, 0))
            orders_upto.append(orders_upto[-1] + o)
            revenue_upto.append(revenue_upto[-1] + r)
        for key, days in groups.items():
            weight = sum(days.values())
            orders = sum(n * (orders_upto[d - first + window] - orders_upto[d - first])
                         for d, n in days.items())
            revenue = sum(n * (revenue_upto[d - first + window] - revenue_upto[d - first])
                          for d, n in days.items())
            # Every record of the population, measured over each of these windows.
            effects[key].baseline = Result(records=weight * population, with_order=None,
                                           orders=orders, revenue=revenue,
                                           population=population) if population else None


def _arrange(criteria: list[Criterion], effects: dict[tuple[Any, ...], Effect],
             by_version: bool, window: int) -> list[Effect]:
    """In the order of ``criteria`` (a criterion that never fired gets an empty row unless
    by revision); revisions newest first."""
    out = []
    for criterion in criteria:
        mine = [e for key, e in effects.items() if key[0] == criterion.pk]
        if by_version:
            mine.sort(key=lambda e: -(e.version.number if e.version else 0))
        out += mine or ([] if by_version else [Effect(criterion, window=window)])
    return out
