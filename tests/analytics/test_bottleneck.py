"""The bottleneck rule (kizuna.analytics.bottleneck): a constructed pipeline where nurturing
holds leads back, the identities between inflow, outflow and balance on random logs, and the
cases where no stage is flagged. No database."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.analytics.bottleneck import find_bottleneck
from kizuna.analytics.funnel import StagePath, funnel_report, period_edges

PATH = StagePath(("acquired", "nurturing", "promising", "accepted", "won"))
MONTHS = period_edges("2025-01-01", "2025-04-30", "month")  # January to April 2025


def report(log: list[tuple[int, str, str]]):  # type: ignore[no-untyped-def]
    ids, stages, moments = zip(*log, strict=True) if log else ((), (), ())
    return funnel_report(np.array(ids, dtype=np.int64), list(stages),
                         np.array(moments, dtype="datetime64[s]"), path=PATH, edges=MONTHS)


def constructed(*, won: bool = True) -> list[tuple[int, str, str]]:
    """Each month 10 leads are acquired and all move on to nurturing within the month; from
    nurturing only 4 a month move on to promising, and promising and accepted pass everything
    they get on within the month (to won; with ``won=False`` accepted keeps them). Nurturing's
    balance grows by 6 a month: it is the bottleneck."""
    log = []
    lead = 0
    promoted = 0
    for month in (1, 2, 3, 4):
        for i in range(10):
            lead += 1
            log.append((lead, "acquired", f"2025-{month:02d}-{i + 1:02d}T09:00"))
            log.append((lead, "nurturing", f"2025-{month:02d}-{i + 11:02d}T09:00"))
        for _ in range(4):  # the oldest waiting leads move on
            promoted += 1
            log.append((promoted, "promising", f"2025-{month:02d}-25T09:00"))
            log.append((promoted, "accepted", f"2025-{month:02d}-27T09:00"))
            if won:
                log.append((promoted, "won", f"2025-{month:02d}-28T09:00"))
    return log


def test_nurturing_is_flagged_with_its_numbers() -> None:
    result = find_bottleneck(report(constructed()), window=3)
    assert [PATH.stages[t.stage] for t in result.stages] == [
        "acquired", "nurturing", "promising", "accepted"]
    assert result.bottleneck == 1
    nurturing = result.stages[1]
    assert nurturing.inflow.tolist() == [10, 10, 10, 10]
    assert nurturing.outflow.tolist() == [4, 4, 4, 4]
    assert nurturing.balance.tolist() == [6, 12, 18, 24]
    # The window is February to April.
    assert (nurturing.window_inflow, nurturing.window_outflow) == (30, 12)
    assert (nurturing.balance_before, nurturing.growth) == (6, 18)
    assert nurturing.growing_periods == 3
    assert nurturing.stuck_share == pytest.approx(0.6)
    # Every other stage passes on all it gets.
    assert [t.growth for t in result.stages] == [0, 18, 0, 0]
    assert [result.is_candidate(t) for t in result.stages] == [False, True, False, False]


def test_the_largest_stuck_share_wins_among_stages_with_enough_inflow() -> None:
    # Without wins, accepted keeps all it gets (stuck share 1.0): it wins over nurturing's 0.6
    # once it receives enough leads to count.
    result = find_bottleneck(report(constructed(won=False)), window=3, min_inflow=12)
    accepted = result.stages[3]
    assert (accepted.window_inflow, accepted.growth) == (12, 12)
    assert accepted.stuck_share == pytest.approx(1.0)
    assert result.bottleneck == 3
    # With a threshold above accepted's inflow (12) but not nurturing's (30), nurturing wins.
    result = find_bottleneck(report(constructed(won=False)), window=3, min_inflow=13)
    assert result.bottleneck == 1


def test_a_single_busy_month_is_not_a_trend() -> None:
    # Nurturing falls behind only in April; January to March it passes everything on.
    log = []
    lead = 0
    for month in (1, 2, 3, 4):
        for i in range(10):
            lead += 1
            log.append((lead, "acquired", f"2025-{month:02d}-{i + 1:02d}T09:00"))
            log.append((lead, "nurturing", f"2025-{month:02d}-{i + 11:02d}T09:00"))
            if month < 4:
                log.append((lead, "promising", f"2025-{month:02d}-{i + 15:02d}T09:00"))
    result = find_bottleneck(report(log), window=3)
    nurturing = result.stages[1]
    assert nurturing.growth == 10 and nurturing.growing_periods == 1
    assert not result.is_candidate(nurturing)
    # Promising keeps everything it gets in February and March: that is the trend.
    assert result.bottleneck == 2
    # Judged on April alone, nurturing's month counts.
    assert find_bottleneck(report(log), window=1).stages[1].growing_periods == 1


def test_no_growth_no_bottleneck() -> None:
    log = []
    for lead in range(1, 21):
        month = 1 + (lead - 1) % 4
        day = 1 + (lead - 1) // 4
        for offset, stage in enumerate(PATH.main):
            log.append((lead, stage, f"2025-{month:02d}-{day + offset:02d}T09:00"))
    result = find_bottleneck(report(log), window=3)
    assert result.bottleneck is None
    assert all(t.growth == 0 for t in result.stages)
    assert find_bottleneck(report([]), window=4).bottleneck is None


def test_window_and_threshold_are_checked() -> None:
    with pytest.raises(ValueError, match="window"):
        find_bottleneck(report([]), window=5)
    with pytest.raises(ValueError, match="window"):
        find_bottleneck(report([]), window=0)
    with pytest.raises(ValueError, match="min_inflow"):
        find_bottleneck(report([]), min_inflow=0)


STAGES = [*PATH.stages]
logs = st.lists(
    st.tuples(st.integers(1, 12), st.sampled_from(STAGES),
              st.integers(0, 150 * 86_400)),  # seconds from 2024-12-01: before and in the window
    max_size=80)


@settings(max_examples=200)
@given(logs, st.integers(1, 4), st.integers(1, 6))
def test_balance_moves_by_inflow_minus_outflow(rows, window, min_inflow) -> None:  # type: ignore[no-untyped-def]
    start = np.datetime64("2024-12-01T00:00:00")
    log = [(lead, stage, str(start + np.timedelta64(s, "s"))) for lead, stage, s in rows]
    funnel = report(log)
    result = find_bottleneck(funnel, window=window, min_inflow=min_inflow)
    for trend in result.stages:
        steps = np.diff(trend.balance)
        assert steps.tolist() == (trend.inflow - trend.outflow)[1:].tolist()
        assert trend.balance_before >= 0
        assert trend.balance_before == (trend.balance[-window - 1] if window < 4
                                        else trend.balance[0] - trend.inflow[0]
                                        + trend.outflow[0])
    if result.bottleneck is not None:
        flagged = result.stages[result.bottleneck]
        assert result.is_candidate(flagged)
        others = [t for t in result.stages if result.is_candidate(t)]
        assert all((t.stuck_share or 0) <= (flagged.stuck_share or 0) for t in others)
    else:
        assert not any(result.is_candidate(t) for t in result.stages)
