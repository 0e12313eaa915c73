"""Pure Japanese-data core: text width/kana/match keys, gojūon collation, phone numbers,
postal codes, corporate numbers, company legal forms, and the parsers the importer applies to
each cell (dates and eras, numbers and yen, names, email). Never imports Django.

See docs/decisions/0102-japanese-normalisation.md for what is normalised for display and what
only for matching, and 0105-japanese-value-parsing.md for what the parsers accept and refuse.
"""

from kizuna.japanese.collation import kana_sort_key, kana_sort_string
from kizuna.japanese.company import (
    LegalFormSplit,
    company_kana_key,
    company_match_key,
    split_legal_form,
)
from kizuna.japanese.corporate_number import (
    corporate_number_check_digit,
    is_valid_corporate_number,
    normalize_corporate_number,
)
from kizuna.japanese.dates import ERAS, Era, format_wareki, parse_date
from kizuna.japanese.email import email_match_key, normalize_email
from kizuna.japanese.names import (
    NameSplit,
    family_name_readings,
    split_full_name,
    split_kana_name,
)
from kizuna.japanese.phone import format_phone_national, normalize_phone
from kizuna.japanese.postal import (
    Address,
    format_postal_code,
    lookup_postal_code,
    lookup_postal_code_candidates,
    normalize_postal_code,
)
from kizuna.japanese.text import (
    is_kana,
    kana_key,
    match_key,
    normalize_dashes,
    normalize_kana,
    normalize_width,
)
from kizuna.japanese.values import (
    ERROR_CODES,
    ValueParseError,
    parse_decimal,
    parse_integer,
    parse_money,
    parse_percent,
)

__all__ = [
    "ERAS",
    "ERROR_CODES",
    "Address",
    "Era",
    "LegalFormSplit",
    "NameSplit",
    "ValueParseError",
    "company_kana_key",
    "company_match_key",
    "corporate_number_check_digit",
    "email_match_key",
    "family_name_readings",
    "format_phone_national",
    "format_postal_code",
    "format_wareki",
    "is_kana",
    "is_valid_corporate_number",
    "kana_key",
    "kana_sort_key",
    "kana_sort_string",
    "lookup_postal_code",
    "lookup_postal_code_candidates",
    "match_key",
    "normalize_corporate_number",
    "normalize_dashes",
    "normalize_email",
    "normalize_kana",
    "normalize_phone",
    "normalize_postal_code",
    "normalize_width",
    "parse_date",
    "parse_decimal",
    "parse_integer",
    "parse_money",
    "parse_percent",
    "split_full_name",
    "split_kana_name",
    "split_legal_form",
]
