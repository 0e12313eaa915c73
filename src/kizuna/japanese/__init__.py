"""Pure Japanese-data core: text width/kana/match keys, gojūon collation, phone numbers,
postal codes, corporate numbers and company legal forms. Never imports Django.

See docs/decisions/0102-japanese-normalisation.md for what is normalised for display and what
only for matching.
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

__all__ = [
    "Address",
    "LegalFormSplit",
    "company_kana_key",
    "company_match_key",
    "corporate_number_check_digit",
    "format_phone_national",
    "format_postal_code",
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
    "normalize_kana",
    "normalize_phone",
    "normalize_postal_code",
    "normalize_width",
    "split_legal_form",
]
