"""Telephone numbers: E.164 for storage and matching, national format for display.

Parsing and validation are Google's libphonenumber rules (the `phonenumbers` package); this
module only cleans Japanese typing habits first (full-width digits, ー/－/― as dashes, 内線).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

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
    try:
        number = phonenumbers.parse(_clean(s), region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


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
