"""rfm_table, quintile scores and segments: worked examples and properties (hypothesis)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.analytics.rfm import SEGMENTS, quintile_scores, rfm_segment, rfm_table


def test_worked_example():
    table = rfm_table(
        ["b", "a", "a", "c", "a", "d"],
        ["2024-03-01", "2024-01-01", "2024-03-30", "2024-02-01", "2024-02-01", "2024-04-05"],
        [500, 1000, 3000, 700, 2000, 900],
        as_of="2024-03-31",
    )
    np.testing.assert_array_equal(table.customer_id, ["a", "b", "c"])  # d: after as_of
    np.testing.assert_array_equal(table.recency, [1, 30, 59])
    np.testing.assert_array_equal(table.frequency, [3, 1, 1])
    np.testing.assert_array_equal(table.monetary, [6000, 500, 700])
    # n = 3: score = 1 + floor(5k/3) for k customers strictly worse.
    np.testing.assert_array_equal(table.r_score, [4, 2, 1])
    np.testing.assert_array_equal(table.f_score, [4, 1, 1])  # b and c tie: both the lower score
    np.testing.assert_array_equal(table.m_score, [4, 1, 2])
    np.testing.assert_array_equal(table.segment, ["loyal", "hibernating", "lost"])
    counts = table.segment_counts()
    assert list(counts) == list(SEGMENTS)
    assert counts["loyal"] == (1, pytest.approx(6000 / 7200))
    assert counts["champions"] == (0, 0.0)


def test_quintiles_of_distinct_values_are_equal_fifths():
    scores = quintile_scores(np.arange(100)[::-1])
    assert np.bincount(scores).tolist() == [0, 20, 20, 20, 20, 20]
    assert scores[0] == 5 and scores[-1] == 1


def test_every_grid_cell_has_a_segment_and_every_segment_a_cell():
    r, f = np.meshgrid(np.arange(1, 6), np.arange(1, 6))
    segments = rfm_segment(r.ravel(), f.ravel())
    assert set(segments) == set(SEGMENTS)
    assert rfm_segment([5], [5])[0] == "champions"
    assert rfm_segment([1], [5])[0] == "cannot_lose"
    with pytest.raises(ValueError, match="1 to 5"):
        rfm_segment([0], [3])


def test_labels_are_bilingual_data():
    for key, (en, ja) in SEGMENTS.items():
        assert key.isidentifier() and en.isascii() and not ja.isascii()


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_quintile_scores_properties(values, random):
    scores = quintile_scores(values)
    array = np.array(values)
    assert scores.min() >= 1 and scores.max() <= 5
    # Monotone, and ties share one score.
    for i in range(len(values)):
        for j in range(len(values)):
            if array[i] == array[j]:
                assert scores[i] == scores[j]
            elif array[i] < array[j]:
                assert scores[i] <= scores[j]
    # Independent of order.
    permutation = list(range(len(values)))
    random.shuffle(permutation)
    np.testing.assert_array_equal(quintile_scores(array[permutation]), scores[permutation])
    # The best value always scores 1 + floor(5 (n - ties) / n); the worst always 1.
    assert scores[array.argmin()] == 1


logs = st.lists(
    st.tuples(st.integers(0, 8), st.integers(0, 60), st.integers(1, 100_000)),
    min_size=1,
    max_size=50,
)


# Each example runs the engine twice (compiling Ibis expressions): fewer examples than usual.
@settings(max_examples=40)
@given(log=logs, as_of=st.integers(0, 70), seed=st.integers(0, 2**32 - 1))
def test_rfm_table_properties(log, as_of, seed):
    ids = np.array([c for c, _, _ in log])
    dates = np.datetime64("2024-01-01") + np.array([d for _, d, _ in log])
    amounts = np.array([a for _, _, a in log], dtype=float)
    end = np.datetime64("2024-01-01") + as_of
    table = rfm_table(ids, dates, amounts, as_of=end)
    for i, customer in enumerate(table.customer_id):
        mine = (ids == customer) & (dates <= end)
        assert table.frequency[i] == mine.sum() > 0
        assert table.monetary[i] == pytest.approx(amounts[mine].sum())
        assert table.recency[i] == (end - dates[mine].max()).astype(int) >= 0
    assert set(table.segment) <= set(SEGMENTS)
    counts = table.segment_counts()
    assert sum(n for n, _ in counts.values()) == len(table)
    if len(table):
        assert sum(share for _, share in counts.values()) == pytest.approx(1.0)
    # Row order does not matter.
    order = np.random.default_rng(seed).permutation(len(ids))
    again = rfm_table(ids[order], dates[order], amounts[order], as_of=end)
    for name in ("customer_id", "recency", "frequency", "r_score", "f_score", "m_score", "segment"):
        np.testing.assert_array_equal(getattr(again, name), getattr(table, name))


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        rfm_table([1, 2], ["2024-01-01"], [1, 2], as_of="2024-01-02")
    with pytest.raises(ValueError, match="NaN"):
        rfm_table([1], ["2024-01-01"], [np.nan], as_of="2024-01-02")


# --------------------------------------------------------------------------------------------
# kizuna analytics rfm
# --------------------------------------------------------------------------------------------


def test_rfm_command(tmp_path):
    path = tmp_path / "注文.csv"
    path.write_bytes(
        "顧客ID,注文日,金額\r\n山田,2024/3/30,\"3,000\"\r\n山田,2024/1/1,1000\r\n髙橋,2024/2/1,700\r\n"
        .encode("cp932")
    )
    out = tmp_path / "rfm.csv"
    stdout = io.StringIO()
    call_command(
        "analytics", "rfm", str(path), "--customer", "顧客ID", "--date", "注文日",
        "--amount", "金額", "--as-of", "2024-03-31", "--out", str(out), "--json", stdout=stdout,
    )
    result = json.loads(stdout.getvalue())
    assert result["customers"] == 2
    assert result["segments"]["champions"]["ja"] == "優良顧客"
    assert sum(s["customers"] for s in result["segments"].values()) == 2
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["customer_id"] for row in rows] == ["山田", "髙橋"]
    assert rows[0]["recency_days"] == "1" and rows[0]["monetary"] == "4000.0"
    assert rows[1]["segment_ja"] == SEGMENTS[rows[1]["segment"]][1]


def test_rfm_command_needs_a_date(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("c,d,a\n1,2024-01-01,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read 'someday' as a date") as caught:
        call_command(
            "analytics", "rfm", str(path), "--customer", "c", "--date", "d", "--amount", "a",
            "--as-of", "someday", stdout=io.StringIO(),
        )
    assert caught.value.returncode == 1


def test_rfm_command_segments_and_movement(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer,day,yen\n"
        "a,2024-01-05,1000\na,2024-03-30,1000\n"
        "b,2024-01-10,5000\n"
        "c,2024-03-20,300\n",
        encoding="utf-8",
    )
    segments, moves = tmp_path / "segments.csv", tmp_path / "moves.csv"
    stdout = io.StringIO()
    call_command(
        "analytics", "rfm", str(path), "--customer", "customer", "--date", "day",
        "--amount", "yen", "--as-of", "2024-03-31", "--segments", str(segments),
        "--movement-from", "2024-01-31", "--movement-out", str(moves), "--json", stdout=stdout,
    )
    result = json.loads(stdout.getvalue())
    # As of 2024-03-31 (n = 3): a R4 F4 loyal; b R1 F1 lost; c R2 F1 hibernating.
    # As of 2024-01-31 (n = 2): b (later last purchase) R3 F1 about to sleep; a R1 F1 lost.
    assert result["movement"] == {
        "from": "2024-01-31",
        "to": "2024-03-31",
        "moves": [
            {"from_segment": "about_to_sleep", "to_segment": "lost", "customers": 1},
            {"from_segment": "lost", "to_segment": "loyal", "customers": 1},
            {"from_segment": "none", "to_segment": "hibernating", "customers": 1},
        ],
    }
    assert result["segments"]["loyal"]["revenue_share"] == 2000 / 7300
    with open(segments, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["segment"] for row in rows] == list(SEGMENTS)
    loyal = rows[list(SEGMENTS).index("loyal")]
    assert (loyal["segment_ja"], loyal["customers"], loyal["monetary"]) == (
        "ロイヤル顧客", "1", "2000.0")
    with open(moves, encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle))[1:] == [
            ["about_to_sleep", "lost", "1"], ["lost", "loyal", "1"],
            ["none", "hibernating", "1"],
        ]
    text = io.StringIO()
    call_command(
        "analytics", "rfm", str(path), "--customer", "customer", "--date", "day",
        "--amount", "yen", "--as-of", "2024-03-31", "--movement-from", "2024-01-31",
        stdout=text,
    )
    assert "Not yet a customer → Hibernating: 1" in text.getvalue()
    assert "Lost → Loyal customers: 1" in text.getvalue()


def test_rfm_command_movement_options_are_checked(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("c,d,a\n1,2024-01-01,1\n", encoding="utf-8")
    base = ["analytics", "rfm", str(path), "--customer", "c", "--date", "d", "--amount", "a",
            "--as-of", "2024-01-31"]
    with pytest.raises(CommandError, match="--movement-out needs --movement-from"):
        call_command(*base, "--movement-out", str(tmp_path / "m.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="after --as-of"):
        call_command(*base, "--movement-from", "2024-02-01", stdout=io.StringIO())
