"""Telephone numbers: E.164 for storage and matching, national format for display.

Parsing and validation are Google's libphonenumber rules (the `phonenumbers` package); this
module only cleans Japanese typing habits first (full-width digits, ー/－/― as dashes, 内線).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from kizuna.japanese.tables import DASH_LIKE
from kizuna.japanese.text import normalize_dashes, normalize_width

__all__ = ["format_phone_national", "normalize_phone"]

# phonenumbers understands "ext." but not the Japanese word for an extension.
_EXTENSION_WORD = re.compile(r"内線番号|内線")


def _clean(s: str) -> str:
    return _EXTENSION_WORD.sub(" ext. ", normalize_dashes(normalize_width(s)))


def normalize_phone(s: str, region: str = "JP") -> str | None:
    """The E.164 form of a phone number (+81312345678), or None if it is not a valid number.

    Accepts what people type: ０３－１２３４－５６７８, (03)1234-5678, 03(1234)5678,
    +81 3-1234-5678, +81(0)3-1234-5678, 090ー1234ー5678, "TEL: 03 1234 5678". A number
    without an international prefix is read in `region`. Validity is libphonenumber's: the
    number must be in a range allocated for its country (so 03-1234-567 is rejected). An
    extension ("内線 12", "ext. 12") is accepted and dropped: E.164 has no extension.
    Never raises on any text.
    """
    if not s or not s.strip():
        return None
    if region == "JP":
        fast = _fast_japanese(s)
        if fast is not False:
            return fast
    return _parse(s, region)


def _parse(s: str, region: str) -> str | None:
    """libphonenumber's answer (the reference the fast path is tested against)."""
    try:
        number = phonenumbers.parse(_clean(s), region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# Full-width digits and plus to ASCII; dashes, spaces and brackets (any width) dropped.
_PHONE_FAST = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "＋": "+",
     **dict.fromkeys([*DASH_LIKE, " ", "\u3000", "\t", "(", ")", "（", "）"])}
)
_JP_NATIONAL = re.compile(r"0([1-9][0-9]{8,9})")
_JP_INTERNATIONAL = re.compile(r"\+81([1-9][0-9]{8,9})")


def _fast_japanese(text: str) -> str | bool | None:
    """E.164 for the common Japanese shapes (03-1234-5678, 0312345678, (03)1234-5678,
    +81 3-1234-5678, full-width, ー typed as a dash), None for such a shape that is not a
    valid number, False for anything else (the caller asks libphonenumber).

    No text normalisers, no parser, and libphonenumber's validity patterns for Japan compiled
    once (`_valid_japanese`): 2 µs instead of 50. The answers equal libphonenumber's on every
    input the tests throw at them (tests/japanese/test_ja_phone.py, tests/identity).
    """
    cleaned = text.translate(_PHONE_FAST)
    match = _JP_NATIONAL.fullmatch(cleaned) or _JP_INTERNATIONAL.fullmatch(cleaned)
    if match is None:
        return False
    national = match.group(1)
    return f"+81{national}" if _valid_japanese(national) else None


def _japanese_number_types() -> tuple[tuple[frozenset[int], re.Pattern[str]], ...]:
    """libphonenumber's own data for Japan: (allowed lengths, pattern) per number type.

    `phonenumbers.is_valid_number` tries these one by one through generic Python code (13 µs a
    number, most of the cost of 100,000 phones); the same patterns compiled once take 1 µs.
    The hypothesis test in tests/identity/test_keys.py holds the two to the same answers.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("JP")
    general = metadata.general_desc
    types = []
    for name in ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
                 "pager", "uan", "voicemail", "fixed_line", "mobile"):
        desc = getattr(metadata, name)
        if desc is not None and desc.national_number_pattern:
            lengths = desc.possible_length or general.possible_length
            types.append((frozenset(lengths), re.compile(desc.national_number_pattern)))
    return ((frozenset(general.possible_length), re.compile(general.national_number_pattern)),
            *types)


_JP_GENERAL, *_JP_TYPES = _japanese_number_types()


def _valid_japanese(national: str) -> bool:
    """Whether libphonenumber calls +81 ``national`` a valid number (see above)."""
    length = len(national)
    if length not in _JP_GENERAL[0] or not _JP_GENERAL[1].fullmatch(national):
        return False
    return any(length in lengths and pattern.fullmatch(national) for lengths, pattern in _JP_TYPES)


def format_phone_national(e164: str) -> str:
    """Display form of a number returned by `normalize_phone`: +81312345678 -> 03-1234-5678.

    Japanese numbers get the national format with the area-code hyphenation (03-1234-5678,
    0120-123-456, 090-1234-5678). Foreign numbers get the international format
    (+1 650-253-0000), because their national form would be dialled wrongly from Japan.
    Raises ValueError if `e164` is not a valid E.164 number.
    """
    if not e164.startswith("+"):
        raise ValueError(f"not an E.164 number: {e164!r}")
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException as exc:
        raise ValueError(f"not an E.164 number: {e164!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {e164!r}")
    if phonenumbers.region_code_for_number(number) == "JP":
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
