"""Hypothesis strategies for Japanese data, shared by the tests in this folder."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

import jaconv
from hypothesis import strategies as st

from kizuna.japanese.tables import HYPHENS, LONG_VOWEL_MARKS, VARIANT_KANJI
from kizuna.japanese.values import ValueParseError

T = TypeVar("T")

# Modern kana readings: every character here exists in full-width katakana and in half-width.
HIRAGANA_READING_CHARS = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ"
    "ぁぃぅぇぉっゃゅょ"
)

hiragana_readings = st.text(alphabet=HIRAGANA_READING_CHARS, min_size=1, max_size=12).filter(
    lambda s: s[0] not in "ぁぃぅぇぉっゃゅょ"
)


def to_katakana(s: str) -> str:
    return jaconv.hira2kata(s)


def to_half_width(s: str) -> str:
    return jaconv.z2h(jaconv.hira2kata(s), kana=True, digit=False, ascii=False)


def to_spacing_marks(s: str) -> str:
    """カ゛ style: the kana followed by the spacing voiced mark, as old systems wrote it."""
    decomposed = unicodedata.normalize("NFD", jaconv.hira2kata(s))
    return decomposed.replace("\u3099", "\u309b").replace("\u309a", "\u309c")


def to_full_width_ascii(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


@st.composite
def mixed_width_digits(draw: st.DrawFn, digits: str) -> str:
    """The digits, each one independently half- or full-width."""
    return "".join(chr(ord(d) + 0xFEE0) if draw(st.booleans()) else d for d in digits)


DASHES = sorted(HYPHENS | LONG_VOWEL_MARKS)
SPACES = [" ", "\u3000", "  ", "\t"]

# A soup of the characters Japanese data is made of, to throw at the normalisers.
JAPANESE_SOUP = (
    HIRAGANA_READING_CHARS
    + "アイウエオカガパヴヷヵヶーｰｱｲｶﾞﾊﾟﾞﾟ゛゜ゝゞヽヾ・･"
    + "山田髙高﨑崎霞関株式会社塚神々"
    + "".join(VARIANT_KANJI)
    + "".join(DASHES)
    + "０１２９ＡＢａｂ（）〒〶㈱㍿①"
    + "09AZaz()+-.,:/ \u3000\t\n"
    + "\u3099\u309a\u0301\u00a8"
)

japanese_text = st.text(alphabet=JAPANESE_SOUP, max_size=30)
any_text = st.text(max_size=40) | japanese_text


# --- cell values (dates, numbers, names, email) ----------------------------------------------

# What spreadsheet cells with dates, amounts and names are made of, to throw at the parsers.
CELL_SOUP = (
    "0123456789０１２３４５６７８９"
    "/-.:,+ T年月日元時分秒()（）月火水木金土曜"
    "明治大正昭和平成令和MTSHRmtshr㍾㍽㍼㍻㋿"
    "¥￥\\円JPY$€万千百十億兆▲△%％Ee税込約〜"
    "@＠.。aA_+gmail.comdocomo"
    "山田太郎佐々木髙橋様ヤマダﾀﾛｳやまだー \u3000"
)
cell_text = st.text(alphabet=CELL_SOUP, max_size=24)
parser_input = any_text | cell_text


def full_width(s: str) -> str:
    """ASCII digits and punctuation as an IME in full-width mode types them."""
    return to_full_width_ascii(s)


def outcome(function: Callable[..., T], *args: Any, **kwargs: Any
            ) -> tuple[T | None, ValueParseError | None]:
    """(value, None) or (None, the ValueParseError): any other exception propagates."""
    try:
        return function(*args, **kwargs), None
    except ValueParseError as error:
        return None, error
