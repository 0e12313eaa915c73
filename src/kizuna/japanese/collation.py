"""あいうえお順 (gojūon order) for kana readings.

`kana_sort_key(reading)` returns a tuple that sorts readings the way a Japanese address book
does, loosely after JIS X 4061 (docs/decisions/0102-japanese-normalisation.md):

1. first level, per character: the base kana in gojūon order, with voiced marks removed
   (が = か), small kana as large (ゃ = や, っ = つ) and hiragana = katakana = half-width;
   the long vowel mark ー counts as the vowel of the kana before it (カー = カア, ラーメン
   sorts with らあめん), and ゝ/ゞ repeat the kana before them.
2. second level, ties only: unvoiced < voiced (濁音) < semi-voiced (半濁音): は < ば < ぱ.
3. third level, ties only: small kana < large kana < ー/iteration mark: やっつ < やつつ.
4. last: the reading as given, so distinct strings never compare equal (total order); this
   puts hiragana before katakana of the same reading.

Non-kana characters are grouped, before kana: symbols < digits < Latin letters < kana <
everything else (kanji, other scripts), following JIS X 4061's order of character classes.
Whitespace and middle dots are ignored in levels 1-3 (やまだ たろう = やまだたろう).
Digits compare one by one, not as numbers: readings rarely contain them.
"""

from __future__ import annotations

import unicodedata

import jaconv

from kizuna.japanese.tables import MIDDLE_DOTS
from kizuna.japanese.text import normalize_kana

__all__ = ["GOJUON", "kana_sort_key", "kana_sort_string"]

# The gojūon table, row by row; a space marks a gap (や row, わ row). ん comes last.
_ROWS = ("あいうえお", "かきくけこ", "さしすせそ", "たちつてと", "なにぬねの",
         "はひふへほ", "まみむめも", "や ゆ よ", "らりるれろ", "わゐ ゑを")  # fmt: skip
GOJUON = "".join(_ROWS).replace(" ", "") + "ん"
_RANK = {ch: i for i, ch in enumerate(GOJUON)}
# The vowel each kana ends in, for the long vowel mark: カー sorts as カア.
_VOWEL = {ch: "あいうえお"[i] for row in _ROWS for i, ch in enumerate(row) if ch != " "}
_VOWEL["ん"] = "ん"

_SMALL = {
    "ぁ": "あ", "ぃ": "い", "ぅ": "う", "ぇ": "え", "ぉ": "お", "っ": "つ",
    "ゃ": "や", "ゅ": "ゆ", "ょ": "よ", "ゎ": "わ", "ゕ": "か", "ゖ": "け",
}  # fmt: skip

_MARK_LEVEL = {"\u3099": 1, "\u309a": 2}  # combining voiced / semi-voiced

# Character classes, in sort order. A first-level weight is (class << 21) | value, so weights
# of different classes never interleave and every weight is a plain int (no mixed-type tuples).
_SYMBOL, _DIGIT, _LATIN, _KANA, _OTHER = range(5)

# Third-level weights.
_SMALL_KANA, _PLAIN, _EXTENDER = 0, 1, 2


def _weight(cls: int, value: int) -> int:
    return (cls << 21) | value


def _decompose(ch: str) -> tuple[str, int]:
    """Base kana (hiragana, large or small) and voiced-mark level of one kana character."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    level = max((_MARK_LEVEL.get(m, 0) for m in marks), default=0)
    return jaconv.kata2hira(base), level


def kana_sort_key(reading: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]:
    """Sort key for a kana reading in gojūon order (see the module docstring for the rules)."""
    text = normalize_kana(reading, "hiragana").casefold()
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    prev_base = ""  # large hiragana of the previous kana, for ー and ゝ
    for ch in text:
        if ch.isspace() or ch in MIDDLE_DOTS:
            continue
        base, voiced = _decompose(ch)
        size = _PLAIN
        if base in _SMALL:
            base, size = _SMALL[base], _SMALL_KANA
        if base in _RANK:
            primary.append(_weight(_KANA, _RANK[base]))
            prev_base = base
        elif ch == "ー" and prev_base:
            vowel = _VOWEL[prev_base]
            primary.append(_weight(_KANA, _RANK[vowel]))
            size, prev_base = _EXTENDER, vowel
        elif base == "ゝ" and prev_base:  # ゞ decomposes to ゝ + voiced mark
            primary.append(_weight(_KANA, _RANK[prev_base]))
            size = _EXTENDER
        else:
            prev_base = ""
            if "0" <= ch <= "9":
                primary.append(_weight(_DIGIT, ord(ch) - ord("0")))
            elif ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
                primary.append(_weight(_LATIN, ord(ch)))
            elif ch == "ー" or unicodedata.category(ch)[0] in "PSZC":
                primary.append(_weight(_SYMBOL, ord(ch)))
            else:
                primary.append(_weight(_OTHER, ord(ch)))
        secondary.append(voiced)
        tertiary.append(size)
    return tuple(primary), tuple(secondary), tuple(tertiary), reading


def kana_sort_string(reading: str, *, max_chars: int = 20) -> str:
    """The first level of `kana_sort_key` as a string a database can ORDER BY.

    Each weight becomes 6 lowercase hex digits, so plain string comparison equals tuple
    comparison under any collation (C, glibc or ICU locales all order [0-9a-f] the same for
    equal-length tokens). Ties beyond the first level are left to the query's next ORDER BY
    term. At most `max_chars` characters are encoded (128 characters of index).
    """
    primary = kana_sort_key(reading)[0][:max_chars]
    return "".join(f"{weight:06x}" for weight in primary)
