from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from kizuna.japanese.collation import GOJUON, kana_sort_key
from tests.japanese.ja_strategies import (
    any_text,
    hiragana_readings,
    to_half_width,
    to_katakana,
    to_spacing_marks,
)


def sort(readings: list[str]) -> list[str]:
    return sorted(readings, key=kana_sort_key)


def test_gojuon_order_of_surnames() -> None:
    expected = ["あべ", "いとう", "うえだ", "えんどう", "おおた", "かとう", "きむら",
                "さとう", "たなか", "なかむら", "はやし", "まつもと", "やまだ", "よしだ",
                "わたなべ"]  # fmt: skip
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert sort(shuffled) == expected


def test_gojuon_table_is_complete() -> None:
    assert len(GOJUON) == 48
    assert GOJUON.startswith("あいうえおかきくけこ")
    assert GOJUON.endswith("らりるれろわゐゑをん")


def test_voiced_marks_only_break_ties() -> None:
    # は < ば < ぱ on the same base, but a voiced kana never jumps over the next base letter.
    assert sort(["ぱく", "ばく", "はく", "ひら"]) == ["はく", "ばく", "ぱく", "ひら"]
    assert sort(["がとう", "かどう", "かとう", "きど"]) == ["かとう", "かどう", "がとう", "きど"]


def test_small_kana_fold_to_large_then_come_first() -> None:
    assert sort(["きよう", "きょう", "きゆ"]) == ["きゆ", "きょう", "きよう"]
    assert sort(["やつつ", "やっつ"]) == ["やっつ", "やつつ"]


def test_long_vowel_mark_repeats_the_vowel() -> None:
    # カード sorts as かあど: after かあと, before かいと.
    assert sort(["かいと", "カード", "かあと"]) == ["かあと", "カード", "かいと"]
    assert kana_sort_key("ラーメン")[0] == kana_sort_key("らあめん")[0]
    assert kana_sort_key("コーヒー")[0] == kana_sort_key("こおひい")[0]


def test_iteration_marks_repeat_the_kana() -> None:
    assert kana_sort_key("さゝき")[:2] == kana_sort_key("ささき")[:2]
    assert kana_sort_key("みすゞ")[:2] == kana_sort_key("みすず")[:2]


def test_symbols_digits_latin_come_before_kana_and_kanji_after() -> None:
    assert sort(["あ", "山", "A", "1", "-"]) == ["-", "1", "A", "あ", "山"]
    assert sort(["b", "A", "a"]) == ["A", "a", "b"]


def test_spaces_and_middle_dots_are_ignored_until_the_last_tie() -> None:
    assert kana_sort_key("やまだ たろう")[:3] == kana_sort_key("やまだたろう")[:3]
    assert kana_sort_key("ジョン・スミス")[:3] == kana_sort_key("じょんすみす")[:3]


@given(hiragana_readings)
def test_every_spelling_of_a_reading_sorts_together(reading: str) -> None:
    levels = {
        kana_sort_key(s)[:3]
        for s in (reading, to_katakana(reading), to_half_width(reading), to_spacing_marks(reading))
    }
    assert len(levels) == 1


@given(any_text, any_text)
def test_sort_key_is_a_total_order(a: str, b: str) -> None:
    ka, kb = kana_sort_key(a), kana_sort_key(b)
    # Comparable without TypeError, exactly one relation holds, and equal only for equal input.
    assert [ka < kb, ka == kb, ka > kb].count(True) == 1
    assert (ka == kb) == (a == b)


@given(st.lists(any_text, max_size=12), st.randoms(use_true_random=False))
def test_sorting_does_not_depend_on_input_order(items: list[str], rnd: random.Random) -> None:
    shuffled = items[:]
    rnd.shuffle(shuffled)
    assert sort(shuffled) == sort(items)


@given(any_text, any_text, any_text)
def test_sort_key_is_transitive(a: str, b: str, c: str) -> None:
    ka, kb, kc = kana_sort_key(a), kana_sort_key(b), kana_sort_key(c)
    if ka <= kb and kb <= kc:
        assert ka <= kc


@given(st.lists(st.text(alphabet="あいうえおかがきぎくぱぴゃっーアイウカガｶﾞ abc012", max_size=8),
                min_size=2, max_size=12))
def test_sort_string_orders_like_the_first_level(readings: list[str]) -> None:
    from kizuna.japanese import kana_sort_string

    by_key = sorted(readings, key=lambda r: kana_sort_key(r)[0])
    by_string = sorted(readings, key=kana_sort_string)
    assert [kana_sort_key(r)[0] for r in by_key] == [kana_sort_key(r)[0] for r in by_string]


def test_sort_string_puts_readings_in_gojuon_order() -> None:
    from kizuna.japanese import kana_sort_string

    names = ["わたなべ", "サトウ", "いとう", "ｶﾄｳ", "がとう", "あべ"]
    assert sorted(names, key=kana_sort_string)[:3] == ["あべ", "いとう", "ｶﾄｳ"]
    assert sorted(names, key=kana_sort_string)[-1] == "わたなべ"
