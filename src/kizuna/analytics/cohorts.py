"""Acquisition cohorts and retention, and second-purchase conversion, as Ibis expressions
(the engine of :mod:`kizuna.analytics.engine`: DuckDB, PostgreSQL, Spark). Pure: no Django.

Input: a transaction log with the standard columns ``customer_id, date, amount``
(:func:`kizuna.analytics.engine.read_transactions`), one row per order or order line; returns
are rows with a negative amount.

Definitions (docs/decisions/0109-cohorts.md):

- A customer's **cohort** is the calendar month (or quarter) of their first purchase day.
- **Age** a of a cohort's period: the number of months (quarters) since the cohort's own;
  age 0 is the acquisition period.
- **active[c, a]**: the cohort's customers who bought in age a; **retention** = active / size,
  where size = active[c, 0] (everyone buys in their first period).
- **revenue[c, a]**: the cohort's net revenue in age a; **cumulative revenue per customer**
  adds the ages up and divides by the size: the cohort's LTV curve.
- **Repeat rate** of a cohort: the share of its customers with a second purchase day, at any
  later time up to the end of the data (or within ``within_days`` of their first).
- Cells a cohort has not reached yet (after the last period with data, or ``as_of``) are not
  zero but unknown: NaN in the rates, so a young cohort does not look like churn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
from ibis.backends import BaseBackend
from numpy.typing import NDArray

from kizuna.analytics.engine import to_columns

__all__ = ["CohortReport", "SecondPurchase", "cohort_report", "second_purchase"]

Freq = Literal["month", "quarter"]
_MONTHS = {"month": 1, "quarter": 3}


def _period(day: ir.DateValue, freq: Freq) -> ir.IntegerValue:
    """Months (or quarters) since year 0: consecutive integers for consecutive periods."""
    months = day.year().cast("int64") * 12 + day.month().cast("int64") - 1
    return months if freq == "month" else (months // 3)


def _period_start(code: int, freq: Freq) -> dt.date:
    months = code * _MONTHS[freq]
    return dt.date(months // 12, months % 12 + 1, 1)


def _check(freq: str) -> None:
    if freq not in _MONTHS:
        raise ValueError(f"freq must be 'month' or 'quarter', got {freq!r}")


@dataclass(frozen=True)
class CohortReport:
    """Per cohort (rows, oldest first) and age (columns, 0 = acquisition period)."""

    freq: str
    cohorts: list[dt.date]  # first day of each cohort's period
    size: NDArray[np.int64]
    active: NDArray[np.float64]  # NaN where the cohort has not reached the age yet
    revenue: NDArray[np.float64]  # likewise (net, in the log's currency unit)
    repeaters: NDArray[np.int64]  # customers with a second purchase day

    @property
    def retention(self) -> NDArray[np.float64]:
        return self.active / self.size[:, None]

    @property
    def cumulative_revenue_per_customer(self) -> NDArray[np.float64]:
        return np.cumsum(self.revenue, axis=1) / self.size[:, None]

    @property
    def repeat_rate(self) -> NDArray[np.float64]:
        return self.repeaters / self.size

    def to_dict(self) -> dict[str, Any]:
        def cells(values: NDArray[np.float64], digits: int = 6) -> list[list[float | None]]:
            return [[None if np.isnan(v) else round(float(v), digits) for v in row]
                    for row in values]

        return {
            "freq": self.freq,
            "cohorts": [c.isoformat() for c in self.cohorts],
            "size": [int(n) for n in self.size],
            "active": cells(self.active, 0),
            "retention": cells(self.retention),
            "revenue": cells(self.revenue, 2),
            "cumulative_revenue_per_customer": cells(self.cumulative_revenue_per_customer, 2),
            "repeat_rate": [round(float(r), 6) for r in self.repeat_rate],
        }


def _firsts(log: ir.Table) -> ir.Table:
    return log.group_by("customer_id").aggregate(first_day=log.date.min())


def cohort_report(con: BaseBackend, log: ir.Table, *, freq: Freq = "month",
                  as_of: dt.date | None = None, within_days: int | None = None
                  ) -> CohortReport:
    """Cohort sizes, activity and revenue by age, and repeat rates, of ``log`` up to ``as_of``
    (default: its last day)."""
    _check(freq)
    if as_of is not None:
        log = log.filter(log.date <= ibis.literal(as_of))
    firsts = _firsts(log)
    rows = log.join(firsts, "customer_id")
    cohort = _period(rows.first_day, freq)
    cells = rows.group_by(cohort=cohort, age=_period(rows.date, freq) - cohort).aggregate(
        customers=rows.customer_id.nunique(), revenue=rows.amount.sum())
    # A second purchase day: any later day (within ``within_days`` of the first, if given).
    later = rows.filter(rows.date > rows.first_day)
    if within_days is not None:
        later = later.filter(later.date <= later.first_day + ibis.interval(days=within_days))
    repeaters = (later.select("customer_id", cohort=_period(later.first_day, freq))
                 .distinct().group_by("cohort").aggregate(repeaters=ibis._.customer_id.count()))
    grid = to_columns(con, cells)
    repeat = to_columns(con, repeaters)
    bounds = to_columns(con, log.aggregate(last=log.date.max()))
    if len(grid["cohort"]) == 0:
        empty = np.zeros((0, 0))
        return CohortReport(freq, [], np.zeros(0, np.int64), empty, empty.copy(),
                            np.zeros(0, np.int64))
    last_day = as_of or _as_date(bounds["last"][0])
    last = (last_day.year * 12 + last_day.month - 1) // _MONTHS[freq]
    codes = np.asarray(grid["cohort"], dtype=np.int64)
    first = int(codes.min())
    n = last - first + 1
    ages = np.asarray(grid["age"], dtype=np.int64)
    active = np.zeros((n, n))
    revenue = np.zeros((n, n))
    active[codes - first, ages] = np.asarray(grid["customers"], dtype=np.float64)
    revenue[codes - first, ages] = np.asarray(grid["revenue"], dtype=np.float64)
    reached = np.arange(n)[None, :] <= (n - 1 - np.arange(n))[:, None]
    size = active[:, 0].astype(np.int64)
    keep = size > 0  # periods in which nobody was acquired have no cohort
    active[~reached] = np.nan
    revenue[~reached] = np.nan
    repeaters = np.zeros(n, dtype=np.int64)
    if len(repeat["cohort"]):
        repeaters[np.asarray(repeat["cohort"], dtype=np.int64) - first] = repeat["repeaters"]
    return CohortReport(freq, [_period_start(first + i, freq) for i in np.flatnonzero(keep)],
                        size[keep], active[keep], revenue[keep], repeaters[keep])


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return np.datetime64(value, "D").item()


@dataclass(frozen=True)
class SecondPurchase:
    """Second-purchase conversion per value of the customers' first-purchase attribute."""

    by: str
    values: list[Any]
    customers: NDArray[np.int64]
    converted: NDArray[np.int64]

    @property
    def rate(self) -> NDArray[np.float64]:
        return self.converted / self.customers

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "rows": [
            {"value": v, "customers": int(n), "converted": int(k), "rate": round(float(r), 6)}
            for v, n, k, r in zip(self.values, self.customers, self.converted, self.rate,
                                  strict=True)]}


def second_purchase(con: BaseBackend, log: ir.Table, by: str, *,
                    within_days: int | None = None) -> SecondPurchase:
    """Of the customers whose first purchase had ``by`` = v (e.g. the first product, channel or
    acquisition medium: a column of ``log``), how many bought again on a later day (within
    ``within_days`` of the first, if given). A first day with several values counts the
    customer under the value of its largest amount (ties: the smallest value)."""
    if by not in log.columns:
        raise ValueError(f"no column {by!r} in the log; columns are: {', '.join(log.columns)}")
    rows = log.join(_firsts(log), "customer_id")
    first_rows = rows.filter(rows.date == rows.first_day)
    ranked = first_rows.mutate(rank=ibis.row_number().over(
        group_by="customer_id", order_by=[ibis.desc("amount"), first_rows[by]]))
    group = ranked.filter(ranked["rank"] == 0).select("customer_id", value=ranked[by])
    later = rows.filter(rows.date > rows.first_day)
    if within_days is not None:
        later = later.filter(later.date <= later.first_day + ibis.interval(days=within_days))
    again = later.select("customer_id").distinct().mutate(again=ibis.literal(1))
    joined = group.left_join(again, "customer_id")
    counts = joined.group_by("value").aggregate(
        customers=joined.customer_id.count(),
        converted=joined.again.fill_null(0).sum())
    out = to_columns(con, counts)
    order = sorted(range(len(out["value"])), key=lambda i: (-int(out["customers"][i]),
                                                           str(out["value"][i])))
    return SecondPurchase(by, [out["value"][i] for i in order],
                          np.asarray([out["customers"][i] for i in order], dtype=np.int64),
                          np.asarray([out["converted"][i] for i in order], dtype=np.int64))
