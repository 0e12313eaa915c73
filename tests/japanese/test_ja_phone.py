from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kizuna.japanese.phone import format_phone_national, normalize_phone
from tests.japanese.ja_strategies import DASHES, any_text, mixed_width_digits


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("03-1234-5678", "+81312345678"),
        ("０３－１２３４－５６７８", "+81312345678"),
        ("03ー1234ー5678", "+81312345678"),
        ("(03)1234-5678", "+81312345678"),
        ("03(1234)5678", "+81312345678"),
        ("+81 3-1234-5678", "+81312345678"),
        ("+81(0)3-1234-5678", "+81312345678"),
        ("＋８１ ３ １２３４ ５６７８", "+81312345678"),
        ("TEL: 03 1234 5678", "+81312345678"),
        ("03-1234-5678 内線123", "+81312345678"),
        ("090-1234-5678", "+819012345678"),
        ("0120-123-456", "+81120123456"),  # フリーダイヤル
        ("06-6123-4567", "+81661234567"),  # 大阪
        ("011-211-2111", "+81112112111"),  # 札幌市役所
        ("+1 650-253-0000", "+16502530000"),
    ],
)
def test_normalize_phone_examples(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "   ", "abc", "03-1234-567", "1234", "110", "+", "0" * 300])
def test_normalize_phone_rejects(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("e164", "display"),
    [
        ("+81312345678", "03-1234-5678"),
        ("+819012345678", "090-1234-5678"),
        ("+81120123456", "0120-123-456"),
        ("+81661234567", "06-6123-4567"),
        ("+16502530000", "+1 650-253-0000"),  # foreign numbers stay international
    ],
)
def test_format_phone_national_examples(e164: str, display: str) -> None:
    assert format_phone_national(e164) == display


@pytest.mark.parametrize("bad", ["0312345678", "+8131234567", "+", "not a number", ""])
def test_format_phone_national_rejects_non_e164(bad: str) -> None:
    with pytest.raises(ValueError, match="number"):
        format_phone_national(bad)


# Valid Japanese numbers: libphonenumber's example of each type with the last four digits
# replaced, kept when libphonenumber still calls them valid.
_JP_EXAMPLES = [
    phonenumbers.national_significant_number(n)
    for t in (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.VOIP,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.UAN,
    )
    if (n := phonenumbers.example_number_for_type("JP", t)) is not None
] + ["312345678", "661234567", "9012345678", "8012345678", "7012345678", "5012345678",
     "112112111", "924123456", "752123456"]  # fmt: skip


@st.composite
def japanese_e164(draw: st.DrawFn) -> str:
    nsn = draw(st.sampled_from(_JP_EXAMPLES))
    tail = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    e164 = f"+81{nsn[:-4]}{tail}"
    assume(phonenumbers.is_valid_number(phonenumbers.parse(e164)))
    return e164


@st.composite
def typed_variant(draw: st.DrawFn, e164: str) -> str:
    """One way a person might type the number: national or +81, any dash, any width."""
    number = phonenumbers.parse(e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    style = draw(st.sampled_from(["national", "bare", "intl", "intl0", "parens"]))
    groups = national.split("-")
    if style == "bare":
        text = "".join(groups)
    elif style == "intl":
        text = "+81 " + national[1:]
    elif style == "intl0":
        text = "+81(0)" + national[1:]
    elif style == "parens" and len(groups) == 3:
        text = f"({groups[0]}){groups[1]}-{groups[2]}"
    else:
        text = national
    dash = draw(st.sampled_from([*DASHES, " "]))
    text = text.replace("-", dash)
    width_digits = draw(mixed_width_digits("".join(c for c in text if c.isdigit())))
    it = iter(width_digits)
    text = "".join(next(it) if c.isdigit() else c for c in text)
    pad = draw(st.sampled_from(["", " ", "\u3000"]))
    return pad + text + pad


@settings(deadline=None)  # the first call loads metadata / opens the DB
@given(st.data(), japanese_e164())
def test_every_typed_variant_normalises_to_the_number(data: st.DataObject, e164: str) -> None:
    assert normalize_phone(data.draw(typed_variant(e164))) == e164


@settings(deadline=None)  # the first call loads metadata / opens the DB
@given(japanese_e164())
def test_display_form_parses_back(e164: str) -> None:
    assert normalize_phone(e164) == e164  # idempotent on its own output
    assert normalize_phone(format_phone_national(e164)) == e164


@settings(deadline=None)  # the first call loads metadata / opens the DB
@given(st.sampled_from(["US", "GB", "KR", "CN", "DE", "FR"]))
def test_foreign_numbers_round_trip(region: str) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert normalize_phone(e164) == e164
    assert normalize_phone(format_phone_national(e164)) == e164


@settings(deadline=None)  # the first call loads metadata / opens the DB
@given(any_text | st.text(alphabet="0123456789０１２+＋()（）-ー－ 内線ext.", max_size=40))
def test_normalize_phone_never_raises_and_is_idempotent(s: str) -> None:
    result = normalize_phone(s)
    assert result is None or (result.startswith("+") and result[1:].isdigit())
    if result is not None:
        assert normalize_phone(result) == result
