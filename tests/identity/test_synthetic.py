"""The labelled synthetic generator (kizuna.identity.synthetic)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from kizuna.identity import JAPANESE_PERSON
from kizuna.identity.keys import kana_name_key, name_key, phone_key
from kizuna.identity.synthetic import COLUMNS, SCENARIOS, SyntheticPeople, synthetic_people


def test_same_seed_same_records_other_seed_other_records() -> None:
    a, b = synthetic_people(300, seed=1), synthetic_people(300, seed=1)
    assert a.records == b.records
    assert a.entity.tolist() == b.entity.tolist()
    assert synthetic_people(300, seed=2).records != a.records


def test_shape_and_duplicate_share(people: SyntheticPeople) -> None:
    assert len(people) == 5000
    assert tuple(people.records) == COLUMNS
    assert all(len(values) == 5000 for values in people.records.values())
    assert len(set(people.records["id"])) == 5000
    kinds = Counter(people.scenario)
    assert sum(kinds[s] for s in SCENARIOS) == 500  # 10% duplicates
    assert set(SCENARIOS) <= set(kinds)
    assert kinds["household"] > 50
    # Every duplicate record shares its entity with at least one other record.
    counts = np.bincount(people.entity)
    duplicates = np.array([s in SCENARIOS for s in people.scenario])
    assert (counts[people.entity[duplicates]] >= 2).all()
    assert set(JAPANESE_PERSON.input_columns) <= set(COLUMNS)


def test_true_pairs_are_all_pairs_within_an_entity() -> None:
    people = synthetic_people(400, seed=3)
    pairs = people.true_pairs()
    expected = {(i, j) for i in range(400) for j in range(i + 1, 400)
                if people.entity[i] == people.entity[j]}
    assert set(map(tuple, pairs.tolist())) == expected
    assert (pairs[:, 0] < pairs[:, 1]).all()


def _pairs_of(people: SyntheticPeople, scenario: str) -> list[tuple[dict, dict]]:
    by_entity: dict[int, int] = {}
    for k, kind in enumerate(people.scenario):
        if kind in ("original", "household"):
            by_entity[int(people.entity[k])] = k
    out = []
    for k, kind in enumerate(people.scenario):
        if kind == scenario:
            original = by_entity[int(people.entity[k])]
            out.append(tuple({c: people.records[c][i] for c in COLUMNS} for i in (original, k)))
    return out


def test_married_duplicates_keep_given_name_birth_year_and_phone(people: SyntheticPeople
                                                                 ) -> None:
    pairs = _pairs_of(people, "married")
    assert pairs
    for original, duplicate in pairs:
        assert name_key(original["family_name"]) != name_key(duplicate["family_name"])
        assert name_key(original["given_name"]) == name_key(duplicate["given_name"])
        assert duplicate["birth_year"] is not None
        if original["phone"]:
            assert phone_key(original["phone"]) == phone_key(duplicate["phone"])


def test_duplicates_are_retyped(people: SyntheticPeople) -> None:
    pairs = _pairs_of(people, "retyped")
    raw_differs = sum(a["phone"] != b["phone"] or a["family_name_kana"] != b["family_name_kana"]
                      or a["email"] != b["email"] for a, b in pairs)
    assert raw_differs / len(pairs) > 0.8
    # ... while what the keys see stays the same for names and readings.
    for a, b in pairs:
        assert name_key(a["given_name"]) == name_key(b["given_name"])
        if a["family_name_kana"] and b["family_name_kana"]:
            assert kana_name_key(a["family_name_kana"]) == kana_name_key(b["family_name_kana"])


def test_variations_cover_the_typing_habits(people: SyntheticPeople) -> None:
    text = "".join(str(v) for column in ("family_name", "family_name_kana", "phone", "email",
                                         "postal_code") for v in people.records[column])
    for sample in ("ｶ", "か", "ア", "０", "ー", "+81", "〒", "髙", "@Gmail.com", "\u3000"):
        assert sample in text, sample


@pytest.mark.parametrize("bad", [{"n": 0}, {"duplicate_rate": 1.0}, {"household_rate": -0.1}])
def test_arguments_are_checked(bad: dict) -> None:
    with pytest.raises(ValueError, match="need"):
        synthetic_people(**{"n": 10, **bad})
