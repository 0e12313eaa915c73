"""Fixtures for the identity-resolution tests: one seeded synthetic set and a model fitted on it.

Nothing here needs a database or Django. The 5,000-record set is built and fitted once per
session (about a second); tests that change data build their own small records.
"""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.identity import JAPANESE_PERSON, IdentityModel, Matches
from kizuna.identity.synthetic import SyntheticPeople, synthetic_people

QUALITY_SEED = 20260401


@pytest.fixture(scope="session")
def people() -> SyntheticPeople:
    return synthetic_people(5000, seed=QUALITY_SEED)


@pytest.fixture(scope="session")
def fitted(people: SyntheticPeople) -> tuple[IdentityModel, Matches]:
    """The person preset fitted on ``people`` and all its pairs with probability >= 0.01."""
    model = IdentityModel(JAPANESE_PERSON, workers=1)
    matches = model.fit_predict(people.records, min_probability=0.01)
    return model, matches


def person(**fields: Any) -> dict[str, Any]:
    """One person record with every preset column (None unless given)."""
    columns = ("id", "family_name", "given_name", "family_name_kana", "given_name_kana",
               "birth_year", "email", "phone", "postal_code", "prefecture", "city",
               "address_line1")
    unknown = set(fields) - set(columns)
    assert not unknown, unknown
    return {c: fields.get(c) for c in columns}


def columns(*rows: dict[str, Any]) -> dict[str, list[Any]]:
    """Columnar records from row dicts with the same keys."""
    return {name: [row[name] for row in rows] for name in rows[0]}
