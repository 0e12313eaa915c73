from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.japanese.email import email_match_key, normalize_email
from kizuna.japanese.values import ValueParseError
from tests.japanese.ja_strategies import outcome, parser_input, to_full_width_ascii


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("taro@example.com", "taro@example.com"),
        ("Taro.Yamada@Example.COM", "Taro.Yamada@example.com"),  # local part kept as written
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", "taro@example.co.jp"),
        ("  taro@example.com\u3000", "taro@example.com"),
        ("taro@example。com", "taro@example.com"),  # an IME's full stop in the domain
        ("taro+shop@example.com", "taro+shop@example.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("taro@mail.example-corp.co.jp", "taro@mail.example-corp.co.jp"),
        ("taro@日本語.jp", "taro@日本語.jp"),  # internationalised domain, kept in Unicode
        ("taro..yamada@docomo.ne.jp", "taro..yamada@docomo.ne.jp"),  # pre-2009 carrier forms
        ("taro.@ezweb.ne.jp", "taro.@ezweb.ne.jp"),
    ],
)
def test_normalize_email_examples(raw: str, stored: str) -> None:
    assert normalize_email(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "taro",
        "taro@",
        "@example.com",
        "taro@example",
        "taro@@example.com",
        "taro@example@com",
        "taro yamada@example.com",
        "taro@exa mple.com",
        "taro..yamada@example.com",  # only docomo/au ever issued these
        "taro.@example.com",
        ".taro@example.com",
        '"taro yamada"@example.com',
        "山田@example.jp",
        "taro@example..com",
        "taro@example.com.",
        "taro@-example.com",
        "taro@example-.com",
        "taro@192.168.0.1",
        "taro@[192.168.0.1]",
        "taro@example.com>",
        "山田 太郎 <taro@example.com>",
        "mailto:taro@example.com",
        "a" * 65 + "@example.com",
        "taro@" + "a" * 64 + ".com",
    ],
)
def test_normalize_email_refuses(raw: str) -> None:
    for function in (normalize_email, email_match_key):
        with pytest.raises(ValueParseError) as info:
            function(raw)
        assert (info.value.code, info.value.value) == ("email.invalid", raw)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Taro.Yamada@Example.COM", "taro.yamada@example.com"),
        ("Taro.Yamada+shop@gmail.com", "taroyamada@gmail.com"),
        ("t.a.r.o@GoogleMail.com", "taro@gmail.com"),
        ("taro+a+b@gmail.com", "taro@gmail.com"),
        ("+tag@gmail.com", "+tag@gmail.com"),  # no Gmail account: left alone
        ("taro.yamada+shop@example.com", "taro.yamada+shop@example.com"),
        ("taro.yamada@outlook.com", "taro.yamada@outlook.com"),  # dots matter at Microsoft
        ("taro+shop@outlook.com", "taro+shop@outlook.com"),  # not documented: kept
        ("taro+shop@icloud.com", "taro+shop@icloud.com"),
        ("taro-shop@yahoo.co.jp", "taro-shop@yahoo.co.jp"),  # セーフティーアドレス: a base name
        ("Taro..Yamada@docomo.ne.jp", "taro..yamada@docomo.ne.jp"),
        ("taro@日本語.jp", "taro@xn--wgv71a119e.jp"),
        ("taro@xn--wgv71a119e.jp", "taro@xn--wgv71a119e.jp"),
    ],
)
def test_email_match_key_examples(raw: str, key: str) -> None:
    assert email_match_key(raw) == key


# --- properties ---------------------------------------------------------------------------------

_LOCAL = st.text(alphabet="abcXYZ019._+-", min_size=1, max_size=20).filter(
    lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s)
_DOMAIN = st.sampled_from(["example.com", "Example.CO.JP", "gmail.com", "googlemail.com",
                           "outlook.com", "icloud.com", "yahoo.co.jp", "docomo.ne.jp",
                           "sub.example.org", "日本語.jp"])
emails = st.builds(lambda local, domain: f"{local}@{domain}", _LOCAL, _DOMAIN)


@given(emails)
def test_normalize_email_is_idempotent_and_keeps_the_local_part(address: str) -> None:
    stored = normalize_email(address)
    assert normalize_email(stored) == stored
    assert stored.split("@")[0] == address.split("@")[0]
    assert normalize_email(to_full_width_ascii(address)) == stored


@given(emails)
def test_email_match_key_is_idempotent_and_case_blind(address: str) -> None:
    key = email_match_key(address)
    assert email_match_key(key) == key
    assert key == key.lower() and key.isascii()
    assert email_match_key(address.upper()) == key
    assert email_match_key(normalize_email(address)) == key


@given(_LOCAL, st.sampled_from(["example.com", "outlook.com", "icloud.com", "yahoo.co.jp",
                                "docomo.ne.jp", "sub.example.org"]))
def test_dots_and_tags_survive_for_every_domain_but_gmail(local: str, domain: str) -> None:
    key_local = email_match_key(f"{local}@{domain}").split("@")[0]
    assert key_local == local.lower()


@given(_LOCAL)
def test_gmail_spellings_of_one_mailbox_share_a_key(local: str) -> None:
    base = local.split("+")[0].replace(".", "").lower()
    if not base:
        return
    key = email_match_key(f"{local}@gmail.com")
    assert key == f"{base}@gmail.com"
    assert email_match_key(f"{local.upper()}@googlemail.com") == key


@given(parser_input)
def test_email_functions_raise_only_value_parse_error(s: str) -> None:
    for function in (normalize_email, email_match_key):
        value, error = outcome(function, s)
        if error is not None:
            assert error.code == "email.invalid" and error.value == s
        else:
            assert value is not None and value.count("@") == 1
