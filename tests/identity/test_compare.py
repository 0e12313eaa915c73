"""Comparison levels of record pairs (kizuna.identity.compare) on the presets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.identity import JAPANESE_COMPANY, JAPANESE_PERSON
from kizuna.identity.compare import MISSING_LEVEL, compare
from kizuna.identity.prepare import prepare
from kizuna.identity.spec import AllOf, AnyOf, Column, Exact, Field, Level, Similar, Spec
from tests.identity.conftest import columns, person

BASE = person(id="a", family_name="髙橋", given_name="健一", family_name_kana="タカハシ",
              given_name_kana="ケンイチ", birth_year=1980, email="Ken.Takahashi@gmail.com",
              phone="090-1234-5678", postal_code="100-0005", prefecture="東京都",
              city="千代田区", address_line1="丸の内1-2-3")


def levels(spec: Spec, left: dict, right: dict) -> dict[str, str]:
    """Level code per field for one pair."""
    prepared = prepare(spec, columns(left, right))
    result = compare(spec, prepared, np.array([0]), np.array([1]))
    out = {}
    for f, fld in enumerate(spec.fields):
        level = int(result.levels[0, f])
        out[fld.name] = "missing" if level == MISSING_LEVEL else fld.codes[level]
    return out


def variant(**changes: object) -> dict:
    return {**BASE, "id": "b", **changes}


def test_a_retyped_copy_is_exact_everywhere() -> None:
    other = variant(family_name="高橋 ", family_name_kana="ﾀｶﾊｼ", given_name_kana="けんいち",
                    email="kentakahashi+tea@GMAIL.com", phone="+81 90-1234-5678",
                    postal_code="１００ー０００５", address_line1="丸の内１－２－３")
    assert levels(JAPANESE_PERSON, BASE, other) == {
        "family_name": "exact", "given_name": "exact", "birth_year": "exact",
        "email": "exact", "contact": "phone_address",
    }


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"family_name": "高端"}, "family_name", "kana"),  # kanji typo, same reading
        ({"family_name_kana": "タカバシ"}, "family_name", "close"),  # kanji kept, so exact
        ({"family_name": "高端", "family_name_kana": "タカバシ"}, "family_name", "close"),
        ({"family_name": "佐藤", "family_name_kana": "サトウ"}, "family_name", "different"),
        ({"family_name": None, "family_name_kana": None}, "family_name", "missing"),
        ({"given_name": "健二", "given_name_kana": "ケンジ"}, "given_name", "different"),
        ({"birth_year": 1981}, "birth_year", "close"),
        ({"birth_year": "1990"}, "birth_year", "different"),
        ({"birth_year": None}, "birth_year", "missing"),
        ({"email": "ken.takahashi@yahoo.co.jp"}, "email", "different"),
        ({"phone": "03-3211-1111"}, "contact", "address"),
        ({"address_line1": "丸の内2-1-1"}, "contact", "phone_address"),  # same postal, alike
        ({"address_line1": "大手町1-1-1"}, "contact", "phone"),
        ({"phone": "090-1234-5679", "address_line1": "大手町1-1-1"}, "contact", "phone_close"),
        ({"phone": None, "postal_code": "100-0004", "city": "千代田区", "address_line1": "大手町1"},
         "contact", "area"),
        ({"phone": None, "postal_code": None, "address_line1": None}, "contact", "missing"),
    ],
)
def test_levels(changes: dict, field: str, code: str) -> None:
    if field == "family_name" and changes.get("family_name_kana") == "タカバシ" \
            and "family_name" not in changes:
        code = "exact"  # the kanji still agree: the first level wins
    assert levels(JAPANESE_PERSON, BASE, variant(**changes))[field] == code


def test_company_levels() -> None:
    a = {"id": 1, "name": "株式会社山田製作所", "name_kana": "ヤマダセイサクショ",
         "corporate_number": "7000012050002", "phone": "03-1234-5678", "postal_code": "1000005",
         "prefecture": "東京都", "city": "千代田区", "address_line1": "丸の内1-2-3",
         "website": "https://www.yamada.co.jp/"}
    b = {**a, "id": 2, "name": "ﾔﾏﾀﾞｾｲｻｸｼｮ(ｶ", "corporate_number": "7-0000-1205-0002",
         "website": "yamada.co.jp"}
    got = levels(JAPANESE_COMPANY, a, {**b, "name": "㈱山田製作所"})
    assert got == {"corporate_number": "exact", "name": "exact", "phone": "exact",
                   "address": "exact", "website": "exact"}
    long_a = {**a, "name": "株式会社山田精密機械製作所"}
    long_b = {**b, "name": "山田精密機器製作所", "name_kana": None}  # one kanji in nine
    assert levels(JAPANESE_COMPANY, long_a, long_b)["name"] == "close"
    # Short names one kanji apart are usually two firms (東邦商事, 東洋商事): not "close".
    assert levels(JAPANESE_COMPANY, {**a, "name": "東邦商事"},
                  {**b, "name": "東洋商事", "name_kana": None})["name"] == "different"


# --- AnyOf / AllOf evaluate like plain boolean logic --------------------------------------------

_LETTERS = st.lists(st.one_of(st.none(), st.sampled_from(["ab", "abc", "b", "xyz"])),
                    min_size=2, max_size=12)


@settings(max_examples=100, deadline=None)
@given(_LETTERS, _LETTERS)
def test_combined_conditions_equal_their_boolean_meaning(xs: list, ys: list) -> None:
    n = min(len(xs), len(ys))
    xs, ys = xs[:n], ys[:n]
    combined = AnyOf((AllOf((Exact("x"), Exact("y"))), Similar("y", 0.6, "indel")))
    spec = Spec("t", (Column("x", ("x",), str), Column("y", ("y",), str)),
                (Field("f", "f", (Level("c", "c", combined, m=0.5),)),), (("x",),))
    prepared = prepare(spec, {"id": list(range(n)), "x": xs, "y": ys})
    left, right = np.triu_indices(n, k=1)
    result = compare(spec, prepared, left.astype(np.int64), right.astype(np.int64)).levels[:, 0]
    from rapidfuzz.distance import Indel

    for k, (i, j) in enumerate(zip(left, right, strict=True)):
        both_x = xs[i] is not None and xs[j] is not None
        both_y = ys[i] is not None and ys[j] is not None
        expected_hit = (both_x and both_y and xs[i] == xs[j] and ys[i] == ys[j]) or (
            both_y and Indel.normalized_similarity(ys[i], ys[j]) >= 0.6 - 1e-6)
        if expected_hit:
            assert result[k] == 0
        elif both_x or both_y:
            assert result[k] == 1  # different
        else:
            assert result[k] == MISSING_LEVEL
