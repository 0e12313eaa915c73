"""RFM as Ibis expressions on every engine: a hand-computed example, files, and properties
checked against a plain-Python reference (DuckDB == PostgreSQL == reference)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.analytics.engine import (
    connect,
    read_transactions,
    to_columns,
    transactions_from_arrays,
)
from kizuna.analytics.rfm import (
    SEGMENTS,
    customer_summary,
    movement_matrix,
    rfm,
    rfm_scores,
    rfm_table,
    segment_movement,
    segment_report,
)

# --------------------------------------------------------------------------------------------
# A constructed log, scored by hand (as of 2024-03-31, n = 10: score = 1 + floor(k / 2))
# --------------------------------------------------------------------------------------------

ORDERS = {
    "c01": [("2024-03-30", 1000), ("2024-03-01", 1000), ("2024-02-01", 1000),
            ("2024-01-05", 1000), ("2024-04-10", 5000)],  # the last one is after as_of
    "c02": [("2024-03-29", 5000), ("2024-02-10", 5000), ("2024-01-10", 5000)],
    "c03": [("2024-03-20", 300)],
    "c04": [("2024-03-15", 2000), ("2024-03-01", 2000)],
    "c05": [("2024-03-10", 800), ("2024-01-20", 800), ("2024-01-02", 800), ("2023-12-01", 800),
            ("2023-11-01", 800)],
    "c06": [("2024-02-20", 10000)],
    "c07": [("2024-02-01", 600), ("2023-12-15", 600)],
    "c08": [("2024-01-15", 700), ("2023-10-01", 700), ("2023-09-01", 700), ("2023-08-01", 700),
            ("2023-07-01", 700), ("2023-06-01", 700)],
    "c09": [("2023-12-01", 250)],
    "c10": [("2023-11-01", 100), ("2023-10-01", 100)],
    "c11": [("2024-04-02", 999)],  # first purchase after as_of: not a customer yet
}
AS_OF = "2024-03-31"
IDS = [f"c{i:02d}" for i in range(1, 11)]
#                 c01    c02    c03  c04   c05   c06    c07   c08   c09  c10
RECENCY = [1, 2, 11, 16, 21, 40, 59, 76, 121, 151]
T_DAYS = [86, 81, 11, 30, 151, 40, 107, 304, 121, 182]
FREQUENCY = [4, 3, 1, 2, 5, 1, 2, 6, 1, 2]
MONETARY = [4000, 15000, 300, 4000, 4000, 10000, 1200, 4200, 250, 200]
# R: last purchase ascending c10 c09 c08 c07 c06 c05 c04 c03 c02 c01 → k = 0..9.
R_SCORE = [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
# F: 1 ×3 (k=0) → 1; 2 ×3 (k=3) → 2; 3 (k=6) → 4; 4 (k=7) → 4; 5 (k=8) → 5; 6 (k=9) → 5.
F_SCORE = [4, 4, 1, 2, 5, 1, 2, 5, 1, 2]
# M: 200 250 | 300 1200 | 4000 ×3 (k=4) → 3 | 4200 (k=7) → 4 | 10000 15000 → 5.
M_SCORE = [3, 5, 2, 3, 3, 5, 2, 4, 1, 1]
SEGMENT = ["champions", "champions", "promising", "potential_loyalist", "loyal",
           "about_to_sleep", "hibernating", "cannot_lose", "lost", "hibernating"]


def _log_arrays(orders: dict[str, list[tuple[str, int]]]):
    rows = [(c, d, a) for c, purchases in orders.items() for d, a in purchases]
    ids = np.array([c for c, _, _ in rows])
    dates = np.array([d for _, d, _ in rows], dtype="datetime64[D]")
    return ids, dates, np.array([a for _, _, a in rows], dtype=np.int64)


def _log():
    return transactions_from_arrays(*_log_arrays(ORDERS))


def test_hand_computed_scores_and_segments(con):
    table = rfm(con, _log(), as_of=AS_OF)
    assert table.customer_id.tolist() == IDS
    assert table.recency.tolist() == RECENCY
    assert table.frequency.tolist() == FREQUENCY
    assert table.monetary.tolist() == MONETARY
    assert table.r_score.tolist() == R_SCORE
    assert table.f_score.tolist() == F_SCORE
    assert table.m_score.tolist() == M_SCORE
    assert table.segment.tolist() == SEGMENT


def test_customer_summary(con):
    columns = to_columns(con, customer_summary(_log(), as_of=AS_OF), sort_by="customer_id")
    assert columns["customer_id"].tolist() == IDS
    assert columns["T"].tolist() == T_DAYS
    assert columns["recency"].tolist() == RECENCY
    assert str(columns["first_purchase"][7]) == "2023-06-01"
    assert str(columns["last_purchase"][0]) == "2024-03-30"  # not the order after as_of


def test_segment_report(con):
    report = to_columns(con, segment_report(rfm_scores(_log(), as_of=AS_OF)))
    assert report["segment"].tolist() == list(SEGMENTS)
    assert report["ja"][0] == "優良顧客" and report["en"][8] == "Can't lose them"
    customers = dict(zip(report["segment"], report["customers"].tolist(), strict=True))
    assert customers == {
        "champions": 2, "loyal": 1, "potential_loyalist": 1, "new": 0, "promising": 1,
        "need_attention": 0, "about_to_sleep": 1, "at_risk": 0, "cannot_lose": 1,
        "hibernating": 2, "lost": 1,
    }
    share = dict(zip(report["segment"], report["revenue_share"].tolist(), strict=True))
    assert share["champions"] == 19000 / 43150
    assert share["hibernating"] == 1400 / 43150
    assert share["new"] == 0.0
    assert sum(share.values()) == pytest.approx(1.0)


# At 2024-01-31 seven customers had bought (n = 7, score = 1 + floor(5k / 7)):
#   R (last purchase): c10 1, c09 1, c07 2, c01 3, c02 3, c08 4, c05 5
#   F: c01 c02 c07 c09 (1 purchase) 1, c10 (2) 3, c05 (4) 4, c08 (6) 5
#   → c01, c02 about to sleep; c05 champions; c07 hibernating; c08 loyal; c09 lost;
#     c10 at risk; c03, c04, c06 had not bought yet.
MOVES = {
    ("about_to_sleep", "champions"): 2,
    ("none", "promising"): 1,
    ("none", "potential_loyalist"): 1,
    ("none", "about_to_sleep"): 1,
    ("champions", "loyal"): 1,
    ("hibernating", "hibernating"): 1,
    ("loyal", "cannot_lose"): 1,
    ("lost", "lost"): 1,
    ("at_risk", "hibernating"): 1,
}


def test_segment_movement(con):
    columns = to_columns(con, segment_movement(_log(), start="2024-01-31", end=AS_OF))
    moves = {
        (str(a), str(b)): int(n)
        for a, b, n in zip(
            columns["from_segment"], columns["to_segment"], columns["customers"], strict=True
        )
    }
    assert moves == MOVES
    rows, cols, matrix = movement_matrix(con, _log(), start="2024-01-31", end=AS_OF)
    assert rows[0] == "none" and rows[1:] == cols == list(SEGMENTS)
    assert matrix[rows.index("about_to_sleep"), cols.index("champions")] == 2
    assert matrix.sum() == 10 and matrix[0].sum() == 3
    with pytest.raises(ValueError, match="before the start"):
        segment_movement(_log(), start=AS_OF, end="2024-01-31")


def test_no_customer_yet(con):
    table = rfm(con, _log(), as_of="2020-01-01")
    assert len(table) == 0
    report = to_columns(con, segment_report(rfm_scores(_log(), as_of="2020-01-01")))
    assert report["customers"].tolist() == [0] * len(SEGMENTS)
    assert report["revenue_share"].tolist() == [0.0] * len(SEGMENTS)


# --------------------------------------------------------------------------------------------
# Reading logs: files and tables, with the caller's column names
# --------------------------------------------------------------------------------------------


def _arrow_log() -> pa.Table:
    ids, dates, amounts = _log_arrays(ORDERS)
    return pa.table(
        {
            "顧客ID": ids.tolist(),
            "注文日時": pa.array(dates.astype("datetime64[s]")),  # naive local timestamps
            "金額": amounts,
            "原価": amounts // 2,
        }
    )


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_read_transactions_from_files(con, tmp_path, suffix):
    path = tmp_path / f"orders{suffix}"
    if suffix == ".parquet":
        pq.write_table(_arrow_log(), path)
    else:
        ids, dates, amounts = _log_arrays(ORDERS)
        lines = ["顧客ID,注文日時,金額,原価"] + [
            f"{c},{d} 10:30:00,{a},{a // 2}" for c, d, a in zip(ids, dates, amounts, strict=True)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = read_transactions(con, path, customer="顧客ID", date="注文日時", amount="金額",
                            cost="原価")
    assert log.columns == ("customer_id", "date", "amount", "cost")
    table = rfm(con, log, as_of=AS_OF)
    assert table.segment.tolist() == SEGMENT
    assert table.recency.tolist() == RECENCY


def test_read_transactions_from_a_table_and_its_errors(con):
    name = "h5_orders"
    con.create_table(name, _arrow_log(), overwrite=True)
    try:
        log = read_transactions(con, name, customer="顧客ID", date="注文日時", amount="金額")
        assert rfm(con, log, as_of=AS_OF).m_score.tolist() == M_SCORE
        with pytest.raises(ValueError, match="no column 'amount'"):
            read_transactions(con, name, customer="顧客ID", date="注文日時")
        with pytest.raises(ValueError, match="not numbers"):
            read_transactions(con, name, customer="顧客ID", date="注文日時", amount="顧客ID")
    finally:
        con.drop_table(name)


def test_timezone_aware_timestamps_are_refused():
    aware = pa.table({
        "customer_id": ["a"],
        "date": pa.array([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)], type=pa.timestamp("s", "UTC")),
        "amount": [1],
    })
    with pytest.raises(ValueError, match="timezone-aware"):
        read_transactions(connect(), ibis.memtable(aware))


def test_connect_targets(tmp_path):
    assert connect().name == "duckdb"
    assert connect(f"duckdb://{tmp_path / 'a.duckdb'}").name == "duckdb"
    assert connect(tmp_path / "b.duckdb").name == "duckdb"
    with pytest.raises(ValueError, match="unknown analytics engine"):
        connect("mysql://x")


# --------------------------------------------------------------------------------------------
# Properties on random logs: every engine equals a plain-Python reference
# --------------------------------------------------------------------------------------------

# The published R×F map (see docs/decisions/0108), written independently of the module's grid:
# (R scores, F scores) → segment, first match wins; R1 F1 is "lost".
PUBLISHED_MAP = [
    ({1}, {1}, "lost"),
    ({1, 2}, {1, 2}, "hibernating"),
    ({1, 2}, {3, 4}, "at_risk"),
    ({1, 2}, {5}, "cannot_lose"),
    ({3}, {1, 2}, "about_to_sleep"),
    ({3}, {3}, "need_attention"),
    ({3, 4}, {4, 5}, "loyal"),
    ({4}, {1}, "promising"),
    ({5}, {1}, "new"),
    ({4, 5}, {2, 3}, "potential_loyalist"),
    ({5}, {4, 5}, "champions"),
]


def reference_rfm(rows: list[tuple[str, dt.date, int]], as_of: dt.date) -> dict[str, tuple]:
    """customer → (recency, frequency, monetary, r, f, m, segment), in plain Python."""
    per: dict[str, list] = defaultdict(lambda: [None, 0, 0])
    for customer, day, amount in rows:
        if day > as_of:
            continue
        entry = per[customer]
        entry[0] = day if entry[0] is None else max(entry[0], day)
        entry[1] += 1
        entry[2] += amount
    n = len(per)

    def score(value, values):
        worse = sum(1 for other in values if other < value)
        return 1 + (5 * worse) // n

    lasts = [e[0] for e in per.values()]
    freqs = [e[1] for e in per.values()]
    money = [e[2] for e in per.values()]
    result = {}
    for customer, (last, frequency, monetary) in per.items():
        r, f, m = score(last, lasts), score(frequency, freqs), score(monetary, money)
        segment = next(name for rs, fs, name in PUBLISHED_MAP if r in rs and f in fs)
        result[customer] = ((as_of - last).days, frequency, monetary, r, f, m, segment)
    return result


random_logs = st.lists(
    st.tuples(
        st.sampled_from(["あ", "b", "B", "c1", "c10", "c2", "ｄ", "e", "f", "g", "h", "i"]),
        st.integers(0, 90),
        st.integers(-500, 20_000),
    ),
    min_size=1,
    max_size=80,
)


def _columns(table) -> dict[str, tuple]:
    return {
        str(c): (int(rec), int(f), int(m), int(rs), int(fs), int(ms), str(seg))
        for c, rec, f, m, rs, fs, ms, seg in zip(
            table.customer_id, table.recency, table.frequency, table.monetary, table.r_score,
            table.f_score, table.m_score, table.segment, strict=True,
        )
    }


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(log=random_logs, as_of=st.integers(0, 100))
def test_every_engine_equals_the_reference(con, log, as_of):
    start = dt.date(2024, 1, 1)
    rows = [(c, start + dt.timedelta(days=d), a) for c, d, a in log]
    end = start + dt.timedelta(days=as_of)
    expected = reference_rfm(rows, end)
    table = transactions_from_arrays(
        np.array([c for c, _, _ in rows]),
        np.array([d for _, d, _ in rows], dtype="datetime64[D]"),
        np.array([a for _, _, a in rows], dtype=np.int64),
    )
    result = rfm(con, table, as_of=end)
    assert _columns(result) == expected
    # Sorted by code point whatever the database's collation.
    assert result.customer_id.tolist() == sorted(expected)


@settings(max_examples=40)
@given(values=st.lists(st.integers(0, 12), min_size=1, max_size=200))
def test_scores_are_balanced_quintiles_within_ties(values):
    # One purchase each, monetary = the value: the m score is the quintile of the values.
    ids = np.array([f"c{i:03d}" for i in range(len(values))])
    dates = np.full(len(values), np.datetime64("2024-01-01"))
    table = rfm_table(ids, dates, np.array(values), as_of="2024-01-31")
    scores = table.m_score
    assert scores.min() >= 1 and scores.max() <= 5
    n = len(values)
    ordered = sorted(values)
    money = table.monetary
    for j in range(1, 5):
        # score ≤ j holds for exactly the values ≤ the one at sorted position ⌈jn/5⌉ − 1: with
        # distinct values that is ⌈jn/5⌉ customers (equal fifths); ties only ever add the
        # customers equal to that value, never split them.
        first_fifths = -(-j * n // 5)  # ⌈jn/5⌉
        cut = ordered[first_fifths - 1]
        assert int((scores <= j).sum()) == sum(1 for v in values if v <= cut)
        assert np.all((money <= cut) == (scores <= j))
    assert set(table.segment) <= set(SEGMENTS)
    # Segment assignment is total: every customer has one, and the report adds up.
    counts = table.segment_counts()
    assert sum(c for c, _ in counts.values()) == n
