from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.japanese.values import (
    ERROR_CODES,
    ValueParseError,
    parse_decimal,
    parse_integer,
    parse_money,
    parse_percent,
)
from tests.japanese.ja_strategies import full_width, outcome, parser_input

# --- the error type ----------------------------------------------------------------------------


def test_error_carries_code_and_value_and_pickles() -> None:
    error = ValueParseError("number.invalid", "abc")
    assert isinstance(error, ValueError)
    assert (error.code, error.value) == ("number.invalid", "abc")
    assert str(error) == "not a number in an accepted form: 'abc'"
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, just made
    assert (copy.code, copy.value, str(copy)) == (error.code, error.value, str(error))


def test_unknown_codes_are_a_bug_not_a_parse_error() -> None:
    with pytest.raises(ValueError, match="unknown") as info:
        ValueParseError("number.oops", "1")
    assert not isinstance(info.value, ValueParseError)


def test_error_codes_are_namespaced_and_described() -> None:
    assert set(ERROR_CODES) >= {"date.invalid", "date.nonexistent", "date.ambiguous",
                                "date.era_range", "number.invalid", "number.fraction",
                                "email.invalid"}
    for code, meaning in ERROR_CODES.items():
        assert code.split(".")[0] in {"date", "number", "email"} and meaning, code


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "yen"),
    [
        ("1234", 1234),
        ("1,234円", 1234),
        ("¥1,234", 1234),
        ("￥1,234", 1234),
        ("\\1,234", 1234),  # CP932: the yen key gives byte 0x5C, decoded as a backslash
        ("JPY 1,234", 1234),
        ("1,234 JPY", 1234),
        ("１，２３４", 1234),
        ("１，２３４円", 1234),
        ("1234.0", 1234),
        ("1,234.00円", 1234),
        ("▲1,234", -1234),
        ("△1,234", -1234),
        ("-1,234", -1234),
        ("−1,234", -1234),  # U+2212 minus sign
        ("－１，２３４", -1234),
        ("¥-1,234", -1234),
        ("+1,234", 1234),
        ("  1,234円 ", 1234),
        ("0円", 0),
        ("-0", 0),
        ("12万円", 120_000),
        ("1万2千円", 12_000),
        ("1万2千500円", 12_500),
        ("1.5万", 15_000),
        ("1.5千円", 1_500),
        ("百万円", 1_000_000),
        ("3千万円", 30_000_000),
        ("1,500万円", 15_000_000),
        ("1億2,345万6,789円", 123_456_789),
        ("2兆円", 2_000_000_000_000),
        ("2千1万円", 20_010_000),  # 二千一万: 2001 × 万
        ("¥10,000-", 10_000),  # receipt style: the dash closes the amount
        ("１２万円", 120_000),
    ],
)
def test_parse_money_examples(raw: str, yen: int) -> None:
    assert parse_money(raw) == yen


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "number.invalid"),
        ("円", "number.invalid"),
        ("abc", "number.invalid"),
        ("1 234", "number.invalid"),  # a space inside digits
        ("10,000-", "number.invalid"),  # a trailing minus without ¥: refused, not guessed
        ("(1,234)", "number.invalid"),
        ("--1", "number.invalid"),
        ("▲-1", "number.invalid"),
        ("1.", "number.invalid"),
        (".5", "number.invalid"),
        ("1.2.3", "number.invalid"),
        ("万円", "number.invalid"),
        ("1万12000円", "number.invalid"),  # what follows 万 must be below 10,000
        ("1万2億円", "number.invalid"),  # units must descend
        ("1万1万円", "number.invalid"),
        ("12千円", "number.invalid"),
        ("1千2000", "number.invalid"),
        ("1.5万3千", "number.invalid"),  # a decimal point inside a longer expression
        ("1,23,4", "number.grouping"),
        ("12,34", "number.grouping"),
        ("1234,567", "number.grouping"),
        ("0,5", "number.grouping"),  # a European decimal comma
        ("1,234.5円", "number.fraction"),
        ("0.5", "number.fraction"),
        ("1.23456万", "number.fraction"),
        ("$12", "number.currency"),
        ("12ドル", "number.currency"),
        ("USD 12", "number.currency"),
        ("1,234円（税込）", "number.annotation"),
        ("1,234円(税抜)", "number.annotation"),
        ("約1万円", "number.annotation"),
        ("1万円〜", "number.annotation"),
        ("1.23457E+11", "number.exponent"),
        ("1e3", "number.exponent"),
        ("1" * 65, "number.invalid"),
    ],
)
def test_parse_money_refuses(raw: str, code: str) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_money(raw)
    assert (info.value.code, info.value.value) == (code, raw)


def _grouped(n: int) -> str:
    return f"{n:,}"


def _kanji_units(n: int) -> str:
    """123456789 -> 1億2345万6789, the way amounts are spoken and often written."""
    parts = []
    for unit, size in (("兆", 10**12), ("億", 10**8), ("万", 10**4)):
        if n >= size:
            parts.append(f"{n // size}{unit}")
            n %= size
    if n or not parts:
        parts.append(str(n))
    return "".join(parts)


@st.composite
def money_text(draw: st.DrawFn) -> tuple[int, str]:
    n = draw(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
    style = draw(st.sampled_from([str, _grouped, _kanji_units]))
    digits = style(abs(n))
    if style is not _kanji_units and draw(st.booleans()):
        digits += ".0"  # how Excel exports a whole number
    if draw(st.booleans()):
        digits = full_width(digits)
    sign = draw(st.sampled_from(["-", "▲", "△", "−"])) if n < 0 else ""
    prefix, suffix = draw(st.sampled_from([("", ""), ("¥", ""), ("￥", ""), ("", "円"),
                                           ("", " 円"), ("JPY ", ""), ("\\", "")]))
    return n, f"{sign}{prefix}{digits}{suffix}"


@given(money_text())
def test_formatted_amounts_parse_back(case: tuple[int, str]) -> None:
    n, text = case
    assert parse_money(text) == n


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_round_trip_in_every_plain_style(n: int) -> None:
    for text in (str(n), f"{n:,}", full_width(f"{n:,}"), f"{n}.0"):
        assert parse_integer(text) == n
    if n < 0:
        assert parse_integer(f"▲{-n:,}") == n


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=99))
def test_fractional_yen_are_refused_never_rounded(whole: int, cents: int) -> None:
    if cents % 10 == 0:
        cents //= 10
    with pytest.raises(ValueParseError) as info:
        parse_money(f"{whole:,}.{cents}円")
    assert info.value.code == "number.fraction"


@given(st.integers(min_value=1000, max_value=10**12), st.data())
def test_misplaced_separators_are_refused(n: int, data: st.DataObject) -> None:
    digits = str(n)
    cut = data.draw(st.integers(min_value=1, max_value=len(digits) - 1))
    wrong = f"{digits[:cut]},{digits[cut:]}"
    if len(digits) - cut == 3 and cut <= 3:
        return  # 1,234: that comma is where it belongs
    with pytest.raises(ValueParseError) as info:
        parse_money(wrong)
    assert info.value.code == "number.grouping"


# --- integers, decimals, percentages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("42", 42), ("１２０", 120), ("1,200", 1200), ("1.2万", 12_000), ("▲3", -3), ("007", 7)],
)
def test_parse_integer_examples(raw: str, expected: int) -> None:
    assert parse_integer(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [("1.5", "number.fraction"), ("12円", "number.invalid"),
                                           ("120名", "number.invalid"), ("", "number.invalid")])
def test_parse_integer_refuses(raw: str, code: str) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_integer(raw)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.50", Decimal("1.50")),
        ("０．２５", Decimal("0.25")),
        ("1,234.5", Decimal("1234.5")),
        ("▲0.5", Decimal("-0.5")),
        ("-0.0", Decimal("0.0")),
        ("1.5万", Decimal("15000")),
        ("0.1", Decimal("0.1")),  # exact: never 0.1000000000000000055511151231257827
    ],
)
def test_parse_decimal_examples(raw: str, expected: Decimal) -> None:
    value = parse_decimal(raw)
    assert value == expected and isinstance(value, Decimal)
    assert str(value) == str(expected) or "万" in raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10%", Decimal("0.10")),
        ("１０％", Decimal("0.10")),
        ("12.5 %", Decimal("0.125")),
        ("▲2.5%", Decimal("-0.025")),
        ("0%", Decimal("0")),
        ("150%", Decimal("1.5")),
        ("0.1", Decimal("0.1")),  # a bare number is the ratio, as Excel stores 10%
        ("1", Decimal("1")),
    ],
)
def test_parse_percent_examples(raw: str, expected: Decimal) -> None:
    assert parse_percent(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [("10", "number.percent_ambiguous"),
                                           ("-5", "number.percent_ambiguous"),
                                           ("%", "number.invalid"), ("10%%", "number.invalid"),
                                           ("1割", "number.invalid"), ("", "number.invalid")])
def test_parse_percent_refuses(raw: str, code: str) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_percent(raw)
    assert info.value.code == code


@given(st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False))
def test_percentages_round_trip_exactly(ratio: Decimal) -> None:
    assert parse_percent(f"{ratio * 100}%") == ratio
    if abs(ratio) <= 1:
        assert parse_percent(str(ratio)) == ratio


# --- nothing but ValueParseError ----------------------------------------------------------------


@given(parser_input)
def test_number_parsers_raise_only_value_parse_error(s: str) -> None:
    for parse in (parse_integer, parse_money, parse_decimal, parse_percent):
        value, error = outcome(parse, s)
        if error is not None:
            assert error.code in ERROR_CODES and error.value == s
        else:
            assert isinstance(value, (int, Decimal)) and not isinstance(value, float)
