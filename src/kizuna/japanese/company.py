"""Company names: find the legal form (法人格) and build a matching key without it.

The same company turns up as 株式会社山田製作所, (株)山田製作所, ㈱山田製作所, 山田製作所株式会社
(a typo of position, or a different record of the same firm) and, from bank transfers, as
カ)ヤマダセイサクシヨ. `split_legal_form` recognises the kanji forms, their bracketed
abbreviations and the kana forms used in bank (zengin) names and Japan Post data, in front
(前株), back (後株) or middle position (zengin "ヤマダ(カ)トウキヨウシテン": name, form, branch).

`company_match_key` ignores both the form and its position: for finding duplicates, 有限会社 →
株式会社 conversions and misplaced 前株/後株 are the same firm far more often than not; a caller
that wants to tell them apart compares `legal_form` itself.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from kizuna.japanese.text import kana_key, match_key, normalize_width

__all__ = ["LegalFormSplit", "company_kana_key", "company_match_key", "split_legal_form"]

Position = Literal["front", "back", "middle"]


class LegalFormSplit(NamedTuple):
    legal_form: str | None  # canonical kanji form ("株式会社", 医療法人社団 -> "医療法人")
    base_name: str  # the name without the form, width-normalised (normalize_width)
    position: Position | None


# canonical form: (other kanji spellings, bracketed abbreviations, kana readings, zengin abbr.)
# Kana are written with large kana only (シヤ, not シャ): matching folds small kana to large.
# Zengin abbreviations follow the banks' 法人略語 table; シヤ/ザイ cover 一般・公益 alike.
_FORMS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str | None]] = {
    "株式会社": ((), ("株",), ("カブシキガイシヤ", "カブシキカイシヤ"), "カ"),
    "有限会社": ((), ("有",), ("ユウゲンガイシヤ", "ユウゲンカイシヤ"), "ユ"),
    "合同会社": ((), ("同",), ("ゴウドウガイシヤ", "ゴウドウカイシヤ"), "ド"),
    "合資会社": ((), ("資",), ("ゴウシガイシヤ", "ゴウシカイシヤ"), "シ"),
    "合名会社": ((), ("名",), ("ゴウメイガイシヤ", "ゴウメイカイシヤ"), "メ"),
    "一般社団法人": ((), ("一社",), ("イツパンシヤダンホウジン",), None),
    "一般財団法人": ((), ("一財",), ("イツパンザイダンホウジン",), None),
    "公益社団法人": ((), ("公社",), ("コウエキシヤダンホウジン",), None),
    "公益財団法人": ((), ("公財",), ("コウエキザイダンホウジン",), None),
    "社団法人": ((), ("社",), ("シヤダンホウジン",), "シヤ"),
    "財団法人": ((), ("財",), ("ザイダンホウジン",), "ザイ"),
    "学校法人": ((), ("学",), ("ガツコウホウジン",), "ガク"),
    "医療法人": (("医療法人社団", "医療法人財団", "社会医療法人"), ("医",),
                 ("イリヨウホウジン",), "イ"),
    "社会福祉法人": ((), ("福",), ("シヤカイフクシホウジン",), "フク"),
    "特定非営利活動法人": (("NPO法人",), ("特非", "NPO"), ("トクテイヒエイリカツドウホウジン",),
                           "トクヒ"),
    "宗教法人": ((), ("宗",), ("シユウキヨウホウジン",), "シユウ"),
}  # fmt: skip

# Each spelling -> canonical form, per position it may stand in.
_ANYWHERE: dict[str, str] = {}  # full forms and fully bracketed abbreviations
_FRONT_ONLY: dict[str, str] = {}  # zengin "カ)ヤマダ"
_BACK_ONLY: dict[str, str] = {}  # zengin "ヤマダ(カ"
for _canonical, (_spellings, _abbrs, _readings, _zengin) in _FORMS.items():
    for _s in (_canonical, *_spellings, *_readings):
        _ANYWHERE[_s] = _canonical
    for _a in _abbrs:
        _ANYWHERE[f"({_a})"] = _canonical
    if _zengin:
        _ANYWHERE[f"({_zengin})"] = _canonical
        _FRONT_ONLY[f"{_zengin})"] = _canonical
        _BACK_ONLY[f"({_zengin}"] = _canonical


def _alternation(spellings: list[str]) -> str:
    # Longest first, so 一般社団法人 wins over 社団法人 and (シヤ over (シ.
    return "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True))


_FRONT = re.compile(rf"({_alternation([*_ANYWHERE, *_FRONT_ONLY])})\s*", re.IGNORECASE)
_BACK = re.compile(rf"\s*({_alternation([*_ANYWHERE, *_BACK_ONLY])})$", re.IGNORECASE)
_MIDDLE = re.compile(rf"\s*({_alternation(list(_ANYWHERE))})\s*", re.IGNORECASE)

_LOOKUP = {k.upper(): v for k, v in (_ANYWHERE | _FRONT_ONLY | _BACK_ONLY).items()}

# One-to-one view for matching: hiragana -> katakana, small kana -> large. Same length as the
# text, so match positions index the display text directly.
_HIRAGANA_TO_KATAKANA = str.maketrans({chr(cp): chr(cp + 0x60) for cp in range(0x3041, 0x3097)})
_SMALL_TO_LARGE_KATAKANA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


def split_legal_form(name: str) -> LegalFormSplit:
    """Split a company name into (legal form, base name, position).

    >>> split_legal_form("㈱山田製作所")
    LegalFormSplit(legal_form='株式会社', base_name='山田製作所', position='front')
    >>> split_legal_form("ﾔﾏﾀﾞｾｲｻｸｼﾖ(ｶ")
    LegalFormSplit(legal_form='株式会社', base_name='ヤマダセイサクシヨ', position='back')

    Recognised anywhere: the full forms (株式会社, 有限会社, 合同会社, 合資会社, 合名会社,
    一般/公益 社団/財団法人, 学校法人, 医療法人, 社会福祉法人, 特定非営利活動法人 = NPO法人,
    宗教法人), their bracketed abbreviations ((株) （株） ㈱ (有) ㈲ (同) (資) (名) (一社) …) and
    kana readings (カブシキガイシャ …). Zengin abbreviations: カ) in front, (カ at the back, (カ)
    anywhere. Front wins over back, back over middle; only one form is removed. A name that is
    nothing but a legal form is returned unsplit. `base_name` is `normalize_width(name)` minus
    the form and the spaces next to it; a middle form leaves one space between the two parts.
    """
    text = normalize_width(name)
    view = text.translate(_HIRAGANA_TO_KATAKANA).translate(_SMALL_TO_LARGE_KATAKANA)
    if (m := _FRONT.match(view)) and (base := text[m.end() :]):
        return LegalFormSplit(_LOOKUP[m.group(1).upper()], base, "front")
    if (m := _BACK.search(view)) and (base := text[: m.start()]):
        return LegalFormSplit(_LOOKUP[m.group(1).upper()], base, "back")
    for m in _MIDDLE.finditer(view):
        if m.start() > 0 and m.end() < len(view):
            base = f"{text[: m.start()]} {text[m.end() :]}"
            return LegalFormSplit(_LOOKUP[m.group(1).upper()], base, "middle")
    return LegalFormSplit(None, text, None)


def company_match_key(name: str) -> str:
    """Matching key of a company name: `match_key` of the name without its legal form.

    株式会社山田製作所, (株)山田製作所, ㈱山田製作所, 山田製作所株式会社, 株式会社 山田製作所 and
    有限会社山田製作所 all give "山田製作所". A doubled form (㈱山田製作所株式会社, seen in
    merged imports) is removed at both ends. Never displayed.
    """
    return match_key(_strip_legal_forms(name))


def company_kana_key(name: str) -> str:
    """`kana_key` of a kana company name without its legal form: for bank-transfer names.

    カ)ヤマダセイサクシヨ, ﾔﾏﾀﾞｾｲｻｸｼｮ(ｶ and カブシキガイシャ ヤマダセイサクショ agree.
    """
    return kana_key(_strip_legal_forms(name))


def _strip_legal_forms(name: str) -> str:
    base = normalize_width(name)
    for _ in range(3):  # front, back, middle: a real name never has more
        split = split_legal_form(base)
        if split.position is None:
            break
        base = split.base_name
    return base
