"""Reading and writing the files people exchange with Excel (kizuna.tabular)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.tabular import TableError, detect_encoding, open_table, write_csv, write_xlsx

HARD = "①㈱髙﨑ｶﾀｶﾅ～－"  # CP932-only characters (NEC/IBM extensions, half-width kana)


def rows_of(data: bytes, **kwargs: object) -> tuple[list[str], list[tuple[int, list[str]]]]:
    table = open_table(data, **kwargs)  # type: ignore[arg-type]
    return table.header, list(table)


def test_cp932_file_with_the_hard_characters_is_read_as_cp932() -> None:
    text = f"氏名,会社\r\n{HARD},㈱髙橋製作所\r\n"
    data = text.encode("cp932")
    assert detect_encoding(data) == "cp932"
    header, rows = rows_of(data)
    assert header == ["氏名", "会社"]
    assert rows == [(2, [HARD, "㈱髙橋製作所"])]


@pytest.mark.parametrize(("prefix", "expected"), [(b"", "utf-8"), (b"\xef\xbb\xbf", "utf-8")])
def test_utf8_with_or_without_bom(prefix: bytes, expected: str) -> None:
    table = open_table(prefix + "姓,名\n山田,太郎\n".encode())
    assert table.encoding == expected
    assert table.header == ["姓", "名"]  # the BOM is not part of the first header
    assert list(table) == [(2, ["山田", "太郎"])]


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_detected(delimiter: str) -> None:
    data = delimiter.join(["ID", "氏名", "電話"]).encode() + b"\n" + \
        delimiter.join(["1", "山田 太郎", "03-1234-5678"]).encode() + b"\n"
    table = open_table(data)
    assert table.delimiter == delimiter
    assert list(table) == [(2, ["1", "山田 太郎", "03-1234-5678"])]


def test_line_numbers_count_quoted_line_breaks_and_skip_blank_rows() -> None:
    data = 'ID,備考\n1,"一行目\n二行目"\n\n2,次\n'.encode()
    _header, rows = rows_of(data)
    assert rows == [(2, ["1", "一行目\n二行目"]), (5, ["2", "次"])]


def test_undecodable_bytes_are_refused_with_their_line() -> None:
    data = "ID,氏名\n1,山田\n".encode() + b"2,\xff\xfe\x80\n"
    with pytest.raises(TableError) as caught:
        open_table(data, encoding="utf-8")
    assert caught.value.code == "encoding"
    assert caught.value.line == 3


def test_empty_file_is_refused() -> None:
    with pytest.raises(TableError) as caught:
        open_table(b"")
    assert caught.value.code == "empty"


def test_cp932_export_reports_what_does_not_fit() -> None:
    out = io.BytesIO()
    problems = write_csv(out, ["氏名", "メモ"], [["髙﨑 ①", "OK"], ["𠮷田", "🍵 お茶"]],
                         encoding="cp932")
    assert [(p.row, p.column, p.characters) for p in problems] == [
        (3, "氏名", "𠮷"), (3, "メモ", "🍵")]
    # The hard-but-valid CP932 characters survive the round trip.
    _header, rows = rows_of(out.getvalue())
    assert rows[0] == (2, ["髙﨑 ①", "OK"])


cells = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)


@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=20))
def test_utf8_csv_round_trip(rows: list[list[str]]) -> None:
    out = io.BytesIO()
    write_csv(out, ["a", "b", "c"], rows)
    _header, read = rows_of(out.getvalue(), encoding="utf-8")
    # Rows that are entirely blank are skipped on reading (Excel leaves them everywhere).
    assert [cells for _line, cells in read] == [r for r in rows if any(c.strip() for c in r)]


def test_xlsx_round_trip_keeps_dates_and_numbers() -> None:
    import datetime as dt

    out = io.BytesIO()
    write_xlsx(out, ["ID", "氏名", "初回購入日", "金額"],
               [[1, "山田 太郎", dt.date(2024, 4, 1), 1234], [2, "髙橋", None, 0]])
    table = open_table(out.getvalue())
    assert table.format == "xlsx"
    assert table.header == ["ID", "氏名", "初回購入日", "金額"]
    assert list(table) == [(2, ["1", "山田 太郎", "2024-04-01", "1234"]),
                           (3, ["2", "髙橋", "", "0"])]
