"""THE MODEL funnel from a lead transition log: flow, balance, conversion, time in stage and
fast passes per stage and period (docs/decisions/0301-the-model-stages.md).

Pure numpy (no Django). The input is the log of stage entries as three aligned arrays — lead id,
stage, and when the lead entered that stage — plus the stage path: the ordered main path
(獲得 acquired → 育成 nurturing → 有望 promising → 商談化 accepted → 受注 won by default) and the
side boxes recycle and dead end. Times are naive *local* datetimes (Kizuna passes Asia/Tokyo);
periods are calendar weeks (starting Monday), months or quarters of that local time, given as
their boundaries (:func:`period_edges`).

Definitions, for a period p = [start, end):

- **flow(s, p)**: distinct leads that entered stage s during p.
- **balance(s, p)**: leads whose latest entry before the end of p is s — the leads sitting in s
  when p ends. Over all stages it adds up to the leads that exist then (:attr:`leads`).
- **conversion from s in p**: the cohort is the leads that entered s during p (flow), each from
  its first entry into s in p. Its outcome is the lead's first later transition that is
  *decisive* for s: a main-path stage after s (**advanced**, fast passes included), **recycled**
  or **dead end**. Leads with no decisive transition yet are **open** (still in s, or moved
  back to an earlier stage and not out again). advanced + recycled + dead_end + open = flow. For
  the side boxes every main-path stage counts as "after" s: a recycled lead that comes back has
  advanced out of recycle.
- **median days in stage**: over the cohort's stays that have ended, the days from the entry to
  the lead's next transition of any kind. Stays still running are not counted (``open`` and the
  balance say how many leads are still waiting).
- **fast pass**: an entry into a main-path stage beyond the one expected next — the first main
  stage for a new lead, the next main stage after a main stage, the revival stage (育成 by
  default) for a lead coming back from recycle or dead end. :meth:`StagePath.is_fast_pass` is the
  one rule; the operational store uses it too.

Transitions of one lead at the same instant keep the order they have in the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ADVANCED",
    "DEAD_END",
    "FREQS",
    "RECYCLED",
    "FunnelReport",
    "StagePath",
    "funnel_report",
    "period_edges",
    "period_start",
]

Freq = Literal["week", "month", "quarter"]
FREQS: tuple[str, ...] = ("week", "month", "quarter")
IntArray = NDArray[np.int64]

# Outcome classes of a transition out of a stage (StagePath.outcome).
ADVANCED, RECYCLED, DEAD_END = 1, 2, 3
_NONE = -1  # "no previous stage": the lead's first entry
_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class StagePath:
    """The stages: ``main`` in order, then the side boxes ``recycle`` and ``dead_end``.

    Stage codes are positions in :attr:`stages`: ``0 … len(main) - 1`` the main path, then
    recycle, then dead end. ``revival`` is the index in ``main`` of the stage a lead returns to
    from recycle (育成, the second stage, by default): it comes back without a new acquisition.
    """

    main: tuple[str, ...]
    recycle: str = "recycle"
    dead_end: str = "dead_end"
    revival: int = 1

    def __post_init__(self) -> None:
        main = tuple(str(name) for name in self.main)
        object.__setattr__(self, "main", main)
        if not main:
            raise ValueError("the main path needs at least one stage")
        names = (*main, self.recycle, self.dead_end)
        if len(set(names)) != len(names) or not all(names):
            raise ValueError(f"stage names must be distinct and not empty, got {list(names)}")
        if len(names) > 64:
            raise ValueError("at most 62 main-path stages")
        object.__setattr__(self, "revival", min(int(self.revival), len(main) - 1))
        if self.revival < 0:
            raise ValueError("revival must be the index of a main-path stage")

    # --- codes ----------------------------------------------------------------------------

    @property
    def stages(self) -> tuple[str, ...]:
        return (*self.main, self.recycle, self.dead_end)

    @property
    def recycle_code(self) -> int:
        return len(self.main)

    @property
    def dead_end_code(self) -> int:
        return len(self.main) + 1

    def code(self, name: str) -> int:
        try:
            return self.stages.index(name)
        except ValueError:
            raise ValueError(f"unknown stage {name!r}; stages are {', '.join(self.stages)}") \
                from None

    def encode(self, values: ArrayLike) -> NDArray[np.int8]:
        """Stage names (or codes) as int8 codes; unknown names raise, listing them."""
        array = np.asarray(values)
        if array.dtype.kind in "iu":
            if array.size and (array.min() < 0 or array.max() >= len(self.stages)):
                raise ValueError(f"stage codes must be in 0..{len(self.stages) - 1}")
            return array.astype(np.int8)
        distinct, inverse = np.unique(array.astype(str), return_inverse=True)
        known = {name: i for i, name in enumerate(self.stages)}
        unknown = [str(name) for name in distinct if name not in known]
        if unknown:
            raise ValueError(f"unknown stages {unknown}; stages are {', '.join(self.stages)}")
        lookup = np.array([known[name] for name in distinct], dtype=np.int8)
        return lookup[inverse.reshape(-1)]

    # --- the rules ------------------------------------------------------------------------

    def expected_next(self, previous: int | None) -> int:
        """The main-path stage a lead enters next when it skips nothing."""
        if previous is None or previous == _NONE:
            return 0
        if previous < len(self.main):
            return previous + 1
        return self.revival

    def is_fast_pass(self, previous: int | None, to: int) -> bool:
        """A move into a main-path stage beyond the one expected next (skips stages)."""
        return to < len(self.main) and to > self.expected_next(previous)

    def outcome(self, source: int, to: int) -> int:
        """What a transition ``source`` → ``to`` means for the cohort of ``source``: ADVANCED,
        RECYCLED, DEAD_END, or 0 (not decisive: a move back along the main path)."""
        if to == self.recycle_code:
            return RECYCLED if source != to else 0
        if to == self.dead_end_code:
            return DEAD_END if source != to else 0
        rank = source if source < len(self.main) else -1
        return ADVANCED if to > rank else 0

    def _expected_table(self) -> NDArray[np.int64]:
        """expected_next by previous code + 1 (index 0: no previous stage)."""
        return np.array([self.expected_next(p) for p in range(-1, len(self.stages))])

    def _outcome_table(self) -> NDArray[np.int8]:
        """outcome(source, to) at [source * stages + to]."""
        k = len(self.stages)
        return np.array([self.outcome(s, t) for s in range(k) for t in range(k)], dtype=np.int8)


# --------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------

# 1970-01-01 was a Thursday: Monday-based weeks start 3 days before day 0 (ISO 8601 weeks).
_EPOCH_WEEKDAY = 3


def _check_freq(freq: str) -> None:
    if freq not in FREQS:
        raise ValueError(f"period must be one of {', '.join(FREQS)}, got {freq!r}")


def period_start(moment: Any, freq: Freq) -> np.datetime64:
    """The start (local midnight) of the week, month or quarter holding ``moment``."""
    _check_freq(freq)
    value = np.datetime64(moment, "s")
    if freq == "week":
        days = value.astype("datetime64[D]").astype(np.int64)
        monday = (days + _EPOCH_WEEKDAY) // 7 * 7 - _EPOCH_WEEKDAY
        return np.datetime64(int(monday), "D").astype("datetime64[s]")
    months = value.astype("datetime64[M]").astype(np.int64)
    if freq == "quarter":
        months = months // 3 * 3  # 1970-01 starts a quarter; so does April (Japan's FY)
    return np.datetime64(int(months), "M").astype("datetime64[s]")


def _shift(start: np.datetime64, n: int, freq: Freq) -> np.datetime64:
    if freq == "week":
        return start + np.timedelta64(7 * n, "D")
    months = start.astype("datetime64[M]") + np.timedelta64(n * (3 if freq == "quarter" else 1),
                                                             "M")
    return months.astype("datetime64[s]")


def period_edges(first: Any, last: Any | None = None, freq: Freq = "month", *,
                 count: int | None = None) -> NDArray[np.datetime64]:
    """Boundaries of consecutive periods, as ``datetime64[s]`` (one more than periods).

    ``period_edges(first, last, freq)``: from the period holding ``first`` to the one holding
    ``last``; ``period_edges(first, freq=..., count=n)``: ``n`` periods from ``first``'s.
    """
    start = period_start(first, freq)
    if count is None:
        if last is None:
            raise ValueError("give the last moment or the number of periods")
        end = period_start(last, freq)
        if end < start:
            raise ValueError("the last period is before the first")
        count = 0
        while _shift(start, count, freq) <= end:
            count += 1
    if count < 1:
        raise ValueError("at least one period")
    return np.array([_shift(start, i, freq) for i in range(count + 1)], dtype="datetime64[s]")


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelReport:
    """Per stage (rows, in :attr:`StagePath.stages` order) and period (columns) counts.

    ``links[f, t, p]`` counts transitions into stage ``t`` during ``p`` from stage ``f - 1``
    (``f = 0``: the lead's first entry), for Sankey diagrams.
    """

    path: StagePath
    edges: NDArray[np.datetime64]
    flow: IntArray
    balance: IntArray
    advanced: IntArray
    recycled: IntArray
    dead_ended: IntArray
    median_days: NDArray[np.float64]
    fast_passes: IntArray
    links: IntArray
    leads: IntArray

    @property
    def periods(self) -> int:
        return len(self.edges) - 1

    @property
    def open(self) -> IntArray:
        return self.flow - self.advanced - self.recycled - self.dead_ended

    def _rate(self, counts: IntArray) -> NDArray[np.float64]:
        rate = np.full(counts.shape, np.nan)
        np.divide(counts, self.flow, out=rate, where=self.flow > 0)
        return rate

    @property
    def conversion_rate(self) -> NDArray[np.float64]:
        """Share of the stage's entrants in the period that reached a later main stage."""
        return self._rate(self.advanced)

    @property
    def recycle_rate(self) -> NDArray[np.float64]:
        return self._rate(self.recycled)

    @property
    def dead_end_rate(self) -> NDArray[np.float64]:
        return self._rate(self.dead_ended)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values: lists per stage name; NaN (nothing to measure) as None."""

        def per_stage(values: NDArray[Any], digits: int | None = None) -> dict[str, list[Any]]:
            out: dict[str, list[Any]] = {}
            for name, row in zip(self.path.stages, values, strict=True):
                if values.dtype.kind == "f":
                    out[name] = [None if np.isnan(v) else round(float(v), digits or 6)
                                 for v in row]
                else:
                    out[name] = [int(v) for v in row]
            return out

        stages = self.path.stages
        starts, ends = self.edges[:-1], self.edges[1:]
        return {
            "stages": list(stages),
            "main_path": list(self.path.main),
            "side_boxes": {"recycle": self.path.recycle, "dead_end": self.path.dead_end},
            "periods": [{"start": _iso(a), "end": _iso(b)} for a, b in zip(starts, ends,
                                                                         strict=True)],
            "leads": [int(v) for v in self.leads],
            "flow": per_stage(self.flow),
            "balance": per_stage(self.balance),
            "conversion": {
                "advanced": per_stage(self.advanced),
                "recycled": per_stage(self.recycled),
                "dead_end": per_stage(self.dead_ended),
                "open": per_stage(self.open),
                "conversion_rate": per_stage(self.conversion_rate),
                "recycle_rate": per_stage(self.recycle_rate),
                "dead_end_rate": per_stage(self.dead_end_rate),
            },
            "median_days_in_stage": per_stage(self.median_days, 3),
            "fast_passes": per_stage(self.fast_passes),
            "links": [
                {"from": None if f == 0 else stages[f - 1], "to": stages[t],
                 "transitions": [int(v) for v in self.links[f, t]]}
                for f in range(len(stages) + 1) for t in range(len(stages))
                if self.links[f, t].any()
            ],
        }


def _iso(moment: np.datetime64) -> str:
    return str(moment.astype("datetime64[D]")) if moment == moment.astype(
        "datetime64[D]") else str(moment)


# --------------------------------------------------------------------------------------------
# Input preparation
# --------------------------------------------------------------------------------------------


def _to_seconds(name: str, values: ArrayLike) -> IntArray:
    """Local datetimes (datetime64 of any unit, datetime objects or ISO text) as int64 seconds
    since 1970-01-01 00:00 local; timezone-aware datetimes are refused."""
    array = np.asarray(values)
    if array.dtype == object and any(
            isinstance(v, dt.datetime) and v.tzinfo is not None for v in array.ravel()):
        # numpy would silently convert to UTC and move a 08:00 Tokyo entry to the day before;
        # the caller picks the business calendar (Kizuna converts to Asia/Tokyo).
        raise ValueError(f"{name} holds timezone-aware datetimes; convert them to local time")
    try:
        seconds = array.astype("datetime64[s]")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold datetimes, dates or ISO text") from exc
    if np.any(np.isnat(seconds)):
        raise ValueError(f"{name} contains missing datetimes (NaT)")
    return seconds.astype(np.int64)


def _dense_leads(lead_ids: ArrayLike) -> tuple[IntArray, int]:
    """Lead ids as indices 0 … slots - 1. Integer ids in a compact range are used as they are
    (offset by the smallest): no sort, and ``bincount`` over slots stays small."""
    ids = np.asarray(lead_ids)
    if ids.ndim != 1:
        raise ValueError(f"lead_ids must be one-dimensional, got shape {ids.shape}")
    if ids.dtype.kind in "iu" and ids.size:
        low, high = int(ids.min()), int(ids.max())
        if high - low < max(4 * ids.size, 1 << 16):
            return (ids.astype(np.int64) - low), high - low + 1
    distinct, inverse = np.unique(ids, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), len(distinct)


def _sort_log(lead: IntArray, stage: NDArray[np.int8], t: IntArray, slots: int, n_stages: int
              ) -> tuple[IntArray, NDArray[np.int8], IntArray]:
    """(lead, stage, time) sorted by lead, then time, ties in log order.

    The three values are packed into one int64 per row — lead | seconds since the first entry |
    stage — and sorted with ``np.sort``, several times faster than an ``argsort`` plus three
    gathers on ten million rows. The stage bits break ties of (lead, time) by stage code, so
    those (rare) groups get their stages back in log order afterwards.
    """
    n = len(lead)
    t0 = int(t.min())
    offset = t - t0
    stage_bits = max(1, (n_stages - 1).bit_length())
    time_bits = max(1, int(offset.max()).bit_length())
    lead_bits = max(1, (slots - 1).bit_length())
    if lead_bits + time_bits + stage_bits > 62:
        order = np.lexsort((t, lead))  # stable: ties keep the log order
        return lead[order], stage[order], t[order]
    shift = time_bits + stage_bits
    key = lead << shift
    key |= offset << stage_bits
    key |= stage
    key.sort()
    moment_key = key >> stage_bits  # lead and time, without the stage
    tie = moment_key[1:] == moment_key[:-1]
    if tie.any():
        in_tie = np.zeros(n, dtype=bool)
        in_tie[1:] |= tie
        in_tie[:-1] |= tie
        positions = np.flatnonzero(in_tie)
        tied_keys = np.unique(moment_key[positions])
        original = (lead << time_bits) | offset
        where = np.searchsorted(tied_keys, original).clip(max=len(tied_keys) - 1)
        rows = np.flatnonzero(tied_keys[where] == original)  # ascending: log order
        rows = rows[np.argsort(original[rows], kind="stable")]
        key[positions] = (moment_key[positions] << stage_bits) | stage[rows]
    stage_sorted = (key & ((1 << stage_bits) - 1)).astype(np.int8)
    lead_sorted = moment_key >> time_bits
    moment_key &= (1 << time_bits) - 1
    moment_key += t0
    return lead_sorted, stage_sorted, moment_key


# --------------------------------------------------------------------------------------------
# The computation
# --------------------------------------------------------------------------------------------


def funnel_report(lead_ids: ArrayLike, stages: ArrayLike, entered_at: ArrayLike, *,
                  path: StagePath | Sequence[str], edges: ArrayLike) -> FunnelReport:
    """Flow, balance, conversion, median time in stage and fast passes per stage and period.

    ``lead_ids``, ``stages`` (names or codes of ``path``) and ``entered_at`` (naive local
    datetimes) are aligned, one row per stage entry, in any order. ``edges`` are the period
    boundaries (:func:`period_edges`). The whole log is used: entries before the first period
    make the first balances, transitions after the last period still count as outcomes.
    """
    if not isinstance(path, StagePath):
        path = StagePath(tuple(path))
    boundaries = np.asarray(edges, dtype="datetime64[s]")
    if boundaries.ndim != 1 or len(boundaries) < 2:
        raise ValueError("edges must hold at least two period boundaries")
    if np.any(np.diff(boundaries.astype(np.int64)) <= 0):
        raise ValueError("edges must be increasing")
    lead, slots = _dense_leads(lead_ids)
    codes = path.encode(stages)
    seconds = _to_seconds("entered_at", entered_at)
    if not (len(lead) == len(codes) == len(seconds)):
        raise ValueError(
            "lead_ids, stages and entered_at must have the same length, got "
            f"{len(lead)}, {len(codes)}, {len(seconds)}")
    k, p = len(path.stages), len(boundaries) - 1
    edge_s = boundaries.astype(np.int64)
    if len(lead) == 0:
        zeros = np.zeros((k, p), dtype=np.int64)
        return FunnelReport(path, boundaries, zeros, zeros.copy(), zeros.copy(), zeros.copy(),
                            zeros.copy(), np.full((k, p), np.nan), zeros.copy(),
                            np.zeros((k + 1, k, p), dtype=np.int64), np.zeros(p, np.int64))

    lead, stage, t = _sort_log(lead, codes, seconds, slots, k)
    n = len(lead)
    # Same lead on the next row: the row's stay ends there. Otherwise it is the lead's latest.
    continues = np.zeros(n, dtype=bool)
    np.equal(lead[1:], lead[:-1], out=continues[:-1])
    del lead  # the rest only needs where each lead's rows start and end
    first = np.ones(n, dtype=bool)
    first[1:] = ~continues[:-1]
    stage32 = stage.astype(np.int32)  # index arithmetic below: no small-int overflow
    previous = np.empty(n, dtype=np.int32)
    previous[0] = _NONE
    previous[1:] = stage32[:-1]
    previous[first] = _NONE

    # Period of each entry: -1 before the window, p after it.
    period = (np.searchsorted(edge_s, t, side="right") - 1).astype(np.int32)

    # --- balance at each period end: row i is the lead's latest for ends in (t_i, t_next_i] ---
    # The first end after t is period-end number max(period, 0); the next row's likewise.
    start_at = np.maximum(period, 0)
    stop_at = np.full(n, p, dtype=np.int32)
    np.copyto(stop_at[:-1], start_at[1:], where=continues[:-1])
    live = start_at < stop_at
    span = p + 1
    cells = k * span
    stage_span = stage32 * span
    change = np.bincount((stage_span + start_at)[live], minlength=cells) - \
        np.bincount((stage_span + stop_at)[live], minlength=cells)
    balance = np.cumsum(change.reshape(k, span), axis=1)[:, :p]
    leads = np.cumsum(np.bincount(start_at[first], minlength=span))[:p]
    del stage_span, stop_at, live, start_at

    # --- entries in the window: links and fast passes ---
    window = np.flatnonzero((period >= 0) & (period < p))
    w_stage, w_period, w_previous = stage32[window], period[window], previous[window]
    links = np.bincount(((w_previous + 1) * k + w_stage) * p + w_period,
                        minlength=(k + 1) * k * p).reshape(k + 1, k, p)
    fast = (w_stage < len(path.main)) & (w_stage > path._expected_table()[w_previous + 1])
    fast_passes = np.bincount(w_stage[fast] * p + w_period[fast], minlength=k * p).reshape(k, p)
    del w_previous, fast, previous

    # --- the cohorts: a lead's first entry into a stage within a period ---
    # Rows of one lead in one period are contiguous (sorted by time): number those blocks. Per
    # stage, the window's rows keep that order, so a block's repeated entries are neighbours.
    block_start = first
    block_start[1:] |= period[1:] != period[:-1]
    block = np.cumsum(block_start, dtype=np.int32)
    cohorts, cells = [], []
    for code in range(k):
        rows = window[w_stage == code]
        if rows.size:
            blocks = block[rows]
            keep = np.ones(rows.size, dtype=bool)
            np.not_equal(blocks[1:], blocks[:-1], out=keep[1:])
            rows = rows[keep]
            cohorts.append(rows)
            cells.append(period[rows] + code * p)
    del block, window, w_stage, w_period
    cohort = np.concatenate(cohorts) if cohorts else np.zeros(0, dtype=np.int64)
    cell = np.concatenate(cells) if cells else np.zeros(0, dtype=np.int32)
    c_stage = cell // p
    flow = np.bincount(cell, minlength=k * p).reshape(k, p)

    # Outcome: walk forward along each lead until a decisive transition or the lead's end.
    # Most leads decide on the next row, so the pending set shrinks fast.
    table = path._outcome_table()
    outcome = np.zeros(len(cohort), dtype=np.int8)
    pending = np.arange(len(cohort))
    position = cohort.copy()
    while pending.size:
        alive = continues[position]
        pending, position = pending[alive], position[alive] + 1
        decided = table[c_stage[pending] * k + stage[position]]
        outcome[pending] = decided
        undecided = decided == 0
        pending, position = pending[undecided], position[undecided]
    counts = [np.bincount(cell[outcome == kind], minlength=k * p).reshape(k, p)
              for kind in (ADVANCED, RECYCLED, DEAD_END)]

    # Median stay of the cohort (ended stays): sort (cell, seconds) packed in one int64.
    ended = continues[cohort]
    stay = (t[1:] - t[:-1])[cohort[ended]]  # cohort rows that continue are never the last
    median_days = _group_medians(cell[ended], stay, k * p).reshape(k, p) / _SECONDS_PER_DAY

    return FunnelReport(path, boundaries, flow, balance, counts[0], counts[1], counts[2],
                        median_days, fast_passes, links, leads)


def _group_medians(group: IntArray, values: IntArray, groups: int) -> NDArray[np.float64]:
    """Median of non-negative int ``values`` per ``group`` (NaN where empty); the mean of the
    two middle values for even counts, like numpy and pandas."""
    medians = np.full(groups, np.nan)
    if values.size == 0:
        return medians
    scale = int(values.max()) + 1
    if (groups - 1) * scale + scale >= 2**63:  # pragma: no cover - stays of centuries
        order = np.lexsort((values, group))
        packed_values, packed_groups = values[order], group[order]
    else:
        packed = group.astype(np.int64) * scale + values
        packed.sort()
        packed_groups, packed_values = np.divmod(packed, scale)
    sizes = np.bincount(packed_groups, minlength=groups)
    starts = np.cumsum(sizes) - sizes
    filled = np.flatnonzero(sizes)
    low = packed_values[starts[filled] + (sizes[filled] - 1) // 2]
    high = packed_values[starts[filled] + sizes[filled] // 2]
    medians[filled] = (low + high) / 2
    return medians
