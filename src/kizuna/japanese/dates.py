"""Dates as Japanese spreadsheets hold them: 2024/4/1, 2024年4月1日, 令和6年4月1日, R6.4.1,
20240401, ISO datetimes and Excel serial numbers (docs/decisions/0105-japanese-value-parsing.md).

A date that cannot exist or can be read two ways is an error, never a guess: 2023/02/30,
昭和65年, 04/01/24. Japanese eras are read in the Gregorian calendar, as every system since
明治6年 (1873) does; for 明治1-5 that is proleptic (Japan then used the lunisolar calendar, and a
document from those years would need a conversion we do not do).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from kizuna.japanese.text import normalize_dashes, normalize_width
from kizuna.japanese.values import ValueParseError

__all__ = ["ERAS", "Era", "format_wareki", "parse_date"]


class Era(NamedTuple):
    name: str  # 令和
    letter: str  # R, as in R6.4.1 (JIS X 0301)
    first: dt.date
    last: dt.date  # inclusive


# 明治→大正 and 大正→昭和 changed era on the day the emperor died, so that day belongs to both:
# 明治45年7月30日 = 大正元年7月30日, 大正15年12月25日 = 昭和元年12月25日; both spellings are on
# real documents. 昭和→平成 and 平成→令和 changed at midnight. 明治 starts on the day of the
# 改元 (1868-10-23), not on the retroactive 慶応4年1月1日, which was a lunisolar date.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1868, 10, 23), dt.date(1912, 7, 30)),
    Era("大正", "T", dt.date(1912, 7, 30), dt.date(1926, 12, 25)),
    Era("昭和", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("平成", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("令和", "R", dt.date(2019, 5, 1), dt.date.max),
)
_ERA_BY_SPELLING: dict[str, Era] = {}
for _era in ERAS:
    _ERA_BY_SPELLING[_era.name] = _ERA_BY_SPELLING[_era.name[0]] = _era  # 昭和, 昭
    _ERA_BY_SPELLING[_era.letter] = _ERA_BY_SPELLING[_era.letter.lower()] = _era

_JST = dt.timezone(dt.timedelta(hours=9), "JST")

# Excel serials we accept: 10000 (1927-05-18) to 73050 (2099-12-31). A smaller bare number is
# more likely a year (2024), a month.day (4.1) or a typo than a date before 1927, and a larger
# one than 2099 is a typo or YYMMDD (240401).
_SERIAL_MIN, _SERIAL_MAX = 10_000, 73_050
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 61 = 1900-03-01; see _from_excel_serial

_WEEKDAY = (
    r"(?:\((?P<wd>[月火水木金土日])(?:曜日?)?\)|(?P<wd2>[月火水木金土日])曜日?"
    r"|\((?P<wde>mon|tue|wed|thu|fri|sat|sun)\))"
)
_CLOCK = (
    r"(?:T|\s+|(?<=\)))(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d{1,9})?)?"
    r"(?:\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?))?"
)
_KANJI_CLOCK = (
    r"(?:\s+|(?<=[日)]))(?P<hj>\d{1,2})時(?:\s*(?P<mj>\d{1,2})分(?:\s*(?P<sj>\d{1,2})秒)?)?"
)
_TAIL = rf"(?:\s*{_WEEKDAY})?(?:{_CLOCK}|{_KANJI_CLOCK})?"

_YMD = r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
_SEPARATED = r"(?P<sep>[-/.])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2})"
_ERA_NAMES = "明治|大正|昭和|平成|令和|[明大昭平令MTSHR]"


def _form(core: str) -> re.Pattern[str]:
    # ASCII: \d must not take other scripts' digits (٣) that NFKC leaves alone.
    return re.compile(rf"{core}{_TAIL}", re.IGNORECASE | re.ASCII)


_WESTERN = _form(rf"(?P<y>\d{{4}})(?:\s*年\s*{_YMD}|{_SEPARATED})")
_COMPACT = _form(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_JAPANESE_ERA = _form(
    rf"(?P<era>{_ERA_NAMES})\s*(?P<ey>元|\d{{1,4}})\s*(?:年\s*{_YMD}|{_SEPARATED})"
)
# Forms that are dates but could be more than one: two-digit or missing years, day/month order.
_AMBIGUOUS = [
    _form(r"\d{1,2}(?P<sep>[-/.])\d{1,2}(?P=sep)(?:\d{1,2}|\d{4})"),  # 04/01/24, 1/4/2024
    _form(r"\d{1,2}[-/.]\d{1,2}"),  # 4/1: no year
    _form(rf"\d{{1,2}}\s*年\s*{_YMD}"),  # 24年4月1日, or 6年4月1日 meaning 令和6年
    _form(_YMD),  # 4月1日
    re.compile(r"[0-9]{6}"),  # 240401 (YYMMDD)
]
_NUMBER = re.compile(r"(?P<int>[0-9]+)(?:\.[0-9]+)?")


def _clean(s: str) -> str:
    # NFKC turns full-width digits and ㋿ ㍻ ㍼ ㍽ ㍾ into 令和 平成 昭和 大正 明治; dashes typed
    # as ー or − become "-".
    return normalize_dashes(normalize_width(s))


def _calendar_date(year: int, month: int, day: int, s: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueParseError("date.nonexistent", s) from None


def _month_day(m: re.Match[str]) -> tuple[int, int]:
    if m["m"] is not None:
        return int(m["m"]), int(m["d"])
    return int(m["m2"]), int(m["d2"])


def _apply_tail(day: dt.date, m: re.Match[str], s: str) -> dt.date:
    """Check the weekday and the clock written after a date; move an instant to Japan time."""
    weekday = m["wd"] or m["wd2"]
    if weekday and "月火水木金土日".index(weekday) != day.weekday():
        raise ValueParseError("date.weekday", s)
    if m["wde"] and ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(
        m["wde"].lower()
    ) != day.weekday():
        raise ValueParseError("date.weekday", s)
    hour, minute, second = (int(g or 0) for g in (m["hh"] or m["hj"], m["mi"] or m["mj"],
                                                  m["ss"] or m["sj"]))
    if hour > 23 or minute > 59 or second > 59:
        raise ValueParseError("date.invalid", s)
    if not m["tz"]:
        return day  # a local time: the date is the one written
    # An instant with an offset (2024-03-31T15:30:00Z) is a moment; Kizuna shows dates in
    # Asia/Tokyo, so the date is the one in Japan at that moment (2024-04-01).
    tz = m["tz"].upper()
    offset = dt.timedelta(0)
    if tz != "Z":
        hours, minutes = int(tz[1:3]), int(tz[3:].lstrip(":") or 0)
        if hours > 23 or minutes > 59:
            raise ValueParseError("date.invalid", s)
        offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if tz[0] == "-" else 1)
    moment = dt.datetime.combine(day, dt.time(hour, minute, second), dt.timezone(offset))
    try:
        return moment.astimezone(_JST).date()
    except OverflowError:
        raise ValueParseError("date.invalid", s) from None


def _from_excel_serial(serial: int, s: str) -> dt.date:
    # Excel's 1900 date system counts 1900-01-01 as 1 and, copying Lotus 1-2-3, has a
    # 1900-02-29 (serial 60) that never existed; from serial 61 the count is days since
    # 1899-12-30. We accept only serials from 10000, far past the fictitious day, but name it.
    if serial == 60:
        raise ValueParseError("date.nonexistent", s, "Excel's fictitious 1900-02-29")
    return _EXCEL_EPOCH + dt.timedelta(days=serial)


def parse_date(s: str, *, excel_serial: bool = True) -> dt.date:
    """The date a spreadsheet cell means, or ValueParseError.

    Accepted (full-width or half-width, surrounding spaces ignored): 2024/4/1, 2024-04-01,
    2024.4.1, 20240401, 2024年4月1日; eras 令和6年4月1日, 令和元年5月1日, R6.4.1, R06/04/01,
    H31.4.30, S60.4.1, 平成元年1月8日, 大正/T, 明治/M, single-kanji 昭60.4.1, ㍻31年; a weekday
    after the date, (月) or 月曜日, which must be right; a time after it, which is ignored
    (2024/4/1 10:30, 2024-04-01T10:30:00, 10時30分) unless it carries an offset
    (…T15:00:00Z), in which case the date is the one in Japan at that moment. With
    `excel_serial`, a bare number 10000-73050 (optionally with a time fraction, 45383.5) is an
    Excel 1900-system serial: 45383 = 2024-04-01.

    Refused: an empty string (blank cells are the caller's business) "date.invalid"; days that
    do not exist (2023/02/30, serial 60 = Excel's 1900-02-29) "date.nonexistent"; dates outside
    their era (昭和64年1月8日, 平成31年5月1日, 令和1年4月30日) "date.era_range"; two-digit or
    missing years, day/month order (04/01/24, 1/4/2024, 4月1日) and bare numbers that could be
    a year "date.ambiguous".
    """
    t = _clean(s)
    if not t or len(t) > 64:  # also keeps int() far below Python's 4300-digit limit
        raise ValueParseError("date.invalid", s)
    if m := _WESTERN.fullmatch(t) or _COMPACT.fullmatch(t):
        return _apply_tail(_calendar_date(int(m["y"]), *_month_day(m), s), m, s)
    if m := _JAPANESE_ERA.fullmatch(t):
        era = _ERA_BY_SPELLING[m["era"]]
        era_year = 1 if m["ey"] == "元" else int(m["ey"])
        day = _calendar_date(era.first.year + era_year - 1, *_month_day(m), s)
        if era_year < 1 or not era.first <= day <= era.last:
            end = "" if era.last == dt.date.max else f" to {era.last}"
            raise ValueParseError("date.era_range", s, f"{era.name} runs from {era.first}{end}")
        return _apply_tail(day, m, s)
    if any(pattern.fullmatch(t) for pattern in _AMBIGUOUS):
        raise ValueParseError("date.ambiguous", s)
    if m := _NUMBER.fullmatch(t):
        if not excel_serial:
            raise ValueParseError("date.invalid", s)
        serial = int(m["int"])
        if serial == 60:
            return _from_excel_serial(serial, s)  # raises: the fictitious day
        if serial < _SERIAL_MIN:
            raise ValueParseError("date.ambiguous", s)
        if serial > _SERIAL_MAX:
            raise ValueParseError("date.serial_range", s)
        return _from_excel_serial(serial, s)
    raise ValueParseError("date.invalid", s)


def _wareki(d: dt.date) -> tuple[Era, int]:
    """(era, era year) of a date; on a shared boundary day the new era, as is customary."""
    for era in reversed(ERAS):
        if era.first <= d:
            return era, d.year - era.first.year + 1
    raise ValueParseError("date.era_range", d.isoformat(), "before 明治 (1868-10-23)")


def format_wareki(d: dt.date) -> str:
    """令和6年4月1日 for 2024-04-01; the first year of an era is 元年 (令和元年5月1日).

    For letters, forms and display. Dates before 明治 (1868-10-23) raise
    ValueParseError("date.era_range").
    """
    era, year = _wareki(d)
    return f"{era.name}{'元' if year == 1 else year}年{d.month}月{d.day}日"
