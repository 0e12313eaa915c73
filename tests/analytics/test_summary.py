"""summary_from_transactions: worked examples and properties (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.analytics.clv import _check_frequency_recency_T
from kizuna.analytics.summary import summary_from_transactions

JST = dt.timezone(dt.timedelta(hours=9), "Asia/Tokyo")


def test_daily_summary_follows_the_lifetimes_conventions():
    summary = summary_from_transactions(
        ["b", "a", "a", "a", "a", "c", "d"],
        [
            "2024-01-10",
            "2024-01-01",
            "2024-01-01",
            "2024-01-05",
            "2024-01-08",
            "2024-01-31",
            "2024-02-01",
        ],
        [500, 1000, 200, 3000, 4000, 700, 900],
        observation_end="2024-01-31",
    )
    np.testing.assert_array_equal(summary.customer_id, ["a", "b", "c"])  # d: after the end
    # a: three purchase days (two purchases on 1 Jan count as one), first on day 0.
    np.testing.assert_array_equal(summary.frequency, [2, 0, 0])
    np.testing.assert_array_equal(summary.recency, [7, 0, 0])
    np.testing.assert_array_equal(summary.T, [30, 21, 0])
    # Mean of the repeat purchases only (3000 and 4000); the first day's 1200 is excluded.
    np.testing.assert_array_equal(summary.monetary_value, [3500, 0, 0])
    assert len(summary) == 3


def test_weekly_periods_start_on_monday():
    # 2024-01-07 is a Sunday, 2024-01-08 a Monday.
    summary = summary_from_transactions(
        [1, 1, 1, 2, 2],
        ["2024-01-01", "2024-01-07", "2024-01-08", "2024-01-07", "2024-01-08"],
        [10, 20, 30, 5, 6],
        observation_end="2024-01-21",  # a Sunday: still the week of 15 January
        freq="W",
    )
    np.testing.assert_array_equal(summary.frequency, [1, 1])
    np.testing.assert_array_equal(summary.recency, [1, 1])
    np.testing.assert_array_equal(summary.T, [2, 2])
    np.testing.assert_array_equal(summary.monetary_value, [30, 6])


def test_freq_multiplier_changes_the_time_unit():
    days = summary_from_transactions(
        [1, 1], ["2024-01-01", "2024-01-15"], [1, 1], observation_end="2024-01-29"
    )
    weeks = summary_from_transactions(
        [1, 1],
        ["2024-01-01", "2024-01-15"],
        [1, 1],
        observation_end="2024-01-29",
        freq_multiplier=7,
    )
    assert (days.recency[0], days.T[0]) == (14, 28)
    assert (weeks.recency[0], weeks.T[0]) == (2, 4)


def test_accepts_dates_datetimes_and_datetime64():
    expected = summary_from_transactions(
        [1, 1], ["2024-03-01", "2024-03-04"], [1, 2], observation_end="2024-03-10"
    )
    # Naive datetimes are local times, the documented input.
    naive = [dt.datetime(2024, 3, 1, 23, 59), dt.datetime(2024, 3, 4, 0, 1)]  # noqa: DTZ001
    for dates, end in [
        ([dt.date(2024, 3, 1), dt.date(2024, 3, 4)], dt.date(2024, 3, 10)),
        (naive, "2024-03-10T12:00"),
        (np.array(["2024-03-01T10:00", "2024-03-04T09:00"], dtype="datetime64[m]"), "2024-03-10"),
    ]:
        got = summary_from_transactions([1, 1], dates, [1, 2], observation_end=end)
        assert (got.frequency, got.recency, got.T) == (
            expected.frequency,
            expected.recency,
            expected.T,
        )


def test_refuses_timezone_aware_datetimes():
    # 08:30 on 2 March in Tokyo is still 1 March in UTC: silently converting would move it.
    with pytest.raises(ValueError, match="timezone-aware"):
        summary_from_transactions(
            [1], [dt.datetime(2024, 3, 2, 8, 30, tzinfo=JST)], [1], observation_end="2024-03-10"
        )


def test_no_transactions_before_the_end_gives_an_empty_summary():
    summary = summary_from_transactions([1], ["2024-03-02"], [1], observation_end="2024-03-01")
    assert len(summary) == 0
    assert summary.frequency.shape == summary.T.shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"customer_ids": [1, 2], "dates": ["2024-01-01"], "amounts": [1, 2]}, "same length"),
        ({"customer_ids": [1], "dates": ["2024-01-01"], "amounts": [np.nan]}, "NaN"),
        ({"customer_ids": [1], "dates": ["not a date"], "amounts": [1]}, "dates"),
        ({"customer_ids": [1], "dates": [np.datetime64("NaT")], "amounts": [1]}, "NaT"),
        ({"customer_ids": [[1]], "dates": [["2024-01-01"]], "amounts": [[1]]}, "one-dim"),
        ({"customer_ids": [1], "dates": ["2024-01-01"], "amounts": [1], "freq": "M"}, "freq"),
        (
            {"customer_ids": [1], "dates": ["2024-01-01"], "amounts": [1], "freq_multiplier": 0},
            "freq_multiplier",
        ),
    ],
)
def test_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        summary_from_transactions(observation_end="2024-02-01", **kwargs)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

START = np.datetime64("2024-01-01")  # a Monday

transaction_logs = st.lists(
    st.tuples(
        st.integers(0, 6),  # customer
        st.integers(0, 90),  # day offset
        st.integers(1, 50_000),  # amount in yen
    ),
    max_size=60,
)


def _summarise(log, end_offset, freq):
    ids = np.array([row[0] for row in log], dtype=np.int64)
    dates = START + np.array([row[1] for row in log], dtype=np.int64)
    amounts = np.array([row[2] for row in log], dtype=np.int64)
    return summary_from_transactions(
        ids, dates, amounts, observation_end=START + end_offset, freq=freq
    )


def _period(day_offset: int, freq: str) -> int:
    return day_offset if freq == "D" else day_offset // 7  # START is a Monday


@settings(deadline=None)
@given(log=transaction_logs, end_offset=st.integers(0, 100), freq=st.sampled_from(["D", "W"]))
def test_summary_properties(log, end_offset, freq):
    summary = _summarise(log, end_offset, freq)
    end = _period(end_offset, freq)
    kept = [(c, _period(d, freq), a) for c, d, a in log if _period(d, freq) <= end]

    assert list(summary.customer_id) == sorted({c for c, _, _ in kept})
    for i, customer in enumerate(summary.customer_id):
        periods = sorted({p for c, p, _ in kept if c == customer})
        # Repeat purchases = distinct purchase periods after the first.
        assert summary.frequency[i] == len(periods) - 1
        assert summary.recency[i] == periods[-1] - periods[0]
        assert summary.T[i] == end - periods[0]
        repeat_spend = sum(a for c, p, a in kept if c == customer and p != periods[0])
        assert summary.monetary_value[i] * summary.frequency[i] == pytest.approx(repeat_spend)

    assert np.all((summary.recency >= 0) & (summary.recency <= summary.T))
    # Each repeat purchase takes a period of its own: x <= t_x in period units.
    assert np.all(summary.frequency <= summary.recency)
    no_repeat = summary.frequency == 0
    assert np.all(summary.recency[no_repeat] == 0)
    assert np.all(summary.monetary_value[no_repeat] == 0)
    # Whatever the log, the summary is valid input for the models.
    if len(summary):
        _check_frequency_recency_T(summary.frequency, summary.recency, summary.T, for_fit=True)


@settings(deadline=None)
@given(
    log=transaction_logs,
    end_offset=st.integers(0, 100),
    freq=st.sampled_from(["D", "W"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_summary_does_not_depend_on_row_order(log, end_offset, freq, seed):
    shuffled = [log[i] for i in np.random.default_rng(seed).permutation(len(log))]
    first, second = _summarise(log, end_offset, freq), _summarise(shuffled, end_offset, freq)
    for name in ("customer_id", "frequency", "recency", "T"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    np.testing.assert_allclose(first.monetary_value, second.monetary_value, rtol=1e-12)


@settings(deadline=None)
@given(log=transaction_logs, end_offset=st.integers(0, 100))
def test_weekly_summary_never_counts_more_purchases_than_daily(log, end_offset):
    # Whole weeks only, so that both see the same transactions.
    end_offset = end_offset // 7 * 7 + 6
    daily, weekly = _summarise(log, end_offset, "D"), _summarise(log, end_offset, "W")
    np.testing.assert_array_equal(daily.customer_id, weekly.customer_id)
    assert np.all(weekly.frequency <= daily.frequency)
