"""Small hand-kept tables for Japanese data (docs/decisions/0102-japanese-normalisation.md).

They are deliberately short. Each entry is here because it causes real duplicate records or
broken look-ups in Japanese customer data; anything rarer belongs in a later, reviewed change.
"""

from __future__ import annotations

# Characters people (and IMEs, Excel, OCR) put where an ASCII hyphen-minus is meant. NFKC only
# maps two of them (U+FE63, U+FF0D), so the rest need our own table.
HYPHENS: frozenset[str] = frozenset(
    "-"  # U+002D hyphen-minus
    "\u2010"  # ‐ hyphen
    "\u2011"  # ‑ non-breaking hyphen
    "\u2012"  # ‒ figure dash
    "\u2013"  # – en dash
    "\u2014"  # — em dash
    "\u2015"  # ― horizontal bar (the IME's "ダッシュ")
    "\u2043"  # ⁃ hyphen bullet
    "\u2212"  # − minus sign (what many Japanese fonts/IMEs give for "まいなす")
    "\u2500"  # ─ box drawing light horizontal (IME "けいせん", seen in addresses)
    "\u2501"  # ━ box drawing heavy horizontal
    "\ufe58"  # ﹘ small em dash
    "\ufe63"  # ﹣ small hyphen-minus
    "\uff0d"  # － full-width hyphen-minus
)

# The katakana-hiragana prolonged sound mark and its half-width form. Inside a kana word they are
# letters (スーパー) and must survive; after a digit they are a dash typed with the wrong key.
LONG_VOWEL_MARKS: frozenset[str] = frozenset("\u30fc\uff70")  # ー ｰ

# Every character that may stand for a dash somewhere.
DASH_LIKE: frozenset[str] = HYPHENS | LONG_VOWEL_MARKS

# Middle dots separating words in foreign names (ジョン・スミス); dropped from match keys.
MIDDLE_DOTS: frozenset[str] = frozenset("\u30fb\uff65\u00b7")  # ・ ･ ·

# Variant kanji folded ONLY in match keys, never in what is stored or displayed: a customer
# whose registered name is 髙橋 must see 髙橋 on every letter. Each variant folds to the common
# (常用/新字体) form. We fold old/variant forms of one character, never two distinct characters
# that merely share a reading (斎/斉, 冨/富 stay apart).
# CJK compatibility ideographs with a canonical decomposition (塚 U+FA10, 神 U+FA19, …) need no
# entry: NFKC folds them in match keys.
VARIANT_KANJI: dict[str, str] = {
    "髙": "高",  # はしごだか
    "﨑": "崎",  # たつさき (U+FA11 has no decomposition, NFKC keeps it)
    "嵜": "崎",
    "碕": "崎",
    "德": "徳",
    "濵": "浜",  # variant of 濱
    "濱": "浜",  # 旧字体 of 浜
    "邊": "辺",
    "邉": "辺",
    "澤": "沢",
    "齋": "斎",
    "齊": "斉",
    "廣": "広",
    "櫻": "桜",
    "國": "国",
    "眞": "真",
    "瀨": "瀬",
    "\U00020bb7": "吉",  # 𠮷 つちよし (outside the BMP, breaks many legacy systems)
    "槗": "橋",
    "\U0002363a": "橋",  # 𣘺
}

# ヶ/ケ/が between two kanji in place and company names are interchangeable spellings
# (霞が関 / 霞ヶ関 / 霞ケ関, 茅ヶ崎 / 茅ケ崎). Folded in match keys only.
GA_VARIANTS: frozenset[str] = frozenset("ヶケヵがゖゕ")
