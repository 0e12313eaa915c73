"""`kizuna analytics clv|rfm` and the file reader behind it (kizuna.analytics.io). No database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.analytics.clv import BetaGeoFitter, GammaGammaFitter
from kizuna.analytics.io import DataError, parse_date_text, read_table, read_transactions
from kizuna.analytics.summary import summary_from_transactions
from tests.analytics.conftest import require_lifetimes_dataset

ROOT = Path(__file__).resolve().parents[2]
HEADER_JA = ("顧客ID", "購入日", "金額")
JA_COLUMNS = ("--customer", "顧客ID", "--date", "購入日", "--amount", "金額")


def run(*args: str) -> tuple[str, str]:
    """Call the command in-process; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("analytics", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_json(*args: str) -> dict:
    out, _ = run(*args, "--json")
    return json.loads(out)  # exactly one JSON object, nothing else on stdout


def write(path: Path, rows: list[tuple], encoding: str, header: tuple = HEADER_JA) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture(scope="module")
def cdnow_ja_csv(tmp_path_factory) -> Path:
    """The 6,919 CDNOW purchases as a Japanese export: CP932, 顧客ID/購入日/金額, 1997/1/1."""
    raw = np.loadtxt(require_lifetimes_dataset("CDNOW_sample.txt"), dtype=str)
    rows = [
        (f"会員{int(sample_id):04d}", f"{d[:4]}/{int(d[4:6])}/{int(d[6:])}", f"{float(a):,.2f}")
        for sample_id, d, a in raw[:, [1, 2, 4]]
    ]
    return write(tmp_path_factory.mktemp("cdnow") / "購買履歴.csv", rows, "cp932")


# --------------------------------------------------------------------------------------------
# clv
# --------------------------------------------------------------------------------------------


def test_clv_summary_json_reproduces_the_published_cdnow_fit():
    path = require_lifetimes_dataset("cdnow_customers_summary_with_transactions.csv")
    result = run_json("clv", str(path), "--summary", "--freq", "W")
    assert result["customers"] == 2357
    assert set(result["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    b = result["bgnbd"]
    # Fader, Hardie & Lee (2005): r, α, a, b = 0.243, 4.414, 0.793, 2.426, to 3 significant
    # figures; log-likelihood -9582.4.
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert f"{b[name]:.3g}" == f"{value:.3g}", name
    assert b["log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    g = result["gamma_gamma"]
    assert [f"{g[k]:.3g}" for k in ("p", "q", "v")] == ["6.25", "3.74", "15.4"]
    assert result["gamma_gamma_fit"]["customers"] == 946


def test_clv_summary_without_spend_fits_bgnbd_only(tmp_path):
    path = require_lifetimes_dataset("cdnow_customers_summary.csv")  # ID, frequency, recency, T
    out = tmp_path / "pred.csv"
    result = run_json("clv", str(path), "--summary", "--freq", "W", "--out", str(out))
    assert f"{result['bgnbd']['r']:.3g}" == "0.243"
    assert result["gamma_gamma"] is None
    with open(out, encoding="utf-8-sig", newline="") as handle:
        first = next(csv.DictReader(handle))
    # Customer 1 (x=2, t_x=30.43, T=38.86): P(alive) = 0.7266 (FHL 2008, note 021).
    assert first["customer_id"] == "1"
    assert float(first["probability_alive"]) == pytest.approx(0.7266, abs=5e-5)
    assert first["clv"] == ""


def test_clv_on_a_cp932_log_with_japanese_headers(cdnow_ja_csv, tmp_path):
    out = tmp_path / "予測.csv"
    result = run_json(
        "clv", str(cdnow_ja_csv), *JA_COLUMNS, "--observation-end", "1997-09-30",
        "--out", str(out),
    )
    # The same numbers as the engine called directly on the same purchases.
    table = read_table(cdnow_ja_csv)
    assert list(table.columns) == list(HEADER_JA)
    log = read_transactions(cdnow_ja_csv, customer="顧客ID", date="購入日", amount="金額")
    s = summary_from_transactions(
        log.customer_id, log.date, log.amount, observation_end="1997-09-30"
    )
    bgnbd = BetaGeoFitter().fit(s.frequency, s.recency, s.T)
    repeat = s.frequency > 0
    gamma_gamma = GammaGammaFitter().fit(s.frequency[repeat], s.monetary_value[repeat])
    assert result["customers"] == len(s) == 2357
    assert result["input"]["rows"] == 6919
    assert result["bgnbd"] == pytest.approx(
        {**bgnbd.params_, "log_likelihood": bgnbd.log_likelihood_}, rel=1e-6
    )
    assert result["gamma_gamma"] == pytest.approx(gamma_gamma.params_, rel=1e-6)
    # In days, α is about 7 times the weekly 4.414.
    assert result["bgnbd"]["alpha"] / 7 == pytest.approx(4.414, rel=0.02)

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2357
    assert rows[0]["customer_id"] == "会員0001"
    assert rows[0]["frequency"] == "2"
    clv = np.array([float(row["clv"]) for row in rows])
    alive = np.array([float(row["probability_alive"]) for row in rows])
    assert np.all(clv >= 0) and np.all((alive > 0) & (alive <= 1))
    assert clv.sum() == pytest.approx(result["prediction"]["clv_total"])


def test_clv_human_output(cdnow_ja_csv):
    out, _ = run("clv", str(cdnow_ja_csv), *JA_COLUMNS)
    assert "Customers: 2,357 (from 6,919 rows)" in out
    assert "BG/NBD: r=" in out and "Total CLV" in out


def test_utf8_with_and_without_bom_and_cp932_read_the_same(tmp_path):
    rows = [
        ("山田", "2024/1/5", "1,200"), ("髙橋", "2024年2月1日", "￥980"), ("①", "20240301", "5")
    ]
    tables = [
        read_transactions(
            write(tmp_path / f"{encoding}.csv", rows, encoding),
            customer="顧客ID", date="購入日", amount="金額",
        )
        for encoding in ("utf-8", "utf-8-sig", "cp932")
    ]
    for table in tables:
        assert table.customer_id.tolist() == ["山田", "髙橋", "①"]
        assert table.date.tolist() == [
            dt.date(2024, 1, 5), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
        ]
        assert table.amount.tolist() == [1200.0, 980.0, 5.0]


def test_column_names_match_after_nfkc(tmp_path):
    header = ("顧客ＩＤ", "購入日", "金額")  # full-width ＩＤ, as some exports write it
    path = write(tmp_path / "a.csv", [("1", "2024-01-01", "1")], "utf-8", header)
    log = read_transactions(path, customer="顧客ID", date="購入日", amount="金額")
    assert log.customer_id.tolist() == ["1"]


# --------------------------------------------------------------------------------------------
# Errors: message and exit code 1
# --------------------------------------------------------------------------------------------


def expect_error(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


def test_missing_column_is_named_with_the_columns_present(cdnow_ja_csv):
    message = expect_error(
        "clv", str(cdnow_ja_csv), "--customer", "会員番号", "--date", "購入日", "--amount", "金額"
    )
    assert "no column '会員番号' (given with --customer)" in message
    assert "顧客ID, 購入日, 金額" in message


def test_unparseable_date_names_the_line(tmp_path):
    rows = [("a", "2024-01-01", "1"), ("a", "2024-01-02", "1"), ("b", "2024-13-01", "1")]
    path = write(tmp_path / "bad.csv", rows, "cp932")
    message = expect_error("clv", str(path), *JA_COLUMNS)
    assert "line 4" in message and "'2024-13-01'" in message and "購入日" in message


def test_unparseable_amount_names_the_line(tmp_path):
    rows = [("a", "2024-01-01", "1"), ("a", "2024-01-02", "?")]
    path = write(tmp_path / "bad.csv", rows, "utf-8")
    message = expect_error("clv", str(path), *JA_COLUMNS)
    assert "line 3" in message and "'?'" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        ("顧客ID,購入日,金額\r\n".encode("cp932"), "no data rows"),
        ("顧客ID,購入日,金額\r\na,2024-01-01\r\n".encode(), "line 2 has 2 fields"),
        (b"ID\r\n\x81\x20\r\n", "cannot decode the file as UTF-8 (first bad byte on line 2)"),
    ],
)
def test_unusable_files(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert message in expect_error("clv", str(path), *JA_COLUMNS)


def test_missing_file_and_missing_options(tmp_path):
    assert "no such file" in expect_error("clv", str(tmp_path / "none.csv"), *JA_COLUMNS)
    assert "--date, --amount" in expect_error("clv", str(tmp_path / "x.csv"), "--customer", "a")


def test_fit_that_does_not_converge(tmp_path):
    # Everyone keeps buying and nobody has left: the BG/NBD optimum runs off to the boundary.
    rows = [
        (c, f"2024-01-{day:02d}", "1000") for c in ("a", "b", "c", "d") for day in range(1, 29, 3)
    ]
    path = write(tmp_path / "loyal.csv", rows, "utf-8")
    assert "BG/NBD" in expect_error("clv", str(path), *JA_COLUMNS)


def test_observation_end_before_every_purchase(tmp_path):
    path = write(tmp_path / "a.csv", [("a", "2024-01-01", "1")], "utf-8")
    message = expect_error("clv", str(path), *JA_COLUMNS, "--observation-end", "2023-12-31")
    assert "no customer bought on or before" in message


def test_parquet_without_pyarrow_names_the_package(tmp_path, monkeypatch):
    path = tmp_path / "log.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    assert "needs the 'pyarrow' package" in expect_error("clv", str(path), *JA_COLUMNS)


def test_parquet_round_trip(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({
        "顧客ID": ["a", "b", "a"],
        "購入日": pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 2, 1)]),
        "金額": [100, 200, 300],
    })
    pq.write_table(table, tmp_path / "log.parquet")
    log = read_transactions(
        tmp_path / "log.parquet", customer="顧客ID", date="購入日", amount="金額"
    )
    assert log.amount.tolist() == [100.0, 200.0, 300.0]
    assert str(log.date[2]) == "2024-02-01"


def test_exit_code_and_no_database_in_a_subprocess(tmp_path):
    """The real `kizuna` entry point: exit 1 with the message; never touches the database."""
    path = write(tmp_path / "bad.csv", [("a", "きのう", "1")], "cp932")
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("KIZUNA_", "DATABASE_URL", "DJANGO_"))}
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "kizuna.cli", "analytics", "clv", str(path), *JA_COLUMNS],
        capture_output=True, check=False,
        env={**base, "KIZUNA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src"),
             # A database that cannot be reached: the command must not need one.
             "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere"},
    )
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 1, stderr
    assert "line 2" in stderr and "'きのう'" in stderr
    assert not list(data_dir.glob("*.sqlite3*"))


# --------------------------------------------------------------------------------------------
# Reader properties
# --------------------------------------------------------------------------------------------

# Text cp932 can encode: kanji/kana, ASCII letters and digits, and separators csv must quote.
cells = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 山田髙橋﨑①ｱイ・ー,\"'\n")), min_size=1, max_size=8
).filter(lambda s: s.strip() == s and s != "")
dates = st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31))
amounts = st.integers(-10**9, 10**9)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(cells, dates, amounts), min_size=1, max_size=20),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
    date_style=st.sampled_from(
        ["{:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{d.year}年{d.month}月{d.day}日"]
    ),
    thousands=st.booleans(),
)
def test_csv_round_trip(tmp_path, rows, encoding, date_style, thousands):
    def show_date(d: dt.date) -> str:
        return d.strftime("%Y-%m-%d") if date_style.startswith("{:") else date_style.format(d=d)

    text = [(c, show_date(d), f"{a:,}" if thousands else str(a)) for c, d, a in rows]
    path = write(tmp_path / "round.csv", text, encoding)
    log = read_transactions(path, customer="顧客ID", date="購入日", amount="金額")
    assert log.customer_id.tolist() == [c for c, _, _ in rows]
    assert log.date.tolist() == [d for _, d, _ in rows]
    assert log.amount.tolist() == [float(a) for _, _, a in rows]


@given(st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)))
def test_date_formats(d):
    expected = np.datetime64(d, "D")
    for text in (f"{d:%Y-%m-%d}", f"{d:%Y/%m/%d}", f"{d.year}/{d.month}/{d.day}",
                 f"{d.year}年{d.month}月{d.day}日", f"{d:%Y%m%d}", f"{d:%Y-%m-%d} 23:59:59",
                 f"{d:%Y-%m-%d}T08:00", f"　{d:%Y-%m-%d}　"):
        assert parse_date_text(text) == expected, text


@pytest.mark.parametrize("text", ["", "2024-02-30", "2024-01-01+09:00", "2024-01-01T10:00Z", "1/5"])
def test_refused_dates(text):
    assert parse_date_text(text) is None


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
