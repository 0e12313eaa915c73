"""Width, dash, kana and match-key normalisation of Japanese text.

Two kinds of output, never mixed (docs/decisions/0102-japanese-normalisation.md):

* **stored/displayed values** — `normalize_width`, `normalize_dashes`, `normalize_kana`: what a
  careful typist would have entered. Lossless for anything a reader cares about (variant kanji
  such as 髙 or 﨑, CJK compatibility ideographs such as 塚 are kept as typed).
* **keys** — `match_key`, `kana_key`: for search and identity resolution only, never shown.
  They fold case, variant kanji, katakana/hiragana and drop separators, so they are lossy.

Pure functions, no Django. Every function accepts any `str` and never raises on its content.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import jaconv

from kizuna.japanese.tables import (
    DASH_LIKE,
    GA_VARIANTS,
    HYPHENS,
    LONG_VOWEL_MARKS,
    MIDDLE_DOTS,
    VARIANT_KANJI,
)

__all__ = [
    "is_kana",
    "kana_key",
    "match_key",
    "normalize_dashes",
    "normalize_kana",
    "normalize_width",
]

KanaScript = Literal["katakana", "hiragana"]

# CJK compatibility ideographs. NFKC (and even NFC) replaces most of them with their unified
# twin (塚 U+FA10 -> 塚 U+585A); for a person's or company's name that is a visible change, so
# display normalisation leaves them alone and only match keys fold them.
_COMPAT_IDEOGRAPHS = re.compile("[\uf900-\ufaff\U0002f800-\U0002fa1f]+")

# Spacing voiced/semi-voiced marks (゛゜, as typed by old systems: "カ゛") have a compatibility
# decomposition to SPACE + combining mark, so plain NFKC would turn "カ゛" into "カ ゙". We swap
# them for the combining marks first so NFKC composes them onto the kana (カ゛ -> ガ), and swap
# the ones left over (nothing to compose with) back to the spacing form.
_TO_COMBINING = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})
_TO_SPACING = str.maketrans({"\u3099": "\u309b", "\u309a": "\u309c"})

_SMALL_TO_LARGE_HIRAGANA = str.maketrans(
    "ぁぃぅぇぉっゃゅょゎゕゖ",
    "あいうえおつやゆよわかけ",
)

_KANJI = (
    "\u3005"  # 々
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003ffff"  # CJK extensions B and later
)
_GA_BETWEEN_KANJI = re.compile(f"(?<=[{_KANJI}])[{''.join(sorted(GA_VARIANTS))}](?=[{_KANJI}])")

_VARIANT_KANJI_TABLE = str.maketrans(VARIANT_KANJI)


def _is_kana(ch: str) -> bool:
    """True for a kana letter, the long vowel mark or a voiced mark (full- or half-width)."""
    cp = ord(ch)
    return (
        0x3041 <= cp <= 0x3096  # hiragana
        or 0x3099 <= cp <= 0x309F  # voiced marks, ゝゞゟ
        or 0x30A1 <= cp <= 0x30FA  # katakana
        or 0x30FC <= cp <= 0x30FF  # ー ヽヾヿ
        or 0x31F0 <= cp <= 0x31FF  # small katakana extensions (ㇰ …)
        or 0xFF66 <= cp <= 0xFF9F  # half-width katakana, ｰ, ﾞﾟ
    )


def _after_kana(out: list[str]) -> bool:
    """True if the last base character in `out` is kana (combining marks are looked past).

    NFKC reorders runs of combining marks by combining class, so the mark that happens to be
    last is not stable; the base character before them is.
    """
    for ch in reversed(out):
        if not unicodedata.combining(ch):
            return _is_kana(ch)
    return False


def _nfkc(s: str) -> str:
    """NFKC, except that spacing voiced marks compose with the kana before them."""
    s = unicodedata.normalize("NFKC", s.translate(_TO_COMBINING))
    return s.translate(_TO_SPACING)


def _nfkc_keep_compat_ideographs(s: str) -> str:
    parts: list[str] = []
    pos = 0
    for m in _COMPAT_IDEOGRAPHS.finditer(s):
        parts.append(_nfkc(s[pos : m.start()]))
        parts.append(m.group())
        pos = m.end()
    parts.append(_nfkc(s[pos:]))
    return "".join(parts)


def _casefold(s: str) -> str:
    # NFKC and case folding do not commute for a handful of characters; iterate to the fixed
    # point (NFKC_Casefold would need the same closure). Converges in one or two rounds.
    for _ in range(4):
        folded = _nfkc(s.casefold())
        if folded == s:
            break
        s = folded
    return s


def _drop_separators(s: str) -> str:
    return "".join(ch for ch in s if not ch.isspace() and ch not in MIDDLE_DOTS)


def normalize_width(s: str) -> str:
    """Width-normalise one line of text for storage and display.

    NFKC based: full-width ASCII -> ASCII (ＡＢＣ１２３ -> ABC123), half-width katakana ->
    full-width with voiced marks combined (ｶﾞｯｺｳ -> ガッコウ), ㈱ -> (株). Runs of whitespace,
    including the ideographic space U+3000 and line breaks, become one ASCII space; the ends are
    stripped. CJK compatibility ideographs are kept as typed (see module docstring).
    Idempotent.
    """
    return " ".join(_nfkc_keep_compat_ideographs(s).split())


def normalize_dashes(s: str) -> str:
    """Turn every dash-like character into ASCII '-', except a long vowel mark after kana.

    For numbers and addresses: 03ー1234ー5678 -> 03-1234-5678, 1丁目2−3 -> 1丁目2-3, while
    スーパー keeps its ー (a ー/ｰ directly after a kana letter or another kept ー is a letter and
    stays as it was). Only dashes change; apply `normalize_width` first for width. Idempotent.
    """
    out: list[str] = []
    for ch in s:
        if ch in LONG_VOWEL_MARKS:
            out.append(ch if _after_kana(out) else "-")
        elif ch in HYPHENS:
            out.append("-")
        else:
            out.append(ch)
    return "".join(out)


def _dashes_after_kana_to_long_vowel(s: str) -> str:
    # In a kana reading a dash after kana is a long vowel mark: zengin (bank) kana has no ー and
    # writes ｽ-ﾊﾟ- with a hyphen; people type － or ― for ー. Other dashes are left alone.
    out: list[str] = []
    for ch in s:
        if ch in DASH_LIKE and _after_kana(out):
            out.append("ー")
        else:
            out.append(ch)
    return "".join(out)


def normalize_kana(s: str, to: KanaScript = "katakana") -> str:
    """Write a kana reading in full-width katakana (default) or hiragana.

    Accepts hiragana, katakana and half-width katakana, with voiced marks written combined
    (ガ), combining or spacing (カ゛, ｶﾞ). A dash after kana becomes ー. Characters that are not
    kana (kanji, Latin, digits) pass through `normalize_width` unchanged. ヷヸヹヺ have no
    hiragana and stay katakana. Idempotent for a fixed `to`.
    """
    if to not in ("katakana", "hiragana"):
        raise ValueError(f"to must be 'katakana' or 'hiragana', not {to!r}")
    t = _dashes_after_kana_to_long_vowel(normalize_width(s))
    t = jaconv.hira2kata(t) if to == "katakana" else jaconv.kata2hira(t)
    # A voiced mark left over after わ (no precomposed form) composes after ワ (ヷ).
    return _nfkc(t)


def kana_key(s: str) -> str:
    """Key for searching and matching kana readings: ヤマダ タロウ, やまだたろう, ﾔﾏﾀﾞ ﾀﾛｳ agree.

    Hiragana, no whitespace or middle dots, Latin case-folded, and small kana folded to large
    (しょう -> しよう) because bank (zengin) kana and Japan Post data have no small kana:
    キユウヨ must find きゅうよ. Voiced marks and ー are kept (かとう ≠ がとう). Never displayed.
    """
    t = _drop_separators(_casefold(normalize_width(s)))
    t = normalize_kana(t, "hiragana").translate(_SMALL_TO_LARGE_HIRAGANA)
    return _nfkc(t)  # ゕ゛ cannot compose, か゛ can (が)


def match_key(s: str) -> str:
    """Key for searching and identity resolution (名寄せ) of names, never displayed.

    NFKC including compatibility ideographs, case folded, whitespace, middle dots and hyphens
    removed (a dash after kana becomes ー: ス－パ－ = スーパー), ヶ/ケ/が between kanji folded
    (霞ヶ関 = 霞が関), variant kanji folded (髙 -> 高, tables.VARIANT_KANJI), katakana ->
    hiragana. So ヤマダ, やまだ and ﾔﾏﾀﾞ share a key, and 髙﨑 matches 高崎; a kanji spelling
    never equals its reading (use `kana_key` on readings). Idempotent.
    """
    t = _drop_separators(_casefold(s))
    # Dropping separators can bring a voiced mark next to its kana ("か ゛"): compose again.
    t = _nfkc(t)
    out: list[str] = []
    for ch in t:
        if ch in DASH_LIKE:
            if _after_kana(out):
                out.append("ー")
        else:
            out.append(ch)
    # Dropping dashes can bring combining marks together, which NFKC reorders: normalise again.
    t = _GA_BETWEEN_KANJI.sub("が", _nfkc("".join(out)))
    return jaconv.kata2hira(t.translate(_VARIANT_KANJI_TABLE))


def is_kana(s: str) -> bool:
    """True if `s` is a plausible kana reading (フリガナ): kana only, in any width or script.

    Allowed besides kana letters: ー (or a dash after kana), voiced marks, middle dots and
    spaces; at least one kana letter is required. Kanji, Latin and digits make it False.
    """
    t = normalize_kana(s, "katakana")
    has_letter = False
    for ch in t:
        if ch == " " or ch in MIDDLE_DOTS or ch in "ー゛゜":
            continue
        if not _is_kana(ch):
            return False
        has_letter = True
    return has_letter
