"""RFM: recency, frequency and monetary value per customer as of a date, 1–5 scores, segments.

Pure numpy (no Django). ``rfm_table(customer_ids, dates, amounts, as_of=...)`` takes a
transaction log as three aligned arrays, like
:func:`kizuna.analytics.summary.summary_from_transactions`.

Definitions (as of ``as_of``; later rows are ignored):

- ``recency``: days from the customer's last purchase to ``as_of`` (0 = bought that day);
- ``frequency``: number of purchases (rows) — one row per order is the expected input;
- ``monetary``: total amount of those purchases.

Scores are quintiles, 5 best (most recent, most frequent, highest spend). Ties are handled
deterministically with the "min" rank: a customer's score is ``1 + floor(5 · k / n)`` where ``k``
is the number of customers *strictly worse* on that measure. Equal values therefore always get
the same score, scores do not depend on row or customer order, and a measure with heavy ties
(most customers bought once) leaves some scores unused rather than splitting equal customers
arbitrarily between two scores.

Segments follow the common 5×5 grid over the R and F scores (monetary does not move a customer
between segments; it is reported alongside), with "Lost" split from "Hibernating" at R = F = 1:

====  =====================  =====================
R     F 1-2 / 3 / 4-5 (grid)
====  =====================  =====================
5     F1 New · F2-3 Potential loyalist · F4-5 Champions
4     F1 Promising · F2-3 Potential loyalist · F4-5 Loyal
3     F1-2 About to sleep · F3 Need attention · F4-5 Loyal
1-2   F1-2 Hibernating (R1 F1: Lost) · F3-4 At risk · F5 Cannot lose them
====  =====================  =====================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kizuna.analytics._base import FloatArray

__all__ = ["SEGMENTS", "RFMTable", "quintile_scores", "rfm_segment", "rfm_table"]

# Segment key → (English label, Japanese label), in display order (best first). Data, not
# translations: the keys are stored; the UI picks the label.
SEGMENTS: dict[str, tuple[str, str]] = {
    "champions": ("Champions", "優良顧客"),
    "loyal": ("Loyal", "ロイヤル顧客"),
    "potential_loyalist": ("Potential loyalist", "ロイヤル候補"),
    "new": ("New", "新規顧客"),
    "promising": ("Promising", "有望顧客"),
    "need_attention": ("Need attention", "要注意顧客"),
    "about_to_sleep": ("About to sleep", "休眠予備軍"),
    "at_risk": ("At risk", "離反リスク顧客"),
    "cannot_lose": ("Cannot lose them", "失ってはならない顧客"),
    "hibernating": ("Hibernating", "休眠顧客"),
    "lost": ("Lost", "離脱顧客"),
}

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
        return {
            key: (int(counts[i]), float(share[i])) for i, key in enumerate(SEGMENTS)
        }


_SEGMENT_KEYS_SORTED = np.sort(_SEGMENT_KEYS)
_SORTED_TO_DISPLAY = np.array([list(SEGMENTS).index(key) for key in _SEGMENT_KEYS_SORTED])


def quintile_scores(values: ArrayLike) -> NDArray[np.int8]:
    """1–5 by quintile, higher value → higher score; ties share the lower ("min" rank) score.

    score = 1 + floor(5 · k / n), k = number of values strictly below (see the module doc).
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
    customer_ids: ArrayLike, dates: ArrayLike, amounts: ArrayLike, *, as_of: Any
) -> RFMTable:
    """RFM per customer from a transaction log, as of ``as_of`` (a date; later rows ignored)."""
    ids = np.asarray(customer_ids)
    if ids.ndim != 1:
        raise ValueError(f"customer_ids must be one-dimensional, got shape {ids.shape}")
    try:
        days = np.asarray(dates).astype("datetime64[D]").astype(np.int64)
        end = np.datetime64(as_of, "D").astype(np.int64)
    except (TypeError, ValueError) as exc:
        raise ValueError("dates and as_of must be dates, datetimes or ISO date strings") from exc
    values = np.asarray(amounts, dtype=np.float64)
    if days.shape != ids.shape or values.shape != ids.shape:
        raise ValueError(
            "customer_ids, dates and amounts must have the same length, got "
            f"{len(ids)}, {days.size}, {values.size}"
        )
    if np.any(days == np.datetime64("NaT").astype(np.int64)):
        raise ValueError("dates contains missing dates (NaT)")
    if not np.all(np.isfinite(values)):
        raise ValueError("amounts contains NaN or infinite values")

    keep = days <= end
    ids, days, values = ids[keep], days[keep], values[keep]
    customers, index = np.unique(ids, return_inverse=True)
    index = index.reshape(-1)
    n = len(customers)
    frequency = np.bincount(index, minlength=n).astype(np.int64)
    monetary = np.bincount(index, weights=values, minlength=n)
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, index, days)
    recency = end - last

    r_score = quintile_scores(-recency)  # fewer days since the last purchase is better
    f_score = quintile_scores(frequency)
    m_score = quintile_scores(monetary)
    segment = rfm_segment(r_score, f_score) if n else np.zeros(0, dtype=_SEGMENT_KEYS.dtype)
    return RFMTable(customers, recency, frequency, monetary, r_score, f_score, m_score, segment)
