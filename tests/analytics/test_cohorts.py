"""Acquisition cohorts, retention triangle and second-purchase conversion
(kizuna.analytics.cohorts), checked exactly on a constructed log, on every engine."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math

import ibis
import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command

from kizuna.analytics.cohorts import cohort_report, second_purchase
from tests.analytics.engines import con  # noqa: F401 - the engine fixture

D = dt.date
# (customer, day, amount, first product / channel)
ROWS = [
    # January cohort: A buys in Jan, Feb and April; B only in January (twice the same day: one
    # purchase day); C in January and again in March, returning part of it in March.
    ("A", D(2025, 1, 5), 3000, "煎茶"), ("A", D(2025, 2, 7), 2000, "煎茶"),
    ("A", D(2025, 4, 2), 1000, "ほうじ茶"),
    ("B", D(2025, 1, 20), 1500, "抹茶"), ("B", D(2025, 1, 20), 500, "煎茶"),
    ("C", D(2025, 1, 31), 4000, "煎茶"), ("C", D(2025, 3, 1), 2500, "煎茶"),
    ("C", D(2025, 3, 3), -500, "煎茶"),
    # February cohort: D buys again in April; E never again.
    ("D", D(2025, 2, 1), 1200, "抹茶"), ("D", D(2025, 4, 30), 1200, "抹茶"),
    ("E", D(2025, 2, 28), 800, "ほうじ茶"),
    # April cohort: F, once, on the last day of the data.
    ("F", D(2025, 4, 30), 600, "煎茶"),
]


def log() -> ibis.Table:
    customers, days, amounts, products = zip(*ROWS, strict=True)
    return ibis.memtable(pa.table({
        "customer_id": list(customers), "date": pa.array(days, type=pa.date32()),
        "amount": list(amounts), "product": list(products)}))


def grid(values) -> list[list[float | None]]:  # type: ignore[no-untyped-def]
    return [[None if math.isnan(v) else v for v in row] for row in values]


def test_monthly_cohorts_exactly(con) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    report = cohort_report(con, log(), freq="month")
    # March has no cohort (nobody's first purchase); April is the last month of data.
    assert report.cohorts == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 4, 1)]
    assert report.size.tolist() == [3, 2, 1]
    assert grid(report.active) == [[3, 1, 1, 1], [2, 0, 1, None], [1, None, None, None]]
    assert grid(report.revenue) == [[9000, 2000, 2000, 1000], [2000, 0, 1200, None],
                                    [600, None, None, None]]
    assert grid(report.retention)[0] == [1.0, pytest.approx(1 / 3), pytest.approx(1 / 3),
                                         pytest.approx(1 / 3)]
    assert grid(report.cumulative_revenue_per_customer)[1][:3] == [1000, 1000, 1600]
    # Repeaters: A and C (B's two rows are one day), D; not E, not F.
    assert report.repeaters.tolist() == [2, 1, 0]
    assert report.repeat_rate.tolist() == [pytest.approx(2 / 3), 0.5, 0.0]
    assert report.to_dict()["active"][2] == [1, None, None, None]


def test_quarters_as_of_and_window(con) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    report = cohort_report(con, log(), freq="quarter")
    assert report.cohorts == [D(2025, 1, 1), D(2025, 4, 1)]
    assert report.size.tolist() == [5, 1]
    assert grid(report.active) == [[5, 2], [1, None]]
    # As of the end of February: March and April do not exist yet.
    early = cohort_report(con, log(), as_of=D(2025, 2, 28))
    assert early.size.tolist() == [3, 2]
    assert grid(early.active) == [[3, 1], [2, None]]
    assert early.repeaters.tolist() == [1, 0]  # only A had bought again by then
    # A second purchase within 31 days of the first: A (33 days) is too late, C (29) counts.
    within = cohort_report(con, log(), within_days=31)
    assert within.repeaters.tolist() == [1, 0, 0]


def test_second_purchase_by_first_product(con) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    result = second_purchase(con, log(), "product")
    rows = {row["value"]: (row["customers"], row["converted"]) for row in result.to_dict()["rows"]}
    # B's first day had 抹茶 (1,500) and 煎茶 (500): B counts under 抹茶, the larger amount.
    assert rows == {"煎茶": (3, 2), "抹茶": (2, 1), "ほうじ茶": (1, 0)}
    assert result.values[0] == "煎茶"  # most customers first
    within = second_purchase(con, log(), "product", within_days=31)
    assert {v: int(k) for v, k in zip(within.values, within.converted, strict=True)} == {
        "煎茶": 1, "抹茶": 0, "ほうじ茶": 0}
    with pytest.raises(ValueError, match="no column 'channel'"):
        second_purchase(con, log(), "channel")


def test_bad_frequency_and_empty_log(con) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with pytest.raises(ValueError, match="freq"):
        cohort_report(con, log(), freq="week")  # type: ignore[arg-type]
    empty = cohort_report(con, log(), as_of=D(2024, 12, 31))
    assert empty.cohorts == [] and empty.size.tolist() == []


def test_cli_prints_and_writes_the_triangle(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "購買履歴.csv"
    lines = ["顧客ID,購入日,金額"] + [f"{c},{d:%Y/%m/%d},{a}" for c, d, a, _p in ROWS]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))  # Excel's CSV
    out = io.StringIO()
    call_command("analytics", "cohorts", str(source), "--customer", "顧客ID", "--date", "購入日",
                 "--amount", "金額", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["cohorts"] == ["2025-01-01", "2025-02-01", "2025-04-01"]
    assert result["active"] == [[3, 1, 1, 1], [2, 0, 1, None], [1, None, None, None]]
    assert result["repeat_rate"] == [pytest.approx(2 / 3), 0.5, 0.0]
    triangle = tmp_path / "triangle.csv"
    call_command("analytics", "cohorts", str(source), "--customer", "顧客ID", "--date", "購入日",
                 "--amount", "金額", "--period", "quarter", "--out", str(triangle),
                 stdout=io.StringIO(), stderr=io.StringIO())
    rows = list(csv.reader(triangle.read_text(encoding="utf-8-sig").splitlines()))
    assert rows == [["cohort", "customers", "repeat_rate", "age_0", "age_1"],
                    ["2025-01-01", "5", "0.6", "1.0", "0.4"],
                    ["2025-04-01", "1", "0.0", "1.0", ""]]
    with pytest.raises(CommandError, match="no purchase"):
        call_command("analytics", "cohorts", str(source), "--customer", "顧客ID", "--date",
                     "購入日", "--amount", "金額", "--as-of", "2024-12-31", "--json",
                     stdout=io.StringIO())
