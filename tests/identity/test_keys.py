"""Key functions of the presets (kizuna.identity.keys)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.identity.keys import (
    address_key,
    birth_year_key,
    company_name_key,
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
from kizuna.japanese.phone import _parse


def libphonenumber(text: str) -> str | None:
    """The reference: libphonenumber itself, without the fast path."""
    return _parse(text, "JP") if text.strip() else None

# --- phones: the fast path (kizuna.japanese.phone) must agree with libphonenumber -------------

_FULL = str.maketrans("0123456789-+()", "０１２３４５６７８９－＋（）")


@st.composite
def typed_phone_numbers(draw: st.DrawFn) -> str:
    """A Japanese number (valid or not) typed in one of the ways people type them."""
    prefix = draw(st.sampled_from(["3", "6", "90", "80", "70", "45", "52", "11", "120", "466",
                                   "50", "20", "1", "9"]))
    length = draw(st.sampled_from([9, 10, 8, 11]))
    rest = draw(st.text("0123456789", min_size=max(0, length - len(prefix)),
                        max_size=max(0, length - len(prefix))))
    national = prefix + rest
    a, b, c = national[:2], national[2:6], national[6:]
    form = draw(st.integers(0, 9))
    text = [
        f"0{a}-{b}-{c}", f"0{national}", f"(0{a}){b}-{c}", f"+81 {a}-{b}-{c}",
        f"+81{national}", f"0{a} {b} {c}", f"0{a}ー{b}ー{c}", f"+81(0){a}-{b}-{c}",
        f"TEL:0{national}", f"0{a}-{b}-{c} 内線12",
    ][form]
    return text.translate(_FULL) if draw(st.booleans()) else text


@settings(max_examples=300, deadline=None)
@given(typed_phone_numbers())
def test_phone_key_agrees_with_normalize_phone(text: str) -> None:
    assert phone_key(text) == libphonenumber(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789０１２３+＋-－ー()（） 　\u3000TELext.内線", max_size=20))
def test_phone_key_agrees_with_normalize_phone_on_any_text(text: str) -> None:
    assert phone_key(text) == libphonenumber(text)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("03-1234-5678", "+81312345678"),
        ("０９０－１２３４－５６７８", "+819012345678"),
        ("+81 90 1234 5678", "+819012345678"),
        ("090ー1234ー5678", "+819012345678"),
        ("03-1234-567", None),  # too short: not a number
        ("000-0000-0000", None),  # placeholder: not an allocated range
    ],
)
def test_phone_key_examples(raw: str, key: str | None) -> None:
    assert phone_key(raw) == key


def test_phone_head_and_tail_split_the_subscriber_number() -> None:
    assert phone_head_key("+819012345678") == "+81901234"
    assert phone_tail_key("+819012345678") == "5678"


# --- e-mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Taro.Yamada@Gmail.com", "taroyamada@gmail.com"),
        ("taro.yamada+shop@gmail.com", "taroyamada@gmail.com"),
        ("taroyamada@googlemail.com", "taroyamada@gmail.com"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "taro@example.com"),
        ("Hanako@Yahoo.co.jp", "hanako@yahoo.co.jp"),
    ],
)
def test_email_key_folds_what_one_mailbox_receives(a: str, b: str) -> None:
    assert email_key(a) == email_key(b)
    assert email_key(a) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("taro.yamada@yahoo.co.jp", "taroyamada@yahoo.co.jp"),  # dots matter outside Gmail
        ("taro+shop@icloud.com", "taro@icloud.com"),  # so do +tags
        ("taro@gmail.com", "taro@yahoo.co.jp"),
    ],
)
def test_email_key_keeps_apart_what_providers_keep_apart(a: str, b: str) -> None:
    assert email_key(a) != email_key(b)


@pytest.mark.parametrize("text", ["", "taro", "taro@", "@gmail.com", "taro yamada@gmail.com"])
def test_email_key_is_none_for_what_is_not_an_address(text: str) -> None:
    assert email_key(text) is None


# --- names, places, numbers ------------------------------------------------------------------


def test_name_keys_fold_width_script_spacing_and_variant_kanji() -> None:
    assert name_key("髙橋 ") == name_key("高橋") == "高橋"
    assert name_key("山﨑") == name_key("山崎")
    assert kana_name_key("ﾔﾏﾀﾞ ﾀﾛｳ") == kana_name_key("やまだ　たろう")
    assert kana_name_key("やまだ　たろう") == kana_name_key("ヤマダタロウ")
    assert name_key("   ") is None


def test_voiceless_kana_key_forgets_voicing_only() -> None:
    assert voiceless_kana_key("たなが") == voiceless_kana_key("たなか") == "たなか"
    assert voiceless_kana_key("すずき") == "すすき"
    assert voiceless_kana_key("ぱん") == "はん"
    assert voiceless_kana_key("たなか") != voiceless_kana_key("たかな")


def test_company_name_key_ignores_the_legal_form() -> None:
    keys = {company_name_key(n) for n in ("株式会社山田製作所", "㈱山田製作所", "(株)山田製作所",
                                          "山田製作所株式会社", "有限会社 山田製作所")}
    assert keys == {"山田製作所"}


def test_address_key_drops_the_prefecture_width_and_dashes() -> None:
    split = address_key("東京都", "千代田区", "丸の内１－２－３")
    assert split == address_key(None, None, "東京都千代田区丸の内1-2-3")
    assert split == address_key(None, "千代田区", "丸の内1ー2ー3")
    assert split == "千代田区丸の内123"


def test_address_key_needs_a_street() -> None:
    assert address_key("東京都", "千代田区", None) is None


def test_postal_keys() -> None:
    assert postal_key("〒１００ー０００１") == "1000001"
    assert postal_area_key("1000001") == "100"
    assert postal_key("100") is None


@pytest.mark.parametrize(
    ("raw", "year"),
    [(1980, 1980), (1980.0, 1980), ("1980", 1980), ("１９８０年", 1980), ("80", None),
     (float("nan"), None), ("unknown", None), (1850, None)],
)
def test_birth_year_key(raw: object, year: int | None) -> None:
    assert birth_year_key(raw) == year


@pytest.mark.parametrize(
    "url",
    ["https://www.example.co.jp/about", "http://example.co.jp", "Example.CO.JP/",
     "ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏ．ｊｐ"],
)
def test_website_key_is_the_host(url: str) -> None:
    assert website_key(url) == "example.co.jp"


def test_fast_validity_check_is_libphonenumbers_own_answer() -> None:
    import random

    import phonenumbers

    from kizuna.japanese.phone import _valid_japanese

    rng = random.Random(11)
    for _ in range(20_000):
        national = str(rng.randint(1, 9)) + "".join(
            str(rng.randrange(10)) for _ in range(rng.choice([7, 8, 9, 10, 11])))
        number = phonenumbers.PhoneNumber(country_code=81, national_number=int(national))
        assert _valid_japanese(national) == phonenumbers.is_valid_number(number), national
