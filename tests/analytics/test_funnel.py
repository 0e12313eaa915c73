"""THE MODEL funnel (kizuna.analytics.funnel): a hand-computed example with detours checked
exactly, the fast-pass rule, ties, periods, and properties over random logs. No database."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.analytics.funnel import (
    ADVANCED,
    DEAD_END,
    RECYCLED,
    StagePath,
    funnel_report,
    period_edges,
    period_start,
)

PATH = StagePath(("acquired", "nurturing", "promising", "accepted", "won"))
ACQ, NUR, PRO, ACC, WON, REC, DEAD = range(7)
Q1 = period_edges("2025-01-01", "2025-03-31", "month")  # January, February, March 2025

# Eight leads with detours, in time order as a database export would list them. The comments
# give what each row means; the expected numbers below were worked out by hand from them.
LOG = [
    # L1 acquired in December, then one stage at a time to won.
    (1, "acquired", "2024-12-10T10:00"),
    (1, "nurturing", "2025-01-05T00:00"),
    (1, "promising", "2025-01-20T00:00"),
    (1, "accepted", "2025-02-10T00:00"),
    (1, "won", "2025-03-15T00:00"),
    # L2 asked for a quote with its first contact: acquired and promising at the same instant
    # (fast pass over nurturing), then won without a sales-accepted step (fast pass again).
    (2, "acquired", "2025-01-08T09:00"),
    (2, "promising", "2025-01-08T09:00"),
    (2, "won", "2025-02-20T00:00"),
    # L3 recycled in January, revived to nurturing in March (no fast pass), then promising.
    (3, "acquired", "2025-01-10T00:00"),
    (3, "nurturing", "2025-01-15T00:00"),
    (3, "recycle", "2025-01-25T00:00"),
    (3, "nurturing", "2025-03-03T00:00"),
    (3, "promising", "2025-03-20T00:00"),
    # L4 acquired at February's first instant (belongs to February), a student: dead end.
    (4, "acquired", "2025-02-01T00:00"),
    (4, "dead_end", "2025-02-03T00:00"),
    # L5 from November; in February promising, sent back to nurturing, promising again in the
    # same month (one lead in the flow), accepted only in April (after the window).
    (5, "acquired", "2024-11-01T00:00"),
    (5, "nurturing", "2024-12-01T00:00"),
    (5, "promising", "2025-02-05T00:00"),
    (5, "nurturing", "2025-02-12T00:00"),
    (5, "promising", "2025-02-25T00:00"),
    (5, "accepted", "2025-04-02T00:00"),
    # L6 recycled at once, comes back asking for material: recycle → promising is a fast pass
    # (it skips nurturing, where a revived lead is expected).
    (6, "acquired", "2025-03-01T00:00"),
    (6, "recycle", "2025-03-05T00:00"),
    (6, "promising", "2025-03-28T00:00"),
    # L7 acquired in March's last second; L8 only in April.
    (7, "acquired", "2025-03-31T23:59:59"),
    (8, "acquired", "2025-04-05T00:00"),
]


def columns(rows: list[tuple[int, str, str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids, stages, times = zip(*rows, strict=True)
    return np.array(ids), np.array(stages), np.array(times, dtype="datetime64[s]")


def by_stage(**rows: list[float]) -> np.ndarray:
    """A stages × periods table from keyword rows (missing stages are zeros)."""
    return np.array([rows.get(name, [0, 0, 0]) for name in PATH.stages], dtype=float)


@pytest.fixture(scope="module")
def report():
    return funnel_report(*columns(LOG), path=PATH, edges=Q1)


def test_flow_counts_distinct_leads_entering_each_stage(report) -> None:
    expected = by_stage(acquired=[2, 1, 2], nurturing=[2, 1, 1], promising=[2, 1, 2],
                        accepted=[0, 1, 0], won=[0, 1, 1], recycle=[1, 0, 1],
                        dead_end=[0, 1, 0])
    np.testing.assert_array_equal(report.flow, expected)


def test_balance_is_where_each_lead_sits_at_the_end_of_the_period(report) -> None:
    expected = by_stage(acquired=[0, 0, 1], nurturing=[1, 0, 0], promising=[2, 1, 3],
                        accepted=[0, 1, 0], won=[0, 1, 2], recycle=[1, 1, 0],
                        dead_end=[0, 1, 1])
    np.testing.assert_array_equal(report.balance, expected)
    # L4 (acquired at February's first instant) does not exist at the end of January.
    np.testing.assert_array_equal(report.leads, [4, 5, 7])
    np.testing.assert_array_equal(report.balance.sum(axis=0), report.leads)


def test_conversion_follows_each_cohort_to_its_first_decisive_move(report) -> None:
    np.testing.assert_array_equal(report.advanced, by_stage(
        acquired=[2, 0, 0], nurturing=[1, 1, 1], promising=[2, 1, 0], accepted=[0, 1, 0],
        recycle=[1, 0, 1]))
    np.testing.assert_array_equal(report.recycled, by_stage(nurturing=[1, 0, 0],
                                                            acquired=[0, 0, 1]))
    np.testing.assert_array_equal(report.dead_ended, by_stage(acquired=[0, 1, 0]))
    np.testing.assert_array_equal(report.open, by_stage(
        acquired=[0, 0, 1], promising=[0, 0, 2], won=[0, 1, 1], dead_end=[0, 1, 0]))
    rate = report.conversion_rate
    assert rate[NUR].tolist() == [0.5, 1.0, 1.0]
    assert report.recycle_rate[NUR, 0] == 0.5
    assert report.dead_end_rate[ACQ, 1] == 1.0
    assert np.isnan(rate[ACC, 0])  # nobody entered: nothing to measure
    # L5's February promising: back to nurturing and promising again are not decisive; the
    # accepted in April (after the window) is.
    assert report.advanced[PRO, 1] == 1


def test_median_days_in_stage_over_ended_stays(report) -> None:
    nan = np.nan
    expected = by_stage(
        acquired=[2.5, 2, 4],      # L2 0 d and L3 5 d; L4 2 d; L6 4 d (L7 still there)
        nurturing=[12.5, 13, 17],  # L1 15 d, L3 10 d; L5 13 d; L3 17 d
        promising=[31.8125, 7, nan],  # L1 21 d, L2 42 d 15 h; L5's first stay 7 d; still open
        accepted=[nan, 33, nan],
        won=[nan, nan, nan],
        recycle=[37, nan, 23],     # L3 25 Jan → 3 Mar; L6 5 → 28 Mar
        dead_end=[nan, nan, nan],
    )
    np.testing.assert_array_equal(report.median_days, expected)


def test_fast_passes_and_links(report) -> None:
    np.testing.assert_array_equal(report.fast_passes, by_stage(promising=[1, 0, 1],
                                                               won=[0, 1, 0]))
    links = {(None if f == 0 else PATH.stages[f - 1], PATH.stages[t]): report.links[f, t].tolist()
             for f in range(8) for t in range(7) if report.links[f, t].any()}
    assert links == {
        (None, "acquired"): [2, 1, 2],
        ("acquired", "nurturing"): [2, 0, 0],
        ("acquired", "promising"): [1, 0, 0],
        ("acquired", "recycle"): [0, 0, 1],
        ("acquired", "dead_end"): [0, 1, 0],
        ("nurturing", "promising"): [1, 2, 1],
        ("nurturing", "recycle"): [1, 0, 0],
        ("promising", "nurturing"): [0, 1, 0],
        ("promising", "accepted"): [0, 1, 0],
        ("promising", "won"): [0, 1, 0],
        ("accepted", "won"): [0, 0, 1],
        ("recycle", "nurturing"): [0, 0, 1],
        ("recycle", "promising"): [0, 0, 1],
    }


def test_the_order_of_the_log_does_not_matter(report) -> None:
    rng = np.random.default_rng(3)
    # Any order that keeps each lead's rows in sequence (L2 has two rows at the same instant).
    leads = rng.permutation(8) + 1
    shuffled = [row for lead in leads for row in LOG if row[0] == lead]
    again = funnel_report(*columns(shuffled), path=PATH, edges=Q1)
    for name in ("flow", "balance", "advanced", "recycled", "dead_ended", "fast_passes",
                 "links", "leads"):
        np.testing.assert_array_equal(getattr(again, name), getattr(report, name))
    np.testing.assert_array_equal(again.median_days, report.median_days)


def test_string_lead_ids_and_stage_codes_give_the_same_report(report) -> None:
    ids, stages, times = columns(LOG)
    codes = PATH.encode(stages)
    again = funnel_report(np.array([f"L{i:03d}" for i in ids]), codes, times, path=PATH,
                          edges=Q1)
    np.testing.assert_array_equal(again.balance, report.balance)
    np.testing.assert_array_equal(again.advanced, report.advanced)


def test_the_json_form_names_stages_and_periods(report) -> None:
    data = report.to_dict()
    assert data["periods"][0] == {"start": "2025-01-01", "end": "2025-02-01"}
    assert data["flow"]["acquired"] == [2, 1, 2]
    assert data["conversion"]["conversion_rate"]["accepted"] == [None, 1.0, None]
    assert data["median_days_in_stage"]["promising"] == [31.812, 7.0, None]
    assert {"from": "recycle", "to": "promising", "transitions": [0, 0, 1]} in data["links"]


# --- rules -------------------------------------------------------------------------------------


def test_fast_pass_rule() -> None:
    assert not PATH.is_fast_pass(None, ACQ)
    assert PATH.is_fast_pass(None, NUR)  # a log whose first entry skips acquisition
    assert not PATH.is_fast_pass(ACQ, NUR)
    assert PATH.is_fast_pass(ACQ, PRO) and PATH.is_fast_pass(NUR, WON)
    assert not PATH.is_fast_pass(PRO, NUR)  # back is not a fast pass
    assert not PATH.is_fast_pass(REC, NUR)  # the revival stage
    assert PATH.is_fast_pass(REC, PRO) and PATH.is_fast_pass(DEAD, ACC)
    assert not PATH.is_fast_pass(PRO, REC) and not PATH.is_fast_pass(PRO, DEAD)
    assert PATH.outcome(PRO, ACC) == ADVANCED and PATH.outcome(PRO, NUR) == 0
    assert PATH.outcome(REC, NUR) == ADVANCED and PATH.outcome(REC, DEAD) == DEAD_END
    assert PATH.outcome(WON, REC) == RECYCLED


def test_stage_path_validation() -> None:
    with pytest.raises(ValueError, match="distinct"):
        StagePath(("a", "b", "a"))
    with pytest.raises(ValueError, match="distinct"):
        StagePath(("a", "recycle"))
    with pytest.raises(ValueError, match="unknown stages"):
        PATH.encode(["acquired", "lost"])
    assert StagePath(("only",)).revival == 0


def test_ties_keep_the_order_of_the_log() -> None:
    rows = [(1, "acquired", "2025-01-10T10:00"), (1, "nurturing", "2025-01-11T10:00"),
            (1, "recycle", "2025-01-12T10:00"), (1, "nurturing", "2025-01-12T10:00")]
    edges = period_edges("2025-01-01", freq="month", count=1)
    forward = funnel_report(*columns(rows), path=PATH, edges=edges)
    assert forward.balance[:, 0].tolist() == [0, 1, 0, 0, 0, 0, 0]
    assert forward.links[1 + REC, NUR, 0] == 1 and forward.links[1 + NUR, REC, 0] == 1
    backward = funnel_report(*columns([*rows[:2], rows[3], rows[2]]), path=PATH, edges=edges)
    assert backward.balance[:, 0].tolist() == [0, 0, 0, 0, 0, 1, 0]


def test_periods_weeks_start_monday_quarters_follow_the_calendar() -> None:
    assert period_start("2025-01-01T12:00", "week") == np.datetime64("2024-12-30T00:00:00")
    assert period_start("2025-05-20", "quarter") == np.datetime64("2025-04-01T00:00:00")
    weeks = period_edges("2025-01-01", "2025-01-31", "week")
    assert len(weeks) == 6 and str(weeks[-1]) == "2025-02-03T00:00:00"
    quarters = period_edges("2024-04-01", freq="quarter", count=4)  # a Japanese fiscal year
    assert [str(q)[:10] for q in quarters] == ["2024-04-01", "2024-07-01", "2024-10-01",
                                               "2025-01-01", "2025-04-01"]
    with pytest.raises(ValueError, match="period must be"):
        period_start("2025-01-01", "day")  # type: ignore[arg-type]


def test_bad_input_is_refused() -> None:
    ids, stages, times = columns(LOG)
    with pytest.raises(ValueError, match="same length"):
        funnel_report(ids[:-1], stages, times, path=PATH, edges=Q1)
    aware = [dt.datetime(2025, 1, 1, tzinfo=dt.UTC)] * len(ids)
    with pytest.raises(ValueError, match="timezone-aware"):
        funnel_report(ids, stages, np.array(aware, dtype=object), path=PATH, edges=Q1)
    with pytest.raises(ValueError, match="increasing"):
        funnel_report(ids, stages, times, path=PATH, edges=Q1[::-1])
    empty = funnel_report([], [], np.array([], dtype="datetime64[s]"), path=PATH, edges=Q1)
    assert empty.flow.sum() == 0 and np.isnan(empty.median_days).all()


# --- properties over random logs ---------------------------------------------------------------

BASE = np.datetime64("2025-01-01T00:00:00")


@st.composite
def logs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_leads = draw(st.integers(1, 12))
    ids, stages, times = [], [], []
    for lead in range(n_leads):
        moment = draw(st.integers(-40, 120)) * 86_400 + draw(st.integers(0, 86_399))
        moves = draw(st.lists(st.integers(0, 6), min_size=0, max_size=8))
        for stage in [0, *moves]:
            ids.append(lead * 7 + 3)  # sparse, not starting at 0
            stages.append(stage)
            times.append(BASE + np.timedelta64(moment, "s"))
            moment += draw(st.sampled_from([0, 0, 1, 3_600, 86_400, 20 * 86_400]))
    order = draw(st.permutations(range(len(ids))))
    ids_a, stages_a, times_a = np.array(ids), np.array(stages), np.array(times)
    # Shuffle rows across leads, but keep each lead's rows in sequence (same-instant ties).
    key = np.array([order.index(i) for i in range(len(ids))])
    lead_rank = {lead: key[ids_a == lead].min() for lead in set(ids)}
    rows = sorted(range(len(ids)), key=lambda i: (lead_rank[ids[i]], i))
    return ids_a[rows], stages_a[rows], times_a[rows]


@settings(max_examples=150, deadline=None)
@given(log=logs(), freq=st.sampled_from(["week", "month", "quarter"]))
def test_funnel_properties(log, freq) -> None:
    ids, stages, times = log
    edges = period_edges(BASE, BASE + np.timedelta64(100, "D"), freq)
    report = funnel_report(ids, stages, times, path=PATH, edges=edges)
    # Balances add up to the leads that exist at each period end.
    ends = edges[1:]
    exist = [len({i for i, t in zip(ids, times, strict=True) if t < end}) for end in ends]
    np.testing.assert_array_equal(report.balance.sum(axis=0), exist)
    np.testing.assert_array_equal(report.leads, exist)
    # Flows never exceed the leads; the cohort splits into its outcomes.
    assert (report.flow <= len(set(ids.tolist()))).all()
    assert (report.open >= 0).all()
    for rate in (report.conversion_rate, report.recycle_rate, report.dead_end_rate):
        finite = rate[~np.isnan(rate)]
        assert ((finite >= 0) & (finite <= 1)).all()
    assert (report.median_days[~np.isnan(report.median_days)] >= 0).all()
    # Each in-window entry is one link; fast passes are some of them.
    in_window = (times >= edges[0]) & (times < edges[-1])
    assert report.links.sum() == in_window.sum()
    assert report.fast_passes.sum() <= in_window.sum()
    # Flow is the distinct (lead, stage, period) of in-window entries.
    period = np.searchsorted(edges, times, side="right") - 1
    distinct = {(i, s, q) for i, s, q, w in zip(ids, stages, period, in_window, strict=True)
                if w}
    assert report.flow.sum() == len(distinct)


def naive_report(ids, stages, times, edges):  # type: ignore[no-untyped-def]
    """The definitions, lead by lead with plain Python loops (the log order breaks ties)."""
    k, p = len(PATH.stages), len(edges) - 1
    flow = np.zeros((k, p), int)
    outcome = np.zeros((4, k, p), int)
    balance = np.zeros((k, p), int)
    stays: dict[tuple[int, int], list[float]] = {}
    rows: dict[int, list[tuple[np.datetime64, int, int]]] = {}
    for n, (i, s, t) in enumerate(zip(ids, stages, times, strict=True)):
        rows.setdefault(int(i), []).append((t, n, int(s)))
    for entries in rows.values():
        entries.sort()
        seen: set[tuple[int, int]] = set()
        for j, (t, _n, s) in enumerate(entries):
            q = int(np.searchsorted(edges, t, side="right")) - 1
            if not 0 <= q < p or (s, q) in seen:
                continue
            seen.add((s, q))
            flow[s, q] += 1
            result = next((PATH.outcome(s, later) for _t, _m, later in entries[j + 1:]
                           if PATH.outcome(s, later)), 0)
            outcome[result, s, q] += 1
            if j + 1 < len(entries):
                days = (entries[j + 1][0] - t) / np.timedelta64(1, "s") / 86_400
                stays.setdefault((s, q), []).append(days)
        for q, end in enumerate(edges[1:]):
            before = [s for t, _n, s in entries if t < end]
            if before:
                balance[before[-1], q] += 1
    medians = np.full((k, p), np.nan)
    for (s, q), values in stays.items():
        medians[s, q] = np.median(values)
    return flow, balance, outcome, medians


@settings(max_examples=150, deadline=None)
@given(log=logs(), freq=st.sampled_from(["week", "month"]))
def test_funnel_matches_the_definitions_computed_naively(log, freq) -> None:
    ids, stages, times = log
    edges = period_edges(BASE - np.timedelta64(10, "D"), BASE + np.timedelta64(90, "D"), freq)
    report = funnel_report(ids, stages, times, path=PATH, edges=edges)
    flow, balance, outcome, medians = naive_report(ids, stages, times, edges)
    np.testing.assert_array_equal(report.flow, flow)
    np.testing.assert_array_equal(report.balance, balance)
    np.testing.assert_array_equal(report.advanced, outcome[ADVANCED])
    np.testing.assert_array_equal(report.recycled, outcome[RECYCLED])
    np.testing.assert_array_equal(report.dead_ended, outcome[DEAD_END])
    np.testing.assert_allclose(report.median_days, medians, rtol=0, atol=1e-9)
