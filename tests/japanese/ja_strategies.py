"""Hypothesis strategies for Japanese data, shared by the tests in this folder."""

from __future__ import annotations

import unicodedata

import jaconv
from hypothesis import strategies as st

from kizuna.japanese.tables import HYPHENS, LONG_VOWEL_MARKS, VARIANT_KANJI

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
