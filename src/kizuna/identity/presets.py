"""Ready-made specs: Japanese people (D2C customers, contacts) and Japanese companies (accounts).

Input column names follow kizuna.customers' models, so ``values_list`` of those fields is the
input; every column is optional (an absent column is "missing" for every record):

* ``JAPANESE_PERSON``: ``family_name``, ``given_name``, ``family_name_kana``,
  ``given_name_kana``, ``birth_year``, ``email``, ``phone``, ``postal_code``, ``prefecture``,
  ``city``, ``address_line1``.
* ``JAPANESE_COMPANY``: ``name``, ``name_kana``, ``corporate_number``, ``phone``,
  ``postal_code``, ``prefecture``, ``city``, ``address_line1``, ``website``.

Why these levels and priors: docs/decisions/0106-identity-resolution.md.
"""

from __future__ import annotations

from kizuna.identity.keys import (
    address_key,
    birth_year_key,
    company_kana_name_key,
    company_name_key,
    corporate_number_key,
    email_key,
    kana_name_key,
    name_key,
    phone_head_key,
    phone_key,
    phone_tail_key,
    postal_area_key,
    postal_key,
    voiceless_kana_key,
    website_key,
)
from kizuna.identity.spec import (
    AllOf,
    AnyOf,
    Column,
    Derived,
    Exact,
    Field,
    Level,
    Similar,
    Spec,
    Within,
)

__all__ = [
    "JAPANESE_COMPANY",
    "JAPANESE_PERSON",
    "address_field",
    "contact_field",
    "phone_field",
]


def _name_field(name: str, label: str, kanji: str, kana: str, *, different_m: float) -> Field:
    """Kanji spelling and kana reading of one name part, as one field (they are not
    independent evidence: equal spellings nearly always have equal readings)."""
    return Field(
        name,
        label,
        (
            Level("exact", "same name", Exact(kanji, term_frequency=True), m=0.85),
            Level("kana", "same reading, other spelling", Exact(kana, term_frequency=True),
                  m=0.06),
            Level(
                "close",
                "reading alike (voicing or one kana)",
                AnyOf((Exact(f"{kana}_voiceless"), Similar(kana, 0.88, "jaro_winkler"))),
                m=0.04,
            ),
        ),
        different_m=different_m,
    )


_PHONE_COLUMNS = (
    Column("phone", ("phone",), phone_key),
    Derived("phone_head", "phone", phone_head_key),
    Derived("phone_tail", "phone", phone_tail_key),
)
# One edit apart; the head/tail equality first keeps the similarity off most pairs.
_PHONE_CLOSE = AllOf((AnyOf((Exact("phone_head"), Exact("phone_tail"))),
                      Similar("phone", 0.9, "levenshtein")))


def phone_field() -> Field:
    return Field(
        "phone",
        "phone",
        (
            Level("exact", "same number", Exact("phone"), m=0.75),
            Level("close", "one digit apart", _PHONE_CLOSE, m=0.03),
        ),
        different_m=0.22,
    )


# Address levels shared by both presets: the same address implies the same postal code, so
# they are one field.
_SAME_ADDRESS = Exact("address")
_CLOSE_ADDRESS = AllOf((Exact("postal"), Similar("address", 0.85, "jaro_winkler")))
_ADDRESS_LEVELS = (
    Level("close", "same postal code, address alike", _CLOSE_ADDRESS, m=0.06),
    Level("postal", "same postal code", Exact("postal"), m=0.06),
    # Address alike under another code of the same area: a typo in the code's last four
    # digits. Only within the area: comparing every address with every other is what would
    # cost most.
    Level("similar", "same area, address alike",
          AllOf((Exact("postal_area"), Similar("address", 0.9, "jaro_winkler"))), m=0.02),
    Level("area", "same postal area", Exact("postal_area"), m=0.03),
)


def address_field() -> Field:
    """Street address and postal code (companies: a firm's phone is less tied to one site)."""
    return Field(
        "address",
        "address",
        (Level("exact", "same address", _SAME_ADDRESS, m=0.6), *_ADDRESS_LEVELS),
        different_m=0.2,
    )


def contact_field() -> Field:
    """Phone and address as one field, for people.

    People who live together share the address and often the landline; as two fields, a
    household member would collect both Bayes factors (~+27 bits) for one fact. As one field
    the pair "same number and same address" has its own u, which random pairs put at about
    that of the phone alone.
    """
    same_phone = Exact("phone")
    return Field(
        "contact",
        "phone and address",
        (
            Level("phone_address", "same phone and address",
                  AllOf((same_phone, AnyOf((_SAME_ADDRESS, _CLOSE_ADDRESS)))), m=0.45),
            Level("phone", "same phone", same_phone, m=0.25),
            Level("address", "same address", _SAME_ADDRESS, m=0.12),
            Level("phone_close", "phone one digit apart", _PHONE_CLOSE, m=0.01),
            *_ADDRESS_LEVELS,
        ),
        different_m=0.05,
    )


_ADDRESS_COLUMNS = (
    Column("postal", ("postal_code",), postal_key),
    Derived("postal_area", "postal", postal_area_key),
    Column("address", ("prefecture", "city", "address_line1"), address_key),
)

JAPANESE_PERSON = Spec(
    name="japanese_person",
    columns=(
        Column("family", ("family_name",), name_key),
        Column("given", ("given_name",), name_key),
        Column("family_kana", ("family_name_kana",), kana_name_key),
        Column("given_kana", ("given_name_kana",), kana_name_key),
        Derived("family_kana_voiceless", "family_kana", voiceless_kana_key),
        Derived("given_kana_voiceless", "given_kana", voiceless_kana_key),
        Column("birth_year", ("birth_year",), birth_year_key, numeric=True),
        Column("email", ("email",), email_key),
        *_PHONE_COLUMNS,
        *_ADDRESS_COLUMNS,
    ),
    fields=(
        # A family name changes with marriage, a given name almost never.
        _name_field("family_name", "family name", "family", "family_kana", different_m=0.06),
        _name_field("given_name", "given name", "given", "given_kana", different_m=0.02),
        Field(
            "birth_year",
            "birth year",
            (
                Level("exact", "same year", Exact("birth_year"), m=0.92),
                Level("close", "one year apart", Within("birth_year", 1), m=0.04),
            ),
            different_m=0.04,
        ),
        # Exact only: e-mail addresses are made from names (taro.yamada@…), so two
        # namesakes' addresses are often one character apart; "alike" would count the
        # name a second time.
        Field(
            "email",
            "e-mail",
            (Level("exact", "same address", Exact("email"), m=0.7),),
            different_m=0.3,
        ),
        contact_field(),
    ),
    blocking=(
        ("phone",),
        ("email",),
        ("family_kana", "given_kana"),
        ("family", "given"),
        ("given", "birth_year"),  # a new family name (marriage) or a mistyped one
    ),
    # Not the phone rule: a shared landline is a household as often as a duplicate.
    training=(
        ("email",),
        ("family_kana", "given_kana"),
        ("family", "given"),
        ("given", "birth_year"),
    ),
)


def _name_prefix(key: object) -> str | None:
    text = str(key)
    return text[:2] if len(text) >= 2 else None


JAPANESE_COMPANY = Spec(
    name="japanese_company",
    columns=(
        Column("name", ("name",), company_name_key),
        Column("name_kana", ("name_kana",), company_kana_name_key),
        Derived("name_prefix", "name", _name_prefix),
        Column("corporate_number", ("corporate_number",), corporate_number_key),
        *_PHONE_COLUMNS,
        Column("website", ("website",), website_key),
        *_ADDRESS_COLUMNS,
    ),
    fields=(
        Field(
            "corporate_number",
            "corporate number",
            (Level("exact", "same corporate number", Exact("corporate_number"), m=0.95),),
            different_m=0.05,
        ),
        Field(
            "name",
            "company name",
            (
                Level("exact", "same name", Exact("name", term_frequency=True), m=0.8),
                Level("kana", "same reading", Exact("name_kana", term_frequency=True), m=0.06),
                Level(
                    "close",
                    "name alike",
                    AnyOf((Similar("name", 0.85, "indel"), Similar("name_kana", 0.9))),
                    m=0.09,
                ),
            ),
            different_m=0.05,
        ),
        phone_field(),
        address_field(),
        Field(
            "website",
            "website",
            (Level("exact", "same host", Exact("website"), m=0.85),),
            different_m=0.15,
        ),
    ),
    blocking=(
        ("corporate_number",),
        ("name",),
        ("name_kana",),
        ("phone",),
        ("website",),
        ("postal", "name_prefix"),
    ),
)
