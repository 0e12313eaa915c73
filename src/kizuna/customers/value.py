"""Customer value: the D2C orders of the operational database fed to the analytics engine.

One ``values_list`` query reads every D2C order (customer id, local Tokyo order day, total in
integer yen, kind, original order, the customer's acquisition channel); the rows go into the
engine with :func:`kizuna.analytics.engine.transactions_from_arrays` (no pandas) and the
analytics (:mod:`kizuna.analytics.rfm`, :mod:`kizuna.analytics.cohorts`) run on an in-memory
DuckDB, one per call.

Net amounts: a return (kind ``return``, negative total) is netted into the order it returns,
so an order's amount is what the customer finally paid; an order returned in full (net ≤ 0) is
not a purchase. A return whose original is unknown is dropped (it cannot be dated to a
purchase). The figures are company-wide: the views let only managers and administrators in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import numpy as np
import pyarrow as pa
from django.db.models.functions import TruncDate
from ibis.backends import BaseBackend

from kizuna.analytics import cohorts, rfm
from kizuna.analytics.engine import connect, to_columns, transactions_from_arrays
from kizuna.commerce.models import Order, OrderKind

__all__ = ["Log", "cohort_figures", "order_log", "rfm_figures", "segment_customer_ids"]

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Log:
    """One entry per purchase (net of returns): aligned arrays."""

    customer_id: np.ndarray
    date: np.ndarray  # datetime64[D], the Tokyo calendar day
    amount: np.ndarray  # int64 yen
    channel: dict[int, str | None]  # customer id → acquisition channel name

    def __len__(self) -> int:
        return len(self.customer_id)

    def table(self) -> ibis.expr.types.Table:
        return transactions_from_arrays(self.customer_id, self.date, self.amount)


def order_log() -> Log:
    """Every D2C order, net of its returns, as a transaction log."""
    rows = (Order.objects.filter(customer__isnull=False)
            .order_by()
            .values_list("pk", "original_id", "kind", "customer_id",
                         TruncDate("ordered_at", tzinfo=TOKYO), "total",
                         "customer__acquisition_channel__name"))
    sales: dict[int, list[Any]] = {}
    returns: list[tuple[int | None, int]] = []
    channel: dict[int, str | None] = {}
    for pk, original, kind, customer, day, total, channel_name in rows:
        channel[customer] = channel_name
        if kind == OrderKind.RETURN:
            returns.append((original, int(total)))
        else:
            sales[pk] = [customer, day, int(total)]
    for original, total in returns:
        if original in sales:
            sales[original][2] += total
    kept = [row for row in sales.values() if row[2] > 0]
    return Log(
        customer_id=np.array([row[0] for row in kept], dtype=np.int64),
        date=np.array([row[1] for row in kept], dtype="datetime64[D]"),
        amount=np.array([row[2] for row in kept], dtype=np.int64),
        channel=channel,
    )


def _engine() -> BaseBackend:
    # One in-memory DuckDB per call: a connection is not thread-safe, and the web server's
    # threads share two cores with everything else.
    return connect(threads=1)


@dataclass(frozen=True)
class RFMFigures:
    as_of: dt.date
    segments: list[dict[str, Any]]  # key, en, ja, customers, monetary, revenue_share
    movement_from: dt.date | None
    movement_rows: list[str]
    movement_cols: list[str]
    movement: list[list[int]]


def rfm_figures(log: Log, *, as_of: dt.date, compare: dt.date | None = None) -> RFMFigures:
    """Segment counts and revenue shares as of ``as_of``; with ``compare`` (an earlier date),
    the movement matrix from ``compare`` to ``as_of``."""
    con = _engine()
    table = log.table()
    report = to_columns(con, rfm.segment_report(rfm.rfm_scores(table, as_of=as_of)),
                        sort_by="position")
    segments = [{"key": str(key), "en": str(en), "ja": str(ja), "customers": int(n),
                 "monetary": round(float(m)), "revenue_share": float(share)}
                for key, en, ja, n, m, share in zip(
                    report["segment"], report["en"], report["ja"], report["customers"],
                    report["monetary"], report["revenue_share"], strict=True)]
    rows: list[str] = []
    cols: list[str] = []
    matrix: list[list[int]] = []
    if compare is not None:
        keys_r, keys_c, counts = rfm.movement_matrix(con, table, start=compare, end=as_of)
        rows, cols, matrix = keys_r, keys_c, counts.tolist()
    return RFMFigures(as_of, segments, compare, rows, cols, matrix)


def segment_customer_ids(log: Log, *, as_of: dt.date, segment: str) -> list[int]:
    """The customers in ``segment`` as of ``as_of`` (same computation as the page)."""
    if segment not in rfm.SEGMENTS:
        return []
    scores = rfm.rfm_scores(log.table(), as_of=as_of)
    columns = to_columns(_engine(), scores.filter(scores.segment == segment)
                         .select("customer_id"), sort_by="customer_id")
    return [int(c) for c in columns["customer_id"]]


@dataclass(frozen=True)
class CohortFigures:
    report: cohorts.CohortReport
    channels: cohorts.SecondPurchase | None


def cohort_figures(log: Log, *, as_of: dt.date | None = None) -> CohortFigures:
    """Monthly cohorts up to ``as_of`` and second-purchase conversion by acquisition channel."""
    con = _engine()
    table = log.table()
    report = cohorts.cohort_report(con, table, freq="month", as_of=as_of)
    if not len(log):
        return CohortFigures(report, None)
    ids = sorted(log.channel)
    channel_table = ibis.memtable(pa.table({
        "customer_id": pa.array(ids, type=pa.int64()),
        "channel": pa.array([log.channel[i] for i in ids], type=pa.string()),
    }))
    if as_of is not None:
        table = table.filter(table.date <= ibis.literal(as_of))
    joined = table.join(channel_table, "customer_id")
    return CohortFigures(report, cohorts.second_purchase(con, joined, "channel"))
