"""People and their contact details: names with readings by generation, phones, emails. Pure."""

from __future__ import annotations

import random
import re
from functools import cache

import jaconv

from kizuna.demo.base import Picker, expand_ranges
from kizuna.demo.names import FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, GivenName, Name
from kizuna.demo.places import CITY_PHONES, PLACES, PREFECTURES, Place
from kizuna.japanese import normalize_phone

FAMILY: Picker[Name] = Picker(FAMILY_NAMES, [n.weight for n in FAMILY_NAMES])


def era(rng: random.Random, birth_year: int) -> str:
    """Which generation's given names fit someone born in ``birth_year``."""
    if birth_year < 1965:
        return "O"
    if birth_year < 1985:
        return "M"
    if birth_year < 1990:
        return "M" if rng.random() < 0.5 else "Y"
    return "Y"


@cache
def _given(gender: str, generation: str) -> Picker[GivenName]:
    names = MALE_GIVEN_NAMES if gender == "male" else FEMALE_GIVEN_NAMES
    fitting = [n for n in names if generation in n.eras]
    return Picker(fitting, [1.0] * len(fitting))


def person(rng: random.Random, gender: str, birth_year: int) -> tuple[str, str, str, str]:
    """(family name, given name, family reading, given reading) for a person."""
    family = FAMILY(rng)
    if gender not in ("male", "female"):
        gender = "male" if rng.random() < 0.5 else "female"
    given = _given(gender, era(rng, birth_year))(rng)
    return family.kanji, given.kanji, family.kana, given.kana


def mobile_e164(rng: random.Random) -> str:
    """A mobile number (090/080/070), E.164. The digit after 0X0 is never 0 (unallocated)."""
    prefix = ("90", "80", "70")[min(2, int(rng.random() * 3.3))]  # 070 rarer
    return f"+81{prefix}{rng.randint(1, 9)}{rng.randrange(10_000_000):07d}"


def national_mobile(e164: str) -> str:
    """+819012345678 -> 090-1234-5678."""
    digits = "0" + e164[3:]
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"


_FULL_WIDTH = str.maketrans("0123456789-()", "０１２３４５６７８９－（）")


def landline(rng: random.Random, prefecture: str, city: str, *, extension: bool = False
             ) -> tuple[str, str]:
    """(as typed, E.164) for a fixed line in ``city``: the right area code and exchange.

    The typed form is one of the ways people write numbers (03-1234-5678, 03(1234)5678,
    full-width, +81 …); the stored form is what kizuna.japanese.normalize_phone makes of it.
    """
    area, ranges = CITY_PHONES[(prefecture, city)]
    starts = _exchange_starts(ranges)
    exchange_length = 10 - len(area) - 4
    for _ in range(50):
        exchange = (rng.choice(starts) + "".join(str(rng.randrange(10)) for _ in range(4)))[
            :exchange_length]
        subscriber = f"{rng.randrange(10_000):04d}"
        e164 = normalize_phone(area + exchange + subscriber)
        if e164 is not None:
            break
    else:  # pragma: no cover - every range in places.py was checked with libphonenumber
        raise RuntimeError(f"no valid number found for {area} {ranges}")
    typed = _typed(rng, area, exchange, subscriber)
    if extension:
        typed += f" 内線{rng.randint(100, 499)}"
    if normalize_phone(typed) != e164:  # pragma: no cover - guards the formats below
        raise RuntimeError(f"{typed!r} does not normalise to {e164}")
    return typed, e164


@cache
def _exchange_starts(ranges: str) -> tuple[str, ...]:
    return expand_ranges(ranges)


_FORMATS = Picker(range(8), (46, 12, 6, 10, 8, 6, 7, 5))


def _typed(rng: random.Random, area: str, exchange: str, subscriber: str) -> str:
    form = _FORMATS(rng)
    if form == 0:
        return f"{area}-{exchange}-{subscriber}"
    if form == 1:
        return f"{area}({exchange}){subscriber}"
    if form == 2:
        return f"({area}){exchange}-{subscriber}"
    if form == 3:
        return f"{area}{exchange}{subscriber}"
    if form == 4:
        return f"{area}-{exchange}-{subscriber}".translate(_FULL_WIDTH)
    if form == 5:
        return f"{area} {exchange} {subscriber}"
    if form == 6:
        return f"+81 {area[1:]}-{exchange}-{subscriber}"
    return f"TEL:{area}-{exchange}-{subscriber}"


_NOT_ASCII_LETTER = re.compile("[^a-z]")


@cache
def romaji(kana: str) -> str:
    """Hepburn-ish romaji of a katakana reading, ASCII letters only: サトウ -> satou."""
    return _NOT_ASCII_LETTER.sub("", jaconv.kana2alphabet(jaconv.kata2hira(kana)).lower())


# --- places --------------------------------------------------------------------------------------

PLACES_BY_PREFECTURE: dict[str, tuple[Place, ...]] = {
    p.name: tuple(place for place in PLACES if place.prefecture == p.name) for p in PREFECTURES
}
PLACES_BY_CITY: dict[tuple[str, str], tuple[Place, ...]] = {
    key: tuple(place for place in PLACES if (place.prefecture, place.city) == key)
    for key in CITY_PHONES
}
# Where people live: by population.
RESIDENCE: Picker[str] = Picker([p.name for p in PREFECTURES], [p.population for p in PREFECTURES])
# Where companies have their head office: the big cities weigh more than their population.
_HQ_BOOST = {"東京都": 2.6, "大阪府": 1.6, "愛知県": 1.3, "福岡県": 1.1}
HEAD_OFFICE: Picker[str] = Picker(
    [p.name for p in PREFECTURES],
    [p.population * _HQ_BOOST.get(p.name, 1.0) for p in PREFECTURES],
)
EAST: frozenset[str] = frozenset(p.name for p in PREFECTURES if p.east)


def street_address(rng: random.Random, town: str) -> str:
    """Town plus 丁目-番-号 the way most people type it: 丸の内1-2-3."""
    return f"{town}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
