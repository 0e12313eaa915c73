"""`kizuna analytics funnel FILE --stages …`: the transition log from CSV (UTF-8/CP932) or
Parquet, the same numbers as the engine, clear errors. No database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from kizuna.analytics.funnel import StagePath, funnel_report, period_edges
from tests.analytics.test_funnel import LOG, PATH, Q1, columns

STAGES = "acquired,nurturing,promising,accepted,won"


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("analytics", "funnel", *args, stdout=out, stderr=err)
    return out.getvalue()


def write(path: Path, rows: list[tuple], encoding: str = "utf-8",
          header: tuple[str, ...] = ("lead_id", "stage", "entered_at")) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_json_matches_the_engine_on_a_cp932_file_with_japanese_ids(tmp_path) -> None:
    # A Japanese export: CP932, リード番号 as id, 2025/1/8 9:00 style times.
    rows = [(f"リード{i:03d}", stage, str(np.datetime64(t, "s")).replace("-", "/")
             .replace("T", " ")) for i, stage, t in LOG]
    path = write(tmp_path / "遷移ログ.csv", rows, "cp932")
    result = json.loads(run(str(path), "--stages", STAGES, "--from", "2025-01-01",
                            "--to", "2025-03-31", "--json"))
    expected = funnel_report(*columns(LOG), path=PATH, edges=Q1).to_dict()
    assert result["input"] == {"file": str(path), "rows": len(LOG), "leads": 8,
                               "period": "month", "revival": "nurturing"}
    for key in ("periods", "flow", "balance", "conversion", "median_days_in_stage",
                "fast_passes", "links", "leads"):
        assert result[key] == expected[key], key
    assert result["flow"]["promising"] == [2, 1, 2]
    assert result["fast_passes"]["promising"] == [1, 0, 1]


def test_default_periods_span_the_log_and_quarters_work(tmp_path) -> None:
    path = write(tmp_path / "log.csv", [(i, s, t) for i, s, t in LOG])
    monthly = json.loads(run(str(path), "--stages", STAGES, "--json"))
    assert monthly["periods"][0]["start"] == "2024-11-01"
    assert monthly["periods"][-1]["end"] == "2025-05-01"
    quarterly = json.loads(run(str(path), "--stages", STAGES, "--period", "quarter", "--json"))
    assert [p["start"] for p in quarterly["periods"]] == ["2024-10-01", "2025-01-01",
                                                          "2025-04-01"]
    assert sum(quarterly["flow"]["acquired"]) == 8


def test_human_output_lists_each_period_and_stage(tmp_path) -> None:
    path = write(tmp_path / "log.csv", [(i, s, t) for i, s, t in LOG])
    text = run(str(path), "--stages", STAGES, "--from", "2025-01-01", "--to", "2025-01-31")
    assert "Leads: 8 (from 26 stage entries); periods: 1 × month" in text
    assert "2025-01-01 – 2025-02-01 (leads at end: 4)" in text
    nurturing = next(line for line in text.splitlines() if line.strip().startswith("nurturing"))
    assert nurturing.split() == ["nurturing", "2", "1", "50%", "50%", "0%", "12.5", "0"]


def test_parquet_and_renamed_columns(tmp_path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    ids, stages, times = columns(LOG)
    path = tmp_path / "log.parquet"
    pq.write_table(pa.table({"リードID": ids, "段階": stages.tolist(),
                             "日時": times.astype("datetime64[ms]")}), path)
    result = json.loads(run(str(path), "--stages", STAGES, "--lead", "リードID", "--stage", "段階",
                            "--entered-at", "日時", "--from", "2025-01-01", "--to",
                            "2025-03-31", "--json"))
    assert result["balance"]["won"] == [0, 1, 2]


def test_revival_option_moves_the_fast_pass_rule(tmp_path) -> None:
    path = write(tmp_path / "log.csv", [(i, s, t) for i, s, t in LOG])
    result = json.loads(run(str(path), "--stages", STAGES, "--revival", "promising", "--from",
                            "2025-03-01", "--to", "2025-03-31", "--json"))
    assert result["input"]["revival"] == "promising"
    assert result["fast_passes"]["promising"] == [0]  # L6's return to promising is expected
    engine = funnel_report(*columns(LOG), path=StagePath(PATH.main, revival=2),
                           edges=period_edges("2025-03-01", freq="month", count=1))
    assert result["fast_passes"]["won"] == engine.fast_passes[4].tolist()


@pytest.mark.parametrize(("rows", "args", "message"), [
    ([(1, "acquired", "2025-01-01"), (1, "lost", "2025-01-02")], (),
     r"line 3: unknown stage 'lost' in column 'stage'"),
    ([(1, "acquired", "2025-01-01T09:00+09:00")], (),
     r"line 2: cannot read '2025-01-01T09:00\+09:00' in column 'entered_at' as a local date"),
    ([(1, "acquired", "2025-01-01")], ("--revival", "closed"), r"--revival 'closed'"),
    ([(1, "acquired", "2025-01-01")], ("--from", "2025-02-01", "--to", "2025-01-01"),
     r"--to is before --from"),
])
def test_errors_name_the_problem(tmp_path, rows, args, message) -> None:
    path = write(tmp_path / "log.csv", rows)
    with pytest.raises(CommandError, match=message):
        run(str(path), "--stages", STAGES, *args)


def test_duplicate_stage_names_are_refused(tmp_path) -> None:
    path = write(tmp_path / "log.csv", [(1, "acquired", "2025-01-01")])
    with pytest.raises(CommandError, match="--stages: stage names must be distinct"):
        run(str(path), "--stages", "acquired,recycle")
    with pytest.raises(CommandError, match="no column 'lead'"):
        run(str(path), "--stages", STAGES, "--lead", "lead")
