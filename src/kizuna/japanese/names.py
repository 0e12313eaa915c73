"""Split a single 氏名 (or フリガナ) column into family and given name.

Kizuna stores 姓 and 名 apart (letters say 山田様, lists sort by 姓), but many files have one
column. A space is the only certain boundary; without one we split after a known family name
(name_tables.FAMILY_NAMES) only when what is left looks like a given name, and otherwise keep
the whole text as the family name. The method is returned so the importer can show which
splits were guessed from the dictionary. Nothing is ever lost: family + given is the input
(width-normalised) without its separating spaces.
"""

from __future__ import annotations

import unicodedata
from typing import Literal, NamedTuple

from kizuna.japanese.name_tables import FAMILY_NAMES
from kizuna.japanese.tables import VARIANT_KANJI
from kizuna.japanese.text import is_kana, normalize_kana, normalize_width

__all__ = ["NameSplit", "family_name_readings", "split_full_name", "split_kana_name"]

SplitMethod = Literal["space", "dictionary", "whole"]


class NameSplit(NamedTuple):
    family: str
    given: str
    method: SplitMethod  # "space", "dictionary" (a known family name) or "whole" (no split)


def _fold_char(ch: str) -> str:
    # One character in, one out, so a match in the folded text is a match at the same place
    # in the text itself. 髙 -> 高 (tables.VARIANT_KANJI); 﨑 and other compatibility
    # ideographs with a canonical twin -> the twin.
    if ch in VARIANT_KANJI:
        return VARIANT_KANJI[ch]
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def _fold(s: str) -> str:
    return "".join(_fold_char(ch) for ch in s)


def _build_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for name in FAMILY_NAMES:
        key = _fold(name.kanji)
        known = index.get(key, ())
        index[key] = known + tuple(r for r in name.readings if r not in known)
    return index


_READINGS = _build_index()
_LONGEST = max(len(k) for k in _READINGS)

# Words that follow a name but are not part of it: "山田様" is 山田 with an honorific, and
# "山田部長" is 山田 with a job title. A text ending in one is left whole, for a person to fix.
_HONORIFICS = (
    "様", "さま", "サマ", "さん", "サン", "殿", "君", "くん", "ちゃん", "氏", "先生", "御中",
    "各位", "社長", "会長", "専務", "常務", "部長", "課長", "係長", "主任", "店長", "所長", "院長",
    "理事長", "校長", "教授", "博士",
)  # fmt: skip
# A given name never starts with these (in kanji text or in kana).
_NOT_FIRST = frozenset("ーｰ々ゝゞヽヾんンァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ゛゜")


def _is_name_char(ch: str) -> bool:
    cp = ord(ch)
    return (
        ch == "々"
        or 0x3041 <= cp <= 0x309F  # hiragana
        or 0x30A0 <= cp <= 0x30FF  # katakana, ー
        or 0x3400 <= cp <= 0x4DBF  # CJK extension A
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs (﨑)
        or 0x20000 <= cp <= 0x3FFFF  # CJK extensions B and later (𠮷)
    )


def _looks_like_given_name(rest: str, family_length: int) -> bool:
    # 1-4 characters (spec), but after a one-character family name (林, 森, 原, 中 …) only 2-3:
    # such names begin many rarer two-character surnames that are not in the table
    # (中垣内, 原島), and a 2-character text is more often a family name alone than 林 誠.
    low, high = (2, 3) if family_length == 1 else (1, 4)
    return (
        low <= len(rest) <= high
        and not rest.endswith(_HONORIFICS)
        and rest[0] not in _NOT_FIRST
        and all(_is_name_char(ch) for ch in rest)
    )


def family_name_readings(family: str) -> tuple[str, ...]:
    """Known readings (katakana, most usual first) of a family name, or () if unknown.

    Variant kanji are looked up by their common form (髙橋 -> タカハシ).
    """
    return _READINGS.get(_fold(normalize_width(family).replace(" ", "")), ())


def split_full_name(s: str) -> NameSplit:
    """Split 氏名 into (family, given, method), both parts width-normalised.

    * A half- or full-width space (one or more): before it is the family name, after it the
      given name ("山田　太郎", "YAMADA Taro"). Latin names keep the order written: "Taro
      Yamada" gives family "Taro" — we cannot know which convention a file used, and guessing
      would silently swap names. Further spaces stay in the given name.
    * No space: the longest known family name at the start, if the rest looks like a given
      name (1-4 kanji/kana, not ending in 様/さん/部長 …): "佐々木健太" -> 佐々木 / 健太,
      "髙橋一郎" -> 髙橋 / 一郎. method "dictionary".
    * Otherwise the whole text is the family name and the given name is "" ("whole"), also
      when the text is itself a known family name ("長谷川", not 長谷 / 川).
    """
    t = normalize_width(s)
    if " " in t:
        family, _, given = t.partition(" ")
        return NameSplit(family, given, "space")
    folded = _fold(t)
    for n in range(min(_LONGEST, len(t)), 0, -1):
        if folded[:n] in _READINGS:
            if n < len(t) and _looks_like_given_name(t[n:], n):
                return NameSplit(t[:n], t[n:], "dictionary")
            break  # only the longest match counts: a shorter one would be a worse guess
    return NameSplit(t, "", "whole")


# Matching readings ignores what zengin (bank) kana and hurried typing lose: small kana
# (ハツトリ = ハットリ) and ヂ/ヅ written ジ/ズ. One character in, one out.
_READING_FOLD = str.maketrans("ァィゥェォッャュョヮヵヶヂヅ", "アイウエオツヤユヨワカケジズ")


def _hint_readings(family_hint: str) -> tuple[str, ...]:
    hint = normalize_width(family_hint).replace(" ", "")
    if hint and is_kana(hint):
        return (normalize_kana(hint, "katakana"),)
    return family_name_readings(hint)


def split_kana_name(s: str, family_hint: str | None = None) -> NameSplit:
    """Split a フリガナ column into (family, given, method), in full-width katakana.

    Accepts hiragana, katakana and half-width kana (やまだ たろう, ﾔﾏﾀﾞ ﾀﾛｳ); the parts come
    back as `normalize_kana(s, "katakana")` would write them, which is how Kizuna stores
    readings. A space splits ("space"). Without one, `family_hint` — the family name already
    split from the 氏名 column, in kanji or kana — is used: if the reading starts with a
    known reading of it and the rest can start a given name, split there ("dictionary"):
    ("ヤマダタロウ", "山田") -> ヤマダ / タロウ. Otherwise the whole reading is the family
    reading ("whole").
    """
    t = normalize_kana(s, "katakana")
    if " " in t:
        family, _, given = t.partition(" ")
        return NameSplit(family, given, "space")
    if family_hint:
        view = t.translate(_READING_FOLD)
        for reading in sorted(_hint_readings(family_hint), key=len, reverse=True):
            n = len(reading)
            rest = t[n:]
            if (
                view.startswith(reading.translate(_READING_FOLD))
                and rest
                and rest[0] not in _NOT_FIRST
                and is_kana(rest)
            ):
                return NameSplit(t[:n], rest, "dictionary")
    return NameSplit(t, "", "whole")
