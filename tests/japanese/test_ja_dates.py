from __future__ import annotations

import calendar
import datetime as dt
import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kizuna.japanese.dates import ERAS, format_wareki, parse_date
from kizuna.japanese.values import ERROR_CODES, ValueParseError
from tests.japanese.ja_strategies import full_width, outcome, parser_input

MEIJI = dt.date(1868, 10, 23)
LAST = dt.date(2099, 12, 31)
supported_dates = st.dates(min_value=MEIJI, max_value=LAST)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024/4/1", dt.date(2024, 4, 1)),
        ("2024/04/01", dt.date(2024, 4, 1)),
        ("2024-04-01", dt.date(2024, 4, 1)),
        ("2024.4.1", dt.date(2024, 4, 1)),
        ("20240401", dt.date(2024, 4, 1)),
        ("2024年4月1日", dt.date(2024, 4, 1)),
        ("2024年 4月 1日", dt.date(2024, 4, 1)),
        ("２０２４／４／１", dt.date(2024, 4, 1)),
        ("２０２４年４月１日", dt.date(2024, 4, 1)),
        ("2024ー04ー01", dt.date(2024, 4, 1)),  # dashes typed with the long vowel key
        ("  2024/4/1\u3000", dt.date(2024, 4, 1)),
        ("2024/4/1 10:30", dt.date(2024, 4, 1)),
        ("2024/04/01 0:00:00", dt.date(2024, 4, 1)),
        ("2024-04-01T10:30:00", dt.date(2024, 4, 1)),
        ("2024-04-01T10:30:00.123", dt.date(2024, 4, 1)),
        ("2024-04-01T10:30:00+09:00", dt.date(2024, 4, 1)),
        ("2024-04-01 10:30:00+0900", dt.date(2024, 4, 1)),
        ("2024-03-31T15:00:00Z", dt.date(2024, 4, 1)),  # an instant: the date in Japan
        ("2024-03-31T14:59:59Z", dt.date(2024, 3, 31)),
        ("2024-04-01T23:30:00-05:00", dt.date(2024, 4, 2)),
        ("2024年4月1日 10時30分", dt.date(2024, 4, 1)),
        ("2024年4月1日(月)", dt.date(2024, 4, 1)),
        ("2024年4月1日（月）", dt.date(2024, 4, 1)),
        ("2024年4月1日㈪", dt.date(2024, 4, 1)),
        ("2024/4/1(月曜日) 9:00", dt.date(2024, 4, 1)),
        ("2024/4/1 月曜日", dt.date(2024, 4, 1)),
        ("2024-04-01 (Mon)", dt.date(2024, 4, 1)),
        ("令和6年4月1日", dt.date(2024, 4, 1)),
        ("令和６年４月１日", dt.date(2024, 4, 1)),
        ("令和 6年 4月 1日", dt.date(2024, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("㋿6年4月1日", dt.date(2024, 4, 1)),
        ("R6.4.1", dt.date(2024, 4, 1)),
        ("R06/04/01", dt.date(2024, 4, 1)),
        ("r6-4-1", dt.date(2024, 4, 1)),
        ("R元.5.1", dt.date(2019, 5, 1)),
        ("令6.4.1", dt.date(2024, 4, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("㍻31年4月30日", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("S60.4.1", dt.date(1985, 4, 1)),
        ("昭60.4.1", dt.date(1985, 4, 1)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("昭和元年12月25日", dt.date(1926, 12, 25)),
        ("大正15年12月25日", dt.date(1926, 12, 25)),  # the same day, in the old era
        ("T3.1.1", dt.date(1914, 1, 1)),
        ("大正元年7月30日", dt.date(1912, 7, 30)),
        ("明治45年7月30日", dt.date(1912, 7, 30)),
        ("M33.1.1", dt.date(1900, 1, 1)),
        ("明治元年10月23日", dt.date(1868, 10, 23)),
        ("45383", dt.date(2024, 4, 1)),  # Excel serial
        ("45383.0", dt.date(2024, 4, 1)),
        ("45383.75", dt.date(2024, 4, 1)),
        ("10000", dt.date(1927, 5, 18)),
        ("73050", dt.date(2099, 12, 31)),
        ("2100/1/1", dt.date(2100, 1, 1)),  # written out in full: no plausibility limit
    ],
)
def test_parse_date_examples(raw: str, expected: dt.date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "date.invalid"),
        ("   ", "date.invalid"),
        ("tomorrow", "date.invalid"),
        ("2024/4", "date.invalid"),
        ("2024年4月", "date.invalid"),
        ("2024/4-1", "date.invalid"),  # mixed separators
        ("2024/4/1 25:00", "date.invalid"),
        ("2024/4/1 10:60", "date.invalid"),
        ("2024/4/1 10:30 PM", "date.invalid"),
        ("令和六年四月一日", "date.invalid"),  # kanji numerals are not read
        ("9999-12-31T23:00-05:00", "date.invalid"),  # Japan is already in year 10000
        ("2023/02/30", "date.nonexistent"),
        ("2023/2/29", "date.nonexistent"),
        ("2024/13/1", "date.nonexistent"),
        ("2024/4/31", "date.nonexistent"),
        ("2024/0/10", "date.nonexistent"),
        ("20241301", "date.nonexistent"),
        ("0000/01/01", "date.nonexistent"),
        ("令和6年2月30日", "date.nonexistent"),
        ("60", "date.nonexistent"),  # Excel's 1900-02-29
        ("昭和65年1月1日", "date.era_range"),
        ("昭和64年1月8日", "date.era_range"),
        ("平成31年5月1日", "date.era_range"),
        ("令和1年4月30日", "date.era_range"),
        ("令和0年5月1日", "date.era_range"),
        ("H0.1.8", "date.era_range"),
        ("明治元年10月22日", "date.era_range"),
        ("明治元年1月1日", "date.era_range"),
        ("大正元年7月29日", "date.era_range"),
        ("明治45年7月31日", "date.era_range"),
        ("04/01/24", "date.ambiguous"),
        ("1/4/2024", "date.ambiguous"),
        ("13/4/2024", "date.ambiguous"),  # unambiguous alone, but a day-first file is not
        ("24/4/1", "date.ambiguous"),
        ("24.4.1", "date.ambiguous"),
        ("4/1", "date.ambiguous"),
        ("4.1", "date.ambiguous"),
        ("4月1日", "date.ambiguous"),
        ("24年4月1日", "date.ambiguous"),
        ("6年4月1日", "date.ambiguous"),  # 令和6年 with the era left out?
        ("240401", "date.ambiguous"),
        ("2024", "date.ambiguous"),  # a year, or Excel's 1905-07-16?
        ("1985.0", "date.ambiguous"),
        ("45", "date.ambiguous"),
        ("9999", "date.ambiguous"),
        ("73051", "date.serial_range"),
        ("1234567", "date.serial_range"),
        ("2024年4月1日(火)", "date.weekday"),
        ("2024/4/1 (Sun)", "date.weekday"),
        ("令和6年4月1日 日曜日", "date.weekday"),
    ],
)
def test_parse_date_refuses(raw: str, code: str) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_date(raw)
    assert (info.value.code, info.value.value) == (code, raw)


def test_excel_serials_can_be_switched_off() -> None:
    with pytest.raises(ValueParseError) as info:
        parse_date("45383", excel_serial=False)
    assert info.value.code == "date.invalid"
    assert parse_date("20240401", excel_serial=False) == dt.date(2024, 4, 1)


# --- format_wareki ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2024, 4, 1), "令和6年4月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),  # shared day: the new era, as customary
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(1912, 7, 29), "明治45年7月29日"),
        (dt.date(1868, 10, 23), "明治元年10月23日"),
    ],
)
def test_format_wareki_examples(day: dt.date, text: str) -> None:
    assert format_wareki(day) == text


def test_format_wareki_refuses_dates_before_meiji() -> None:
    with pytest.raises(ValueParseError) as info:
        format_wareki(dt.date(1868, 10, 22))
    assert info.value.code == "date.era_range"


# --- era boundaries -----------------------------------------------------------------------------


def _era_text(name: str, year: int, day: dt.date) -> str:
    return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


@pytest.mark.parametrize("era", ERAS, ids=[e.name for e in ERAS])
def test_each_era_accepts_its_first_and_last_day_and_refuses_the_days_outside(era) -> None:  # type: ignore[no-untyped-def]
    one = dt.timedelta(days=1)
    year_of = lambda day: day.year - era.first.year + 1  # noqa: E731
    inside = [era.first, era.first + one]
    outside = [era.first - one]
    if era.last != dt.date.max:
        inside += [era.last - one, era.last]
        outside.append(era.last + one)
    for day in inside:
        for text in (_era_text(era.name, year_of(day), day),
                     f"{era.letter}{year_of(day)}.{day.month}.{day.day}"):
            assert parse_date(text) == day, text
    for day in outside:
        for text in (_era_text(era.name, year_of(day), day),
                     f"{era.letter}{year_of(day)}.{day.month}.{day.day}"):
            with pytest.raises(ValueParseError) as info:
                parse_date(text)
            assert info.value.code == "date.era_range", text


def test_eras_follow_each_other_without_gaps() -> None:
    for before, after in itertools.pairwise(ERAS):
        assert after.first - before.last in (dt.timedelta(0), dt.timedelta(days=1))


# --- properties ---------------------------------------------------------------------------------


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _styles(day: dt.date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    return [
        f"{y}/{m}/{d}",
        f"{y}/{m:02}/{d:02}",
        f"{y}-{m:02}-{d:02}",
        f"{y}.{m}.{d}",
        f"{y}{m:02}{d:02}",
        f"{y}年{m}月{d}日",
        f"{y}/{m}/{d} 13:45",
        f"{y}-{m:02}-{d:02}T13:45:00",
        f"{y}-{m:02}-{d:02}T12:00:00+09:00",
        f"{y}年{m}月{d}日({'月火水木金土日'[day.weekday()]})",
        day.isoformat(),
        format_wareki(day),
    ]


@given(supported_dates)
@example(MEIJI)
@example(dt.date(1912, 7, 30))
@example(dt.date(1926, 12, 25))
@example(dt.date(1989, 1, 7))
@example(dt.date(1989, 1, 8))
@example(dt.date(2019, 4, 30))
@example(dt.date(2019, 5, 1))
@example(LAST)
def test_every_supported_style_parses_back(day: dt.date) -> None:
    for text in _styles(day):
        assert parse_date(text) == day, text
        assert parse_date(full_width(text)) == day, full_width(text)
    era = next(e for e in reversed(ERAS) if e.first <= day)
    year = day.year - era.first.year + 1
    for text in (f"{era.letter}{year}.{day.month}.{day.day}",
                 f"{era.letter}{year:02}/{day.month:02}/{day.day:02}"):
        assert parse_date(text) == day, text


@given(st.dates(min_value=dt.date(1927, 5, 18), max_value=LAST), st.sampled_from(["", ".0",
                                                                                   ".5"]))
def test_excel_serials_parse_back(day: dt.date, fraction: str) -> None:
    assert parse_date(f"{_excel_serial(day)}{fraction}") == day


@given(st.integers(min_value=1000, max_value=2200), st.integers(min_value=1, max_value=12),
       st.integers(min_value=29, max_value=31))
def test_days_past_the_end_of_the_month_are_refused(year: int, month: int, day: int) -> None:
    if day <= calendar.monthrange(year, month)[1]:
        return
    for text in (f"{year}/{month}/{day}", f"{year}年{month}月{day}日", f"{year}{month:02}{day}"):
        with pytest.raises(ValueParseError) as info:
            parse_date(text)
        assert info.value.code == "date.nonexistent", text


@given(supported_dates)
def test_the_day_after_an_era_ended_is_refused_in_that_era(day: dt.date) -> None:
    for era in ERAS[:-1]:
        if day > era.last:
            year = day.year - era.first.year + 1
            with pytest.raises(ValueParseError) as info:
                parse_date(f"{era.letter}{year}.{day.month}.{day.day}")
            assert info.value.code == "date.era_range"


@given(parser_input)
def test_parse_date_raises_only_value_parse_error(s: str) -> None:
    for serial in (True, False):
        value, error = outcome(parse_date, s, excel_serial=serial)
        if error is not None:
            assert error.code in ERROR_CODES and error.value == s
        else:
            assert type(value) is dt.date


@given(st.dates())
def test_format_wareki_raises_only_value_parse_error(day: dt.date) -> None:
    text, error = outcome(format_wareki, day)
    if error is not None:
        assert error.code == "date.era_range" and day < MEIJI
    else:
        assert text is not None and parse_date(text) == day
