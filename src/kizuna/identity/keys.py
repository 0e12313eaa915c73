"""Key functions for the presets: thin wrappers over kizuna.japanese that return None for
"nothing usable here" and are fast enough for 100,000 records.

Keys are for matching only, never displayed (docs/decisions/0102-japanese-normalisation.md).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kizuna.japanese import (
    ValueParseError,
    company_kana_key,
    company_match_key,
    email_match_key,
    kana_key,
    match_key,
    normalize_corporate_number,
    normalize_phone,
    normalize_postal_code,
    normalize_width,
)

__all__ = [
    "address_key",
    "birth_year_key",
    "company_kana_name_key",
    "company_name_key",
    "corporate_number_key",
    "email_key",
    "kana_name_key",
    "name_key",
    "phone_head_key",
    "phone_key",
    "phone_tail_key",
    "postal_area_key",
    "postal_key",
    "voiceless_kana_key",
    "website_key",
]


def name_key(value: object) -> str | None:
    """`match_key` of a name (kanji, kana or Latin); None when nothing is left."""
    return match_key(str(value)) or None


def kana_name_key(value: object) -> str | None:
    """`kana_key` of a reading (ヤマダ, やまだ, ﾔﾏﾀﾞ agree); None when nothing is left."""
    return kana_key(str(value)) or None


def voiceless_kana_key(key: object) -> str | None:
    """A kana key without voicing marks (たなが -> たなか, すずき -> すすき).

    Voicing is the commonest slip in typed and OCR'd readings, and a name's reading often
    changes voicing in compounds (中島 なかじま/なかしま), so agreeing up to voicing is its own
    comparison level. Derived from `kana_name_key`, which is already NFKC-composed hiragana.
    """
    text = unicodedata.normalize("NFD", str(key))
    return "".join(ch for ch in text if ch not in "\u3099\u309a") or None


def company_name_key(value: object) -> str | None:
    """`company_match_key`: the name without its legal form (株式会社, (株), ㈱, カ) …)."""
    return company_match_key(str(value)) or None


def company_kana_name_key(value: object) -> str | None:
    return company_kana_key(str(value)) or None


# --- phones --------------------------------------------------------------------------------

def phone_key(value: object) -> str | None:
    """E.164 (+81312345678) as `kizuna.japanese.normalize_phone` gives it, or None."""
    return normalize_phone(str(value))


def phone_head_key(key: object) -> str | None:
    """An E.164 key without its last four digits (the subscriber number)."""
    return str(key)[:-4] or None


def phone_tail_key(key: object) -> str | None:
    """The last four digits of an E.164 key. A number one digit away from another shares its
    head or its tail, so these two make a cheap filter before a similarity."""
    return str(key)[-4:] or None


# --- e-mail and web ---------------------------------------------------------------------------


def email_key(value: object) -> str | None:
    """`kizuna.japanese.email_match_key` (case folded; for Gmail, dots and +tags dropped), or
    None for anything that is not one plausible address."""
    try:
        return email_match_key(str(value))
    except ValueParseError:
        return None


def website_key(value: object) -> str | None:
    """The host of a web address without scheme, www. and path: https://www.Example.co.jp/a ->
    example.co.jp."""
    text = normalize_width(str(value)).strip().casefold()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    host = re.split(r"[/?#:]", text, maxsplit=1)[0].removeprefix("www.").rstrip(".")
    return host if "." in host else None


# --- places and numbers ----------------------------------------------------------------------


def postal_key(value: object) -> str | None:
    return normalize_postal_code(str(value))


def postal_area_key(key: object) -> str | None:
    """First three digits of a postal code: roughly one city or ward."""
    return str(key)[:3]


_PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)  # fmt: skip
_PREFECTURE_PREFIX = re.compile("^(?:" + "|".join(_PREFECTURES) + ")")


def address_key(*parts: object) -> str | None:
    """`match_key` of an address given in parts (prefecture, city, line 1, ...).

    The prefecture is dropped (a city and street already say where, and people often leave the
    prefecture out). When the last part (the street) is missing the key is None: a prefecture
    or city alone is not an address. `match_key` drops spaces and the dashes between numbers,
    so 1丁目2−3 and 1丁目2-3 agree. Each part is keyed on its own and the keys joined: the few
    hundred distinct cities are keyed once (`_part_key` cache), and the same address split
    differently ("千代田区" + "丸の内1-2-3" or "" + "千代田区丸の内1-2-3") gets the same key.
    """
    if parts[-1] is None:
        return None
    head = "".join(_part_key(str(p)) for p in parts[:-1] if p is not None)
    return _PREFECTURE_PREFIX.sub("", head + match_key(str(parts[-1]))) or None


@lru_cache(maxsize=4096)
def _part_key(part: str) -> str:
    return match_key(part)


def birth_year_key(value: object) -> int | None:
    """A plausible birth year (1900-2100) as int; full-width digits and "1980年" accepted."""
    if isinstance(value, int | float):
        if value != value:  # NaN
            return None
        year = int(value)
    else:
        digits = normalize_width(str(value)).strip().removesuffix("年")
        if not digits.isdigit():
            return None
        year = int(digits)
    return year if 1900 <= year <= 2100 else None


def corporate_number_key(value: object) -> str | None:
    return normalize_corporate_number(str(value))
