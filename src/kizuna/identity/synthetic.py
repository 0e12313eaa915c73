"""Labelled synthetic Japanese person records with duplicates, for tests and benchmarks.

``synthetic_people(n, duplicate_rate=0.1, seed=...)`` returns ``n`` records (the columns of
``presets.JAPANESE_PERSON``) of which about ``duplicate_rate`` are extra records of a person
already in the set, each carrying what real duplicates carry:

* always 2-4 *retyping* variations: kana script (カタカナ/ひらがな/半角ｶﾅ), width (全角 digits
  and letters), spacing, variant kanji (高/髙, 崎/﨑, 辺/邊 ...), phone format (03-1234-5678,
  0312345678, +81 3-1234-5678, (03)1234-5678, full-width, ー as a dash), postal code format,
  e-mail case and, for Gmail, dots and +tags;
* and one *scenario*: only retyped; a one-character typo (kanji, kana, e-mail or address);
  moved (new address and postal code, new landline); married (new family name and reading,
  same given name, birth year and phone, maybe a new e-mail and address); a new e-mail or a new
  mobile; or sparse (several fields left empty).

Hard non-duplicates are included on purpose: household members share the family name, the
address and a landline but not the given name or birth year, and common names make namesakes
born in the same year.

Names and readings come from kizuna.demo.names, places (real postal codes) and phone areas
from kizuna.demo.places. Deterministic for a seed; no global random state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import jaconv
import numpy as np
from numpy.typing import NDArray

from kizuna.demo.base import Picker, expand_ranges
from kizuna.demo.names import FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES
from kizuna.demo.people import (
    FAMILY,
    PLACES_BY_PREFECTURE,
    RESIDENCE,
    mobile_e164,
    person,
    romaji,
    street_address,
)
from kizuna.demo.places import CITY_PHONES, Place

__all__ = ["COLUMNS", "SyntheticPeople", "synthetic_people"]

COLUMNS = (
    "id", "family_name", "given_name", "family_name_kana", "given_name_kana", "gender",
    "birth_year", "email", "phone", "postal_code", "prefecture", "city", "address_line1",
)  # fmt: skip

SCENARIOS = ("retyped", "typo", "moved", "married", "new_contact", "sparse")
_SCENARIO = Picker(SCENARIOS, (32, 20, 14, 8, 10, 16))
_DOMAINS = Picker(
    ("gmail.com", "yahoo.co.jp", "icloud.com", "docomo.ne.jp", "ezweb.ne.jp", "au.com",
     "softbank.ne.jp", "outlook.jp", "hotmail.co.jp", "outlook.com", "nifty.com",
     "ybb.ne.jp", "biglobe.ne.jp", "ocn.ne.jp"),
    (30, 18, 12, 8, 5, 3, 4, 4, 3, 3, 2, 2, 2, 2),
)
# Variant kanji of kizuna.japanese.tables, as a typist's IME offers them.
_TO_VARIANT = {"高": "髙", "崎": "﨑", "辺": "邊", "沢": "澤", "斎": "齋", "浜": "濱",
               "広": "廣", "桜": "櫻", "国": "國", "真": "眞", "瀬": "瀨", "吉": "\U00020bb7"}
_FROM_VARIANT = {v: k for k, v in _TO_VARIANT.items()} | {"邉": "辺", "齊": "斉"}
_KANJI_POOL = sorted({ch for name in FAMILY_NAMES for ch in name.kanji}
                     | {ch for name in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES for ch in name.kanji})
_KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
_VOICING = dict(zip("カキクケコサシスセソタチツテトハヒフヘホ",
                    "ガギグゲゴザジズゼゾダヂヅデドバビブベボ", strict=True))
_VOICING |= {v: k for k, v in _VOICING.items()}
_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


@dataclass(frozen=True)
class _Person:
    """One entity's true details (what a careful clerk would type)."""

    family: str
    given: str
    family_kana: str
    given_kana: str
    gender: str
    birth_year: int
    email: str
    phone: tuple[str, str, str]  # national parts: ("090", "1234", "5678") or ("03", ...)
    landline: bool
    place: Place
    street: str


@dataclass(frozen=True)
class SyntheticPeople:
    """Records (columnar, ``COLUMNS``), the true entity of each, and how each was made."""

    records: dict[str, list[Any]]
    entity: NDArray[np.int64]
    scenario: tuple[str, ...]  # "original", "household" or a duplicate scenario

    def __len__(self) -> int:
        return len(self.entity)

    def __repr__(self) -> str:
        return f"SyntheticPeople({len(self)} records, {len(np.unique(self.entity))} people)"

    def true_pairs(self) -> NDArray[np.int64]:
        """(k, 2) positions of every pair of records of one entity, i < j, sorted."""
        order = np.argsort(self.entity, kind="stable")
        ent = self.entity[order]
        out = []
        d = 1
        position = np.arange(len(order))
        while position.size:
            position = position[position + d < len(order)]
            position = position[ent[position] == ent[position + d]]
            if position.size:
                a, b = order[position], order[position + d]
                out.append(np.column_stack([np.minimum(a, b), np.maximum(a, b)]))
            d += 1
        if not out:
            return np.empty((0, 2), dtype=np.int64)
        pairs = np.concatenate(out)
        return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def synthetic_people(n: int = 10_000, *, duplicate_rate: float = 0.1,
                     household_rate: float = 0.03, seed: int = 0) -> SyntheticPeople:
    """``n`` person records, about ``duplicate_rate`` of them duplicates (see module doc)."""
    if n < 1 or not 0.0 <= duplicate_rate < 1.0 or not 0.0 <= household_rate < 1.0:
        raise ValueError("need n >= 1, 0 <= duplicate_rate < 1 and 0 <= household_rate < 1")
    rng = random.Random(f"kizuna.identity.synthetic:{seed}")  # noqa: S311 - test data
    emails: set[str] = set()
    n_duplicates = round(n * duplicate_rate)
    people: list[_Person] = []
    kinds: list[str] = []
    while len(people) < n - n_duplicates:
        people.append(_new_person(rng, emails))
        kinds.append("original")
        if len(people) < n - n_duplicates and rng.random() < household_rate:
            people.append(_household_member(rng, people[-1], emails))
            kinds.append("household")
    rows = [_typed(rng, p, original=True) for p in people]
    entity = list(range(len(people)))
    for _ in range(n_duplicates):
        k = rng.randrange(len(people))
        row, scenario = _duplicate(rng, people[k], _SCENARIO(rng), emails)
        rows.append(row)
        entity.append(k)
        kinds.append(scenario)
    order = list(range(n))
    rng.shuffle(order)
    records: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for position, k in enumerate(order):
        records["id"].append(f"c{position:07d}")
        for name in COLUMNS[1:]:
            records[name].append(rows[k].get(name))
    return SyntheticPeople(records, np.array([entity[k] for k in order], dtype=np.int64),
                           tuple(kinds[k] for k in order))


# --- entities ------------------------------------------------------------------------------


def _birth_year(rng: random.Random) -> int:
    return min(2006, max(1935, round(rng.gauss(1975, 15))))


def _place(rng: random.Random) -> Place:
    return rng.choice(PLACES_BY_PREFECTURE[RESIDENCE(rng)])


def _mobile(rng: random.Random) -> tuple[str, str, str]:
    digits = "0" + mobile_e164(rng)[3:]
    return digits[:3], digits[3:7], digits[7:]


def _landline(rng: random.Random, place: Place) -> tuple[str, str, str] | None:
    phone = CITY_PHONES.get((place.prefecture, place.city))
    if phone is None:
        return None
    area, ranges = phone
    start = rng.choice(_exchange_starts(ranges))
    exchange = (start + "".join(str(rng.randrange(10)) for _ in range(4)))[: 10 - len(area) - 4]
    return area, exchange, f"{rng.randrange(10_000):04d}"


@cache
def _exchange_starts(ranges: str) -> tuple[str, ...]:
    return expand_ranges(ranges)


def _phone(rng: random.Random, place: Place) -> tuple[tuple[str, str, str], bool]:
    if rng.random() < 0.25 and (landline := _landline(rng, place)) is not None:
        return landline, True
    return _mobile(rng), False


def _email(rng: random.Random, family_kana: str, given_kana: str, birth_year: int,
           emails: set[str]) -> str:
    f, g = romaji(family_kana), romaji(given_kana)
    local = rng.choice((f"{g}.{f}", f"{g}{f}", f"{f}.{g}", f"{g}_{f}", f"{g}{birth_year % 100:02d}",
                        f"{f}{g}{birth_year % 100:02d}", f"{g[:1]}{f}", f"{f}-{g}"))
    if rng.random() < 0.4:
        local += str(rng.randint(1, 999))
    domain = _DOMAINS(rng)
    address = f"{local}@{domain}"
    while address in emails or (domain == "gmail.com" and _gmail_key(address) in emails):
        address = f"{local}{rng.randint(1, 9999)}@{domain}"
    emails.add(address)
    if domain == "gmail.com":
        emails.add(_gmail_key(address))
    return address


def _gmail_key(address: str) -> str:
    local, _, domain = address.partition("@")
    return local.replace(".", "") + "@" + domain


def _new_person(rng: random.Random, emails: set[str]) -> _Person:
    gender = "female" if rng.random() < 0.55 else "male"
    birth_year = _birth_year(rng)
    family, given, family_kana, given_kana = person(rng, gender, birth_year)
    place = _place(rng)
    phone, landline = _phone(rng, place)
    return _Person(family, given, family_kana, given_kana, gender, birth_year,
                   _email(rng, family_kana, given_kana, birth_year, emails), phone, landline,
                   place, street_address(rng, place.town))


def _household_member(rng: random.Random, of: _Person, emails: set[str]) -> _Person:
    """Someone else at the same address: same family name and landline, own given name."""
    gender = "female" if rng.random() < 0.5 else "male"
    relation = rng.random()
    if relation < 0.5:  # spouse
        birth_year = of.birth_year + rng.randint(-6, 6)
    elif relation < 0.8:  # child
        birth_year = of.birth_year + rng.randint(24, 36)
    else:  # parent
        birth_year = of.birth_year - rng.randint(24, 36)
    birth_year = min(2008, max(1925, birth_year))
    for _ in range(20):
        _, given, _, given_kana = person(rng, gender, birth_year)
        if given_kana != of.given_kana:
            break
    phone, landline = (of.phone, True) if of.landline else (_mobile(rng), False)
    return _Person(of.family, given, of.family_kana, given_kana, gender, birth_year,
                   _email(rng, of.family_kana, given_kana, birth_year, emails), phone, landline,
                   of.place, of.street)


# --- typing a record -----------------------------------------------------------------------


def _typed(rng: random.Random, p: _Person, *, original: bool,
           variations: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A record as it would be entered. Originals: mostly tidy; duplicates: ``variations``."""
    v = variations
    present = {
        "kana": rng.random() < 0.9,
        "birth_year": rng.random() < 0.8,
        "email": rng.random() < 0.85,
        "phone": rng.random() < 0.9,
        "address": rng.random() < 0.88,
    }
    row: dict[str, Any] = {
        "family_name": p.family,
        "given_name": p.given,
        "gender": p.gender,
        "family_name_kana": p.family_kana if present["kana"] else "",
        "given_name_kana": p.given_kana if present["kana"] else "",
        "birth_year": p.birth_year if present["birth_year"] else None,
        "email": p.email if present["email"] else "",
        "phone": _phone_text(rng, p.phone, 0 if original and rng.random() < 0.6 else None)
        if present["phone"] else "",
        "postal_code": _postal_text(rng, p.place.postal_code, "postal" in v)
        if present["address"] else "",
        "prefecture": p.place.prefecture if present["address"] else "",
        "city": p.place.city if present["address"] else "",
        "address_line1": p.street if present["address"] else "",
    }
    if "kana_script" in v:
        script = rng.choice((jaconv.kata2hira, _half_width_kana))
        row["family_name_kana"] = script(row["family_name_kana"])
        row["given_name_kana"] = script(row["given_name_kana"])
    if "variant" in v:
        row["family_name"] = _variant(row["family_name"])
        row["given_name"] = _variant(row["given_name"])
    if "email_case" in v and row["email"]:  # before "width": it reads the ASCII "@"
        row["email"] = _email_variant(rng, row["email"])
    if "width" in v:
        for name in ("email", "address_line1", "phone"):
            if rng.random() < 0.6:
                row[name] = _full_width(row[name])
    if "spacing" in v:
        row["family_name"] = row["family_name"] + rng.choice((" ", "\u3000", "  "))
        if row["given_name_kana"]:
            row["given_name_kana"] = "\u3000" + row["given_name_kana"]
        row["address_line1"] = row["address_line1"].replace("-", " - ", 1)
    return row


def _phone_text(rng: random.Random, parts: tuple[str, str, str], form: int | None) -> str:
    a, b, c = parts
    forms: tuple[Callable[[], str], ...] = (
        lambda: f"{a}-{b}-{c}",
        lambda: f"{a}{b}{c}",
        lambda: f"({a}){b}-{c}",
        lambda: f"+81 {a[1:]}-{b}-{c}",
        lambda: f"+81{a[1:]}{b}{c}",
        lambda: _full_width(f"{a}-{b}-{c}"),
        lambda: f"{a} {b} {c}",
        lambda: f"{a}ー{b}ー{c}",
    )
    return forms[rng.randrange(len(forms)) if form is None else form]()


def _postal_text(rng: random.Random, code: str, vary: bool) -> str:
    if not vary:
        return f"{code[:3]}-{code[3:]}" if rng.random() < 0.7 else code
    return rng.choice((f"〒{code[:3]}-{code[3:]}", _full_width(f"{code[:3]}-{code[3:]}"),
                       code, f"{code[:3]}ー{code[3:]}"))


def _full_width(text: str) -> str:
    return "".join(_FULL_WIDTH.get(ch, ch) for ch in text)


def _half_width_kana(text: str) -> str:
    return jaconv.z2h(text, kana=True, ascii=False, digit=False)


def _variant(name: str) -> str:
    for ch in name:
        if ch in _TO_VARIANT:
            return name.replace(ch, _TO_VARIANT[ch], 1)
        if ch in _FROM_VARIANT:
            return name.replace(ch, _FROM_VARIANT[ch], 1)
    return name


def _email_variant(rng: random.Random, email: str) -> str:
    local, _, domain = email.partition("@")
    if domain == "gmail.com" and rng.random() < 0.7:
        choice = rng.random()
        if choice < 0.4 and "." in local:
            local = local.replace(".", "", 1)
        elif choice < 0.7:  # a dot where there was none (never "..": not an address)
            cuts = [i for i in range(1, len(local)) if "." not in local[i - 1:i + 1]]
            if cuts:
                cut = rng.choice(cuts)
                local = f"{local[:cut]}.{local[cut:]}"
        else:
            local = f"{local}+{rng.choice(('shop', 'tea', 'news', 'order'))}"
    if rng.random() < 0.6:
        local = local[:1].upper() + local[1:]
    domain = domain.upper() if rng.random() < 0.3 else domain.capitalize()
    return f"{local}@{domain}"


# --- duplicates ----------------------------------------------------------------------------

_RETYPING = ("kana_script", "variant", "width", "spacing", "email_case", "postal", "phone")


def _duplicate(rng: random.Random, p: _Person, scenario: str, emails: set[str]
               ) -> tuple[dict[str, Any], str]:
    """A duplicate record of ``p`` and the scenario it really got (men do not marry here:
    a new family name on marriage is, in practice, the wife's)."""
    variations = frozenset(rng.sample(_RETYPING, rng.randint(2, 4)))
    if scenario == "married" and p.gender != "female":
        scenario = "moved"
    if scenario == "moved":
        p = _moved(rng, p)
    elif scenario == "married":
        family, family_kana = p.family, p.family_kana
        while family_kana == p.family_kana:  # 髙橋 for 高橋 would be no new name
            name = FAMILY(rng)
            family, family_kana = name.kanji, name.kana
        p = replace(p, family=family, family_kana=family_kana)
        if rng.random() < 0.5:
            p = replace(p, email=_email(rng, family_kana, p.given_kana, p.birth_year, emails))
        if rng.random() < 0.5:
            p = _moved(rng, p, keep_phone=True)
    elif scenario == "new_contact":
        if rng.random() < 0.5:
            p = replace(p, email=_email(rng, p.family_kana, p.given_kana, p.birth_year, emails))
        else:
            p = replace(p, phone=_mobile(rng), landline=False)
    row = _typed(rng, p, original=False, variations=variations)
    if scenario == "married":  # the evidence the scenario is about stays
        row["given_name"] = p.given
        row["birth_year"] = p.birth_year
        row["phone"] = _phone_text(rng, p.phone, None)
    elif scenario == "typo":
        _typo(rng, row)
    elif scenario == "sparse":
        optional = ["email", "phone", "kana", "birth_year", "address"]
        for name in rng.sample(optional, rng.randint(2, 3)):
            _drop(row, name)
    return row, scenario


def _moved(rng: random.Random, p: _Person, *, keep_phone: bool = False) -> _Person:
    place = p.place
    while place.postal_code == p.place.postal_code:
        place = (rng.choice(PLACES_BY_PREFECTURE[place.prefecture]) if rng.random() < 0.5
                 else _place(rng))
    phone, landline = p.phone, p.landline
    if landline and not keep_phone:
        phone, landline = _phone(rng, place)
    return replace(p, place=place, street=street_address(rng, place.town), phone=phone,
                   landline=landline)


def _drop(row: dict[str, Any], name: str) -> None:
    if name == "kana":
        row["family_name_kana"] = row["given_name_kana"] = ""
    elif name == "address":
        for column in ("postal_code", "prefecture", "city", "address_line1"):
            row[column] = ""
    elif name == "birth_year":
        row["birth_year"] = None
    else:
        row[name] = ""


def _typo(rng: random.Random, row: dict[str, Any]) -> None:
    """One wrong character in one field that has something to get wrong."""
    choices = [name for name in ("family_name", "given_name", "family_name_kana",
                                 "given_name_kana", "email", "address_line1") if row[name]]
    name = rng.choice(choices)
    text = row[name]
    if name in ("family_name", "given_name"):
        i = rng.randrange(len(text))
        options = [ch for ch in _KANJI_POOL if ch != text[i]]
        row[name] = text[:i] + rng.choice(options) + text[i + 1:]
    elif name.endswith("_kana"):
        kana = jaconv.hira2kata(jaconv.h2z(text.strip(), kana=True))
        i = rng.randrange(len(kana))
        ch = kana[i]
        new = _VOICING.get(ch) if rng.random() < 0.5 else None
        new = new or rng.choice([k for k in _KATAKANA if k != ch])
        row[name] = kana[:i] + new + kana[i + 1:]
    elif name == "email":
        local, _, domain = text.replace("＠", "@").partition("@")
        i = rng.randrange(len(local))
        letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != local[i].lower()])
        local = rng.choice((local[:i] + letter + local[i + 1:], local[:i] + local[i + 1:]))
        row[name] = f"{local or 'x'}@{domain}"
    else:
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
        i = rng.choice(digits)
        row[name] = text[:i] + str((int(text[i]) + rng.randint(1, 8)) % 10) + text[i + 1:]
