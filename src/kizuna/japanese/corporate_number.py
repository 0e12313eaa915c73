"""Corporate number (法人番号): 13 digits assigned by the National Tax Agency (国税庁).

The FIRST digit is the check digit over the 12-digit base number (基礎番号; for a registered
company, its 会社法人等番号). The rule is 法人番号の指定等に関する省令 (平成26年財務省令第70号)
第2条:

    check digit = 9 - ((Σ_{n=1..12} Pn × Qn) mod 9)
    Pn = the n-th digit of the base number counted from its LOWEST digit (n = 1 is the last)
    Qn = 1 when n is odd, 2 when n is even

Read literally, the published formula's brackets put "mod 9" inside the Σ, which can exceed 9
and contradicts the cabinet order (a single digit 1..9); the sum-first reading above is the one
issued numbers satisfy (tests/japanese: 国税庁 7000012050002 and others). The result is always
1..9, so a corporate number never starts with 0.

Known limit of the scheme: because 9 ≡ 0 and 18 ≡ 0 (mod 9), swapping a base digit 0 <-> 9 is
NOT detected. Every other single-digit error is.
"""

from __future__ import annotations

import re

from kizuna.japanese.text import normalize_dashes, normalize_width

__all__ = [
    "corporate_number_check_digit",
    "is_valid_corporate_number",
    "normalize_corporate_number",
]

_BASE = re.compile(r"[0-9]{12}")
_NUMBER = re.compile(r"[1-9][0-9]{12}")


def corporate_number_check_digit(base: str) -> int:
    """The check digit (1..9) for a 12-digit base number given as ASCII digits.

    Raises ValueError for anything but exactly 12 ASCII digits.
    """
    if not _BASE.fullmatch(base):
        raise ValueError(f"a corporate number base is 12 ASCII digits, not {base!r}")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def normalize_corporate_number(s: str) -> str | None:
    """The 13 ASCII digits of a valid corporate number, or None.

    Accepts full-width digits and spaces or hyphens between digits (7-0000-1205-0002, as the
    NTA's forms group them 1-4-4-4). The check digit must be right.
    """
    t = normalize_dashes(normalize_width(s)).replace("-", "").replace(" ", "")
    if not _NUMBER.fullmatch(t):
        return None
    return t if int(t[0]) == corporate_number_check_digit(t[1:]) else None


def is_valid_corporate_number(s: str) -> bool:
    """True if `s` is a 13-digit corporate number whose first digit is the right check digit.

    7000012050002 (国税庁) is valid; 13 digits with a wrong check digit are not. Formatting
    accepted as in `normalize_corporate_number`.
    """
    return normalize_corporate_number(s) is not None
