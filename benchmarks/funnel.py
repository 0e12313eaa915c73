"""THE MODEL funnel: Kizuna's engine (kizuna.analytics.funnel, numpy) vs pandas, same definitions.

Runs in the benchmark venv (pandas is not a dependency of the product):

    .venv-bench/bin/python benchmarks/funnel.py                            # 10,000,000 entries
    .venv-bench/bin/python benchmarks/funnel.py --transitions 1000000      # a tenth

1. A seeded transition log of ``--transitions`` stage entries for a tenth as many leads:
   leads acquired over 2024–2025 move through 獲得 → 育成 → 有望 → 商談化 → 受注 by a Markov
   chain with fast passes, going back, recycling, revivals and dead ends (about ten entries per
   lead), listed in time order as a database export would. Times are to the second.
2. Both sides compute, for the 12 months of 2025: flow, balance at each month end, conversion
   (advanced / recycled / dead end), median days in stage, fast passes, links, leads existing —
   the definitions of docs/decisions/0301-the-model-stages.md. The pandas side is written the
   way a pandas user would: sort, groupby shift/bfill, drop_duplicates, a filter per month end.
3. Before timing, both sides are run on a small log and must give identical numbers; the
   benchmark log's results are compared too.

Each side runs ``--repeat`` times (default 1); the median wall time is reported.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from kizuna.analytics.funnel import StagePath, funnel_report, period_edges

PATH = StagePath(("acquired", "nurturing", "promising", "accepted", "won"))
K = len(PATH.stages)
ACQ, NUR, PRO, ACC, WON, REC, DEAD = range(K)
STOP = -1
# Next stage by current stage: (stages, probabilities). STOP: the lead stays where it is.
MOVES = {
    ACQ: ((NUR, PRO, REC, DEAD, STOP), (0.74, 0.10, 0.10, 0.04, 0.02)),
    NUR: ((PRO, ACC, REC, DEAD, STOP), (0.36, 0.05, 0.55, 0.02, 0.02)),
    PRO: ((ACC, WON, NUR, REC, DEAD, STOP), (0.42, 0.05, 0.10, 0.39, 0.02, 0.02)),
    ACC: ((WON, REC, PRO, STOP), (0.33, 0.60, 0.05, 0.02)),
    WON: ((STOP,), (1.0,)),
    REC: ((NUR, PRO, DEAD, STOP), (0.88, 0.08, 0.02, 0.02)),
    DEAD: ((STOP,), (1.0,)),
}
MEAN_DAYS = {ACQ: 8, NUR: 20, PRO: 12, ACC: 20, WON: 1, REC: 30, DEAD: 1}
FIRST = np.datetime64("2024-01-01T00:00:00")
ACQUIRING_DAYS = 730
LAST = np.datetime64("2026-03-31T23:59:59")  # outcomes after the window still count
EDGES = period_edges("2025-01-01", freq="month", count=12)


# ------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------


def simulate(n_leads: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(lead id, stage code, entered at) in time order; one round moves every active lead."""
    lead = np.arange(n_leads, dtype=np.int64)
    clock = rng.integers(0, ACQUIRING_DAYS * 86_400, n_leads)
    stage = np.zeros(n_leads, dtype=np.int8)
    ids, stages, times = [lead], [stage.copy()], [clock.copy()]
    active = lead.copy()
    limit = int((LAST - FIRST) / np.timedelta64(1, "s"))
    while active.size:
        current = stage[active]
        nxt = np.full(active.size, STOP, dtype=np.int64)
        draw = rng.random(active.size)
        for source, (targets, probs) in MOVES.items():
            rows = np.flatnonzero(current == source)
            if rows.size:
                cut = np.searchsorted(np.cumsum(probs), draw[rows], side="right")
                nxt[rows] = np.array(targets)[np.minimum(cut, len(targets) - 1)]
        gap = rng.exponential(np.array([MEAN_DAYS[s] for s in range(K)])[current] * 86_400)
        moving = (nxt != STOP) & (clock[active] + gap <= limit)
        active, nxt, gap = active[moving], nxt[moving], gap[moving]
        clock[active] += gap.astype(np.int64) + 1
        stage[active] = nxt
        ids.append(active)
        stages.append(nxt.astype(np.int8))
        times.append(clock[active].copy())
    lead_ids = np.concatenate(ids)
    codes = np.concatenate(stages)
    seconds = np.concatenate(times)
    order = np.argsort(seconds, kind="stable")  # a log in time order, leads interleaved
    return lead_ids[order], codes[order], FIRST + seconds[order].astype("timedelta64[s]")


# ------------------------------------------------------------------------------------------
# The two implementations
# ------------------------------------------------------------------------------------------


def kizuna(lead: np.ndarray, stage: np.ndarray, at: np.ndarray) -> dict[str, np.ndarray]:
    report = funnel_report(lead, stage, at, path=PATH, edges=EDGES)
    return {"flow": report.flow, "balance": report.balance, "advanced": report.advanced,
            "recycled": report.recycled, "dead_ended": report.dead_ended,
            "median_days": report.median_days, "fast_passes": report.fast_passes,
            "links": report.links, "leads": report.leads}


def pandas_funnel(lead: np.ndarray, stage: np.ndarray, at: np.ndarray) -> dict[str, np.ndarray]:
    """The same definitions, written with pandas."""
    p = len(EDGES) - 1
    df = pd.DataFrame({"lead": lead, "stage": stage.astype(np.int64), "t": at})
    df = df.sort_values(["lead", "t"], kind="stable", ignore_index=True)
    by_lead = df.groupby("lead", sort=False)
    df["prev"] = by_lead["stage"].shift(1).fillna(-1).astype(np.int64)
    df["t_next"] = by_lead["t"].shift(-1)
    df["period"] = pd.cut(df["t"], bins=pd.DatetimeIndex(EDGES), right=False, labels=False)
    grid = pd.MultiIndex.from_product([range(K), range(p)], names=["stage", "period"])

    def table(frame: pd.DataFrame) -> np.ndarray:
        counts = frame.groupby(["stage", "period"]).size().reindex(grid, fill_value=0)
        return counts.to_numpy().reshape(K, p)

    window = df[df["period"].notna()].copy()
    window["period"] = window["period"].astype(np.int64)
    cohort = window.drop_duplicates(["lead", "stage", "period"])

    # First decisive transition after each row, per source stage: shift within the lead, then
    # back-fill the next decisive outcome.
    outcome_table = PATH._outcome_table().reshape(K, K)
    outcome = pd.Series(0, index=df.index, dtype=np.int64)
    for source in range(K):
        decisive = outcome_table[source][df["stage"].to_numpy()]
        candidate = pd.Series(np.where(decisive > 0, decisive, np.nan), index=df.index)
        after = candidate.groupby(df["lead"]).shift(-1).groupby(df["lead"]).bfill()
        rows = df["stage"] == source
        outcome[rows] = after[rows].fillna(0).astype(np.int64)
    cohort = cohort.assign(outcome=outcome.loc[cohort.index])

    stays = cohort[cohort["t_next"].notna()]
    days = (stays["t_next"] - stays["t"]).dt.total_seconds()
    medians = days.groupby([stays["stage"], stays["period"]]).median().reindex(grid)
    median_days = medians.to_numpy().reshape(K, p) / 86_400

    expected = pd.Series(PATH._expected_table()).loc[window["prev"] + 1].to_numpy()
    fast = window[(window["stage"] < len(PATH.main)) & (window["stage"].to_numpy() > expected)]
    links = window.groupby(["prev", "stage", "period"]).size()
    link_array = np.zeros((K + 1, K, p), dtype=np.int64)
    for (f, t, q), n in links.items():
        link_array[f + 1, t, q] = n

    balance = np.zeros((K, p), dtype=np.int64)
    leads = np.zeros(p, dtype=np.int64)
    for q, end in enumerate(EDGES[1:]):
        latest = df[df["t"] < end].drop_duplicates("lead", keep="last")
        balance[:, q] = latest["stage"].value_counts().reindex(range(K), fill_value=0)
        leads[q] = len(latest)

    return {
        "flow": table(cohort), "balance": balance,
        "advanced": table(cohort[cohort["outcome"] == 1]),
        "recycled": table(cohort[cohort["outcome"] == 2]),
        "dead_ended": table(cohort[cohort["outcome"] == 3]),
        "median_days": median_days, "fast_passes": table(fast), "links": link_array,
        "leads": leads,
    }


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------


def check_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], what: str) -> None:
    for key in a:
        try:
            np.testing.assert_array_equal(a[key], b[key])
        except AssertionError as exc:
            sys.exit(f"{what}: kizuna and pandas differ on {key}:\n{exc}")


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transitions", type=int, default=10_000_000,
                        help="stage entries in the log (default 10,000,000; leads: a tenth)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20250401)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    small = simulate(3_000, rng)
    check_same(kizuna(*small), pandas_funnel(*small), "small log")
    print(f"small log ({len(small[0]):,} entries): identical results on both sides")

    started = time.perf_counter()
    lead, stage, at = simulate(max(1, args.transitions // 10), rng)
    print(f"log: {len(lead):,} stage entries for {len(np.unique(lead)):,} leads "
          f"(simulated in {time.perf_counter() - started:.1f} s); 12 monthly periods of 2025")

    ours, result = timed(lambda: kizuna(lead, stage, at), args.repeat)
    print(f"kizuna (numpy):  {ours:8.2f} s")
    theirs, expected = timed(lambda: pandas_funnel(lead, stage, at), args.repeat)
    print(f"pandas {pd.__version__}:    {theirs:8.2f} s")
    check_same(result, expected, "benchmark log")
    print(f"identical results; kizuna is {theirs / ours:.1f}× faster")


if __name__ == "__main__":
    main()
