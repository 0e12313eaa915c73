from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.japanese.corporate_number import (
    corporate_number_check_digit,
    is_valid_corporate_number,
    normalize_corporate_number,
)
from tests.japanese.ja_strategies import any_text

bases = st.text(alphabet="0123456789", min_size=12, max_size=12)

# Published corporate numbers (国税庁 法人番号公表サイト).
REAL_NUMBERS = {
    "7000012050002": "国税庁",
    "7010705000725": "日本税理士会連合会",
    "1180301018771": "トヨタ自動車株式会社",
}


@pytest.mark.parametrize("number", sorted(REAL_NUMBERS))
def test_real_corporate_numbers_are_valid(number: str) -> None:
    assert is_valid_corporate_number(number)
    assert corporate_number_check_digit(number[1:]) == int(number[0])


def test_worked_example_from_the_formula() -> None:
    # Base 123456789012: Σ from the lowest digit with weights 1,2,1,2… = 74; 74 mod 9 = 2.
    assert corporate_number_check_digit("123456789012") == 7


@pytest.mark.parametrize(
    "formatted",
    ["7-0000-1205-0002", "７０００ー０１２０ー５０００２", " 7000012050002 ", "7 0000 1205 0002"],
)
def test_accepts_usual_formatting(formatted: str) -> None:
    assert normalize_corporate_number(formatted) == "7000012050002"


@pytest.mark.parametrize(
    "bad",
    ["", "000012050002", "70000120500021", "1000012050002", "0000012050002", "T7000012050002",
     "7000O12050002", "abcdefghijklm"],
)  # fmt: skip
def test_rejects(bad: str) -> None:
    assert not is_valid_corporate_number(bad)


@pytest.mark.parametrize(
    "bad", ["", "12345678901", "1234567890123", "１２３４５６７８９０１２", "abc"]
)
def test_check_digit_needs_twelve_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="12 ASCII digits"):
        corporate_number_check_digit(bad)


@given(bases)
def test_every_base_with_its_check_digit_validates(base: str) -> None:
    check = corporate_number_check_digit(base)
    assert 1 <= check <= 9
    assert is_valid_corporate_number(f"{check}{base}")


@given(bases, st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=9))
def test_every_single_digit_corruption_fails(base: str, position: int, shift: int) -> None:
    number = f"{corporate_number_check_digit(base)}{base}"
    new_digit = (int(number[position]) + shift) % 10
    old_digit = int(number[position])
    # Known blind spot of the mod-9 scheme: 0 and 9 are interchangeable in the base digits.
    if position > 0 and {old_digit, new_digit} == {0, 9}:
        corrupted = number[:position] + str(new_digit) + number[position + 1 :]
        assert is_valid_corporate_number(corrupted)
        return
    corrupted = number[:position] + str(new_digit) + number[position + 1 :]
    assert not is_valid_corporate_number(corrupted)


@given(any_text)
def test_never_raises_on_text(s: str) -> None:
    result = normalize_corporate_number(s)
    assert result is None or (len(result) == 13 and is_valid_corporate_number(result))
