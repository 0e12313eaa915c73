"""RFM: recency, frequency and monetary value per customer as of a date, 1–5 scores, segments,
segment counts and revenue shares, and movement between segments from one date to another.

Every computation is an Ibis expression over a transaction log with the columns
``customer_id, date, amount`` (see :func:`kizuna.analytics.engine.read_transactions`), so the
same code runs on DuckDB, PostgreSQL and Spark and gives the same result on each
(docs/decisions/0108-analytics-engine.md). :func:`rfm_table` keeps the array interface
(three aligned arrays in, numpy columns out) and runs on an in-memory DuckDB.

Definitions (as of ``as_of``; later rows are ignored):

- ``recency``: days from the customer's last purchase to ``as_of`` (0 = bought that day);
- ``frequency``: number of purchases (rows) — one row per order is the expected input;
- ``monetary``: total amount of those purchases (integer yen keeps every engine exact);
- ``T`` (in :func:`customer_summary`): days from the first purchase to ``as_of``.

Scores are quintiles, 5 best (most recent, most frequent, highest spend). Ties use the "min"
rank: a customer's score is ``1 + floor(5 · k / n)`` where ``k`` is the number of customers
*strictly worse* on that measure (SQL ``RANK() - 1`` over the measure, worst first; counted
from the histogram of its distinct values) and ``n`` the number of customers. This is
``NTILE(5)`` over the ordered values when all values differ (exact fifths); equal values
always get the same score, the scores do not depend on row or customer order, and a measure
with heavy ties (most customers bought once) leaves some scores unused rather than splitting
equal customers arbitrarily between two scores. The score is computed with integer
comparisons (``5k ≥ j·n``), never a floating-point division, so every engine agrees to the
customer.

Segments: the 5×5 grid over the R and F scores published with the eleven usual names (see the
decision 0108 for the source); monetary does not move a customer between segments and is
reported alongside (counts and revenue share per segment). "Lost" is split from
"Hibernating" at R = F = 1.

====  ================================================================
R     F = 1 · 2 · 3 · 4 · 5
====  ================================================================
5     New · Potential loyalist · Potential loyalist · Champions · Champions
4     Promising · Potential loyalist · Potential loyalist · Loyal · Loyal
3     About to sleep · About to sleep · Need attention · Loyal · Loyal
2     Hibernating · Hibernating · At risk · At risk · Can't lose them
1     Lost · Hibernating · At risk · At risk · Can't lose them
====  ================================================================
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from ibis.backends import BaseBackend
from numpy.typing import ArrayLike, NDArray

from kizuna.analytics._base import FloatArray
from kizuna.analytics.engine import connect, to_columns, transactions_from_arrays

__all__ = [
    "NOT_YET_A_CUSTOMER",
    "SEGMENTS",
    "RFMTable",
    "customer_summary",
    "movement_matrix",
    "quintile_scores",
    "rfm",
    "rfm_scores",
    "rfm_segment",
    "rfm_table",
    "segment_labels",
    "segment_movement",
    "segment_report",
]

# Segment key → (English label, Japanese label), in display order (best first). Data, not
# translations: the keys are stored; the UI picks the label (through gettext on the Django
# side).
SEGMENTS: dict[str, tuple[str, str]] = {
    "champions": ("Champions", "優良顧客"),
    "loyal": ("Loyal customers", "ロイヤル顧客"),
    "potential_loyalist": ("Potential loyalists", "ロイヤル候補"),
    "new": ("New customers", "新規顧客"),
    "promising": ("Promising", "有望顧客"),
    "need_attention": ("Need attention", "要注意顧客"),
    "about_to_sleep": ("About to sleep", "休眠予備軍"),
    "at_risk": ("At risk", "離反リスク顧客"),
    "cannot_lose": ("Can't lose them", "失ってはならない顧客"),
    "hibernating": ("Hibernating", "休眠顧客"),
    "lost": ("Lost", "離脱顧客"),
}
# The "from" side of a movement for customers who had not bought yet at the first date.
NOT_YET_A_CUSTOMER: tuple[str, str, str] = ("none", "Not yet a customer", "未購入")

# _GRID[r - 1][f - 1]: the segment of each (R, F) score pair.
_GRID = (
    ("lost", "hibernating", "at_risk", "at_risk", "cannot_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)
_SEGMENT_KEYS = np.array(list(SEGMENTS))
_GRID_INDEX = np.array([[list(SEGMENTS).index(key) for key in row] for row in _GRID])


# ------------------------------------------------------------------------------------------
# Ibis expressions
# ------------------------------------------------------------------------------------------


def _date(value: Any, name: str = "as_of") -> dt.date:
    try:
        day = np.datetime64(value, "D")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date, a datetime or an ISO date string") from exc
    if np.isnat(day):
        raise ValueError(f"{name} is not a date")
    return day.astype(dt.date)


def _recency_frequency_monetary(log: ir.Table, end: ir.DateScalar, *, first: bool) -> ir.Table:
    rows = log.filter(log.date <= end)
    monetary = rows.amount.sum()
    if rows.amount.type().is_integer():
        # DuckDB sums BIGINT as a 128-bit HUGEINT and PostgreSQL as NUMERIC; yen totals fit a
        # BIGINT, which is cheaper to rank, join and fetch.
        monetary = monetary.cast("int64")
    aggregates = {
        "last_purchase": rows.date.max(),
        "frequency": rows.count(),
        "monetary": monetary,
    }
    if first:
        aggregates = {"first_purchase": rows.date.min(), **aggregates}
    per = rows.group_by("customer_id").aggregate(**aggregates)
    return per.mutate(recency=end.delta(per.last_purchase, unit="day"))


def customer_summary(log: ir.Table, *, as_of: Any) -> ir.Table:
    """Per customer who bought on or before ``as_of``: ``customer_id, first_purchase,
    last_purchase, frequency, monetary, recency, T`` (recency and T in days to ``as_of``)."""
    end = ibis.literal(_date(as_of), type="date")
    per = _recency_frequency_monetary(log, end, first=True)
    return per.mutate(T=end.delta(per.first_purchase, unit="day"))


def _with_worse_count(table: ir.Table, column: str, name: str) -> ir.Table:
    """``table`` plus ``name``: how many rows have a strictly smaller ``column`` (the 0-based
    "min" rank, SQL ``RANK() - 1``). Counted on the histogram of the distinct values and
    joined back, which on a million customers is several times faster than a window over
    them (recency and frequency have few distinct values)."""
    hist = table.group_by(column).aggregate(_count=table.count())
    running = hist._count.sum().over(ibis.window(order_by=hist[column], preceding=None,
                                                 following=0))
    hist = hist.select(column, **{name: running - hist._count})
    return table.join(hist, column)


def _quintile(k: ir.IntegerValue, n: ir.IntegerValue) -> ir.IntegerValue:
    """1 + floor(5k / n) by integer comparisons (no floating-point division)."""
    k5 = k * 5
    return ibis.cases(
        (k5 >= n * 4, 5), (k5 >= n * 3, 4), (k5 >= n * 2, 3), (k5 >= n, 2), else_=1
    ).cast("int8")


def _segment_case(r_score: ir.IntegerValue, f_score: ir.IntegerValue) -> ir.StringValue:
    cell = r_score.cast("int64") * 10 + f_score.cast("int64")
    branches = [
        (10 * r + f, _GRID[r - 1][f - 1]) for r in range(1, 6) for f in range(1, 6)
    ]
    return cell.cases(*branches)


def rfm_scores(log: ir.Table, *, as_of: Any) -> ir.Table:
    """Per customer: ``customer_id, last_purchase, frequency, monetary, recency``, the scores
    ``r_score, f_score, m_score`` (1–5) and ``segment`` (a key of :data:`SEGMENTS`)."""
    end = ibis.literal(_date(as_of), type="date")
    summary = _recency_frequency_monetary(log, end, first=False)
    # A later last purchase is better: rank on the date rather than on recency (same order).
    ranked = _with_worse_count(summary, "last_purchase", "_r")
    ranked = _with_worse_count(ranked, "frequency", "_f")
    ranked = _with_worse_count(ranked, "monetary", "_m")
    ranked = ranked.mutate(_n=ranked.count().over(ibis.window()))
    scored = ranked.select(
        "customer_id", "last_purchase", "frequency", "monetary", "recency",
        r_score=_quintile(ranked._r, ranked._n),
        f_score=_quintile(ranked._f, ranked._n),
        m_score=_quintile(ranked._m, ranked._n),
    )
    return scored.mutate(segment=_segment_case(scored.r_score, scored.f_score))


def segment_labels() -> ir.Table:
    """``segment, position, en, ja`` for every segment, in display order (best first)."""
    keys = list(SEGMENTS)
    return ibis.memtable(
        pa.table(
            {
                "segment": keys,
                "position": pa.array(range(len(keys)), type=pa.int64()),
                "en": [SEGMENTS[key][0] for key in keys],
                "ja": [SEGMENTS[key][1] for key in keys],
            }
        )
    )


def segment_report(scores: ir.Table) -> ir.Table:
    """Per segment (all eleven, display order): ``segment, position, en, ja, customers,
    monetary, revenue_share`` from :func:`rfm_scores`. ``revenue_share`` is the segment's
    share of the total monetary value (0 when the total is not positive)."""
    per = scores.group_by("segment").aggregate(
        customers=scores.count(), monetary=scores.monetary.sum().cast("float64")
    )
    labels = segment_labels()
    joined = labels.left_join(per, labels.segment == per.segment).select(
        labels.segment, labels.position, labels.en, labels.ja,
        customers=per.customers.fill_null(0),
        monetary=per.monetary.fill_null(0.0),
    )
    total = joined.monetary.sum().over(ibis.window())
    return joined.mutate(
        revenue_share=ibis.ifelse(total > 0, joined.monetary / total, 0.0)
    ).order_by("position")


def segment_movement(log: ir.Table, *, start: Any, end: Any) -> ir.Table:
    """Customers moving between segments from ``start`` to ``end``: ``from_segment,
    to_segment, customers`` for every pair that occurs. Customers whose first purchase is
    after ``start`` come from ``"none"`` (:data:`NOT_YET_A_CUSTOMER`)."""
    first, last = _date(start, "start"), _date(end, "end")
    if last < first:
        raise ValueError(f"the end date {last} is before the start date {first}")
    before = rfm_scores(log, as_of=first).select("customer_id", from_segment="segment")
    after = rfm_scores(log, as_of=last).select("customer_id", to_segment="segment")
    joined = after.left_join(before, after.customer_id == before.customer_id).select(
        from_segment=before.from_segment.fill_null(NOT_YET_A_CUSTOMER[0]),
        to_segment=after.to_segment,
    )
    return joined.group_by(["from_segment", "to_segment"]).aggregate(customers=joined.count())


# ------------------------------------------------------------------------------------------
# Running them
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RFMTable:
    """One entry per customer (sorted by id); ``segment`` holds keys of :data:`SEGMENTS`."""

    customer_id: NDArray[Any]
    recency: NDArray[np.int64]
    frequency: NDArray[np.int64]
    monetary: FloatArray
    r_score: NDArray[np.int8]
    f_score: NDArray[np.int8]
    m_score: NDArray[np.int8]
    segment: NDArray[np.str_]

    def __len__(self) -> int:
        return len(self.customer_id)

    def segment_counts(self) -> dict[str, tuple[int, float]]:
        """Segment key → (customers, share of total monetary), every segment, display order."""
        index = np.searchsorted(_SEGMENT_KEYS_SORTED, self.segment)
        position = _SORTED_TO_DISPLAY[index]
        counts = np.bincount(position, minlength=len(SEGMENTS))
        revenue = np.bincount(position, weights=self.monetary, minlength=len(SEGMENTS))
        total = revenue.sum()
        share = revenue / total if total > 0 else np.zeros(len(SEGMENTS))
        return {key: (int(counts[i]), float(share[i])) for i, key in enumerate(SEGMENTS)}


_SEGMENT_KEYS_SORTED = np.sort(_SEGMENT_KEYS)
_SORTED_TO_DISPLAY = np.array([list(SEGMENTS).index(key) for key in _SEGMENT_KEYS_SORTED])


def rfm(con: BaseBackend, log: ir.Table, *, as_of: Any) -> RFMTable:
    """Run :func:`rfm_scores` on ``con`` and return the columns, sorted by customer id."""
    columns = to_columns(con, rfm_scores(log, as_of=as_of), sort_by="customer_id")
    return RFMTable(
        customer_id=columns["customer_id"],
        recency=columns["recency"].astype(np.int64),
        frequency=columns["frequency"].astype(np.int64),
        monetary=columns["monetary"].astype(np.float64),
        r_score=columns["r_score"].astype(np.int8),
        f_score=columns["f_score"].astype(np.int8),
        m_score=columns["m_score"].astype(np.int8),
        segment=columns["segment"].astype(str),
    )


def movement_matrix(
    con: BaseBackend, log: ir.Table, *, start: Any, end: Any
) -> tuple[list[str], list[str], NDArray[np.int64]]:
    """The transition matrix of counts: (row keys, column keys, matrix) where rows are
    ``"none"`` then the segments at ``start`` and columns the segments at ``end``, both in
    display order; ``matrix[i, j]`` customers moved from row i to column j."""
    columns = to_columns(con, segment_movement(log, start=start, end=end))
    rows = [NOT_YET_A_CUSTOMER[0], *SEGMENTS]
    cols = list(SEGMENTS)
    matrix = np.zeros((len(rows), len(cols)), dtype=np.int64)
    for source, target, count in zip(
        columns["from_segment"], columns["to_segment"], columns["customers"], strict=True
    ):
        matrix[rows.index(str(source)), cols.index(str(target))] = int(count)
    return rows, cols, matrix


# ------------------------------------------------------------------------------------------
# The array interface
# ------------------------------------------------------------------------------------------


def quintile_scores(values: ArrayLike) -> NDArray[np.int8]:
    """1–5 by quintile, higher value → higher score; ties share the lower ("min" rank) score.

    score = 1 + floor(5 · k / n), k = number of values strictly below (see the module doc). The
    numpy twin of the Ibis expression used by :func:`rfm_scores`.
    """
    array = np.asarray(values, dtype=np.float64)
    n = array.size
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    below = np.searchsorted(np.sort(array), array, side="left")
    return (1 + (5 * below) // n).astype(np.int8)


def rfm_segment(r_score: ArrayLike, f_score: ArrayLike) -> NDArray[np.str_]:
    """Segment keys for R and F scores (1–5) on the grid of the module doc."""
    r = np.asarray(r_score, dtype=np.int64)
    f = np.asarray(f_score, dtype=np.int64)
    if np.any((r < 1) | (r > 5) | (f < 1) | (f > 5)):
        raise ValueError("scores must be whole numbers from 1 to 5")
    return _SEGMENT_KEYS[_GRID_INDEX[r - 1, f - 1]]


def rfm_table(
    customer_ids: ArrayLike,
    dates: ArrayLike,
    amounts: ArrayLike,
    *,
    as_of: Any,
    con: BaseBackend | None = None,
) -> RFMTable:
    """RFM per customer from a transaction log given as aligned arrays, as of ``as_of``, run on
    ``con`` (default: this thread's in-memory DuckDB)."""
    ids = np.asarray(customer_ids)
    if ids.ndim != 1:
        raise ValueError(f"customer_ids must be one-dimensional, got shape {ids.shape}")
    try:
        days = np.asarray(dates).astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ValueError("dates and as_of must be dates, datetimes or ISO date strings") from exc
    end = _date(as_of)
    try:
        values = np.asarray(amounts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("amounts must contain only numbers") from exc
    if days.shape != ids.shape or values.shape != ids.shape:
        raise ValueError(
            "customer_ids, dates and amounts must have the same length, got "
            f"{len(ids)}, {days.size}, {values.size}"
        )
    if np.any(np.isnat(days)):
        raise ValueError("dates contains missing dates (NaT)")
    if not np.all(np.isfinite(values)):
        raise ValueError("amounts contains NaN or infinite values")
    # Whole amounts stay integers in the engine, so sums (and monetary ties) are exact.
    whole = np.all(values == np.round(values)) and np.all(np.abs(values) < 2**53)
    log = transactions_from_arrays(ids, days, values.astype(np.int64) if whole else values)
    return rfm(con if con is not None else _default_connection(), log, as_of=end)


_local = threading.local()


def _default_connection() -> BaseBackend:
    """One in-memory DuckDB per thread for the array API (a connection is not thread-safe)."""
    if getattr(_local, "con", None) is None:
        _local.con = connect()
    return _local.con
