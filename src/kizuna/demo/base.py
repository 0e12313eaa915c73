"""Shared pieces of the demo generator: the plan, the row types and small random helpers.

Pure: no Django, no clock, no global random state. Every random draw comes from a
``random.Random`` seeded with a string built from the plan's seed and the record's index
("42:c:17" is customer 17 of seed 42), so a record does not depend on how many records come
before it or on how they are batched: the first 100 customers of a 2,000-customer run are the
100 customers of a 100-customer run.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

DEFAULT_AS_OF = dt.date(2026, 10, 31)
JST = dt.timezone(dt.timedelta(hours=9), "JST")  # Japan has no daylight saving time

# customers, accounts
SCALES: dict[str, tuple[int, int]] = {
    "small": (2_000, 100),
    "medium": (50_000, 1_000),
    "large": (1_000_000, 4_000),
}


@dataclass(frozen=True)
class Plan:
    """What to generate. The same plan always gives the same rows."""

    seed: int
    customers: int
    accounts: int
    as_of: dt.date = DEFAULT_AS_OF
    scale: str = "custom"

    @classmethod
    def for_scale(cls, scale: str, *, seed: int, as_of: dt.date = DEFAULT_AS_OF,
                  customers: int | None = None, accounts: int | None = None) -> Plan:
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        default_customers, default_accounts = SCALES[scale]
        return cls(seed=seed, as_of=as_of, scale=scale,
                   customers=default_customers if customers is None else customers,
                   accounts=default_accounts if accounts is None else accounts)

    def __post_init__(self) -> None:
        if self.customers < 0 or self.accounts < 0:
            raise ValueError("customers and accounts cannot be negative")

    @property
    def start(self) -> dt.date:
        """First day of the three years of D2C history (2023-11-01 for as_of 2026-10-31)."""
        try:
            three_years_before = self.as_of.replace(year=self.as_of.year - 3)
        except ValueError:  # 29 February
            three_years_before = self.as_of.replace(year=self.as_of.year - 3, day=28)
        return three_years_before + dt.timedelta(days=1)

    def rng(self, *key: object) -> random.Random:
        # A str seed is hashed with SHA-512 by random.seed (version 2): stable across Python
        # runs and processes, unlike hash().
        # Demo data, not secrets: a seeded, reproducible generator is the point.
        return random.Random(":".join(str(k) for k in (self.seed, *key)))  # noqa: S311


# --- rows ----------------------------------------------------------------------------------------
# References between rows use external ids (accounts, contacts, customers, orders), a
# department's index within its account, usernames, team names and master codes; the loader
# turns them into primary keys.


class CampaignRow(NamedTuple):
    code: str
    name: str
    medium: str | None
    starts_on: dt.date
    ends_on: dt.date
    cost: int
    active: bool


class AccountRow(NamedTuple):
    external_id: str
    name: str
    name_kana: str
    legal_form: str
    corporate_number: str
    industry: str
    employee_band: str
    phone: str
    website: str
    postal_code: str
    prefecture: str
    city: str
    address_line1: str
    address_line2: str
    relationship_level: int
    tags: tuple[str, ...]
    custom: tuple[tuple[str, object], ...]  # a dict as a tuple, so rows stay hashable
    owner: str
    team: str


class DepartmentRow(NamedTuple):
    account: str
    index: int
    name: str
    name_kana: str
    phone: str
    postal_code: str
    prefecture: str
    city: str
    address_line1: str
    owner: str
    team: str


class ContactRow(NamedTuple):
    external_id: str
    account: str
    department: int | None
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    email: str
    phone: str
    phones_other: tuple[str, ...]
    title: str
    buying_role: str
    reports_to: str | None
    level: int  # 0 = top of the account's chain; a contact reports to one level up
    email_opt_in: bool
    phone_opt_in: bool
    postal_mail_opt_in: bool
    owner: str
    team: str


class CustomerRow(NamedTuple):
    external_id: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    gender: str
    birth_year: int
    email: str
    phone: str
    postal_code: str
    prefecture: str
    acquisition_channel: str
    acquisition_medium: str | None
    acquisition_campaign: str | None
    first_purchase_date: dt.date
    email_opt_in: bool
    phone_opt_in: bool
    postal_mail_opt_in: bool
    owner: str
    team: str


class LineRow(NamedTuple):
    product: str
    quantity: int
    unit_price: int
    discount: int
    cost_of_goods: int
    amount: int


class OrderRow(NamedTuple):
    external_id: str
    number: str
    kind: str  # "sale" | "return"
    original: str | None
    customer: str | None
    account: str | None
    department: int | None
    channel: str
    campaign: str | None
    ordered_at: dt.datetime
    discount: int
    shipping_fee: int
    fulfilment_cost: int
    total: int
    lines: tuple[LineRow, ...]


class ActivityRow(NamedTuple):
    kind: str
    occurred_at: dt.datetime
    subject: str
    body: str
    outcome_code: str
    outcome: str
    next_step: str
    next_step_due: dt.date | None
    account: str | None
    contact: str | None
    customer: str | None
    owner: str
    team: str
    participants: tuple[str, ...]


class AccountBundle(NamedTuple):
    account: AccountRow
    departments: tuple[DepartmentRow, ...]
    contacts: tuple[ContactRow, ...]
    orders: tuple[OrderRow, ...]
    activities: tuple[ActivityRow, ...]


class CustomerBundle(NamedTuple):
    customer: CustomerRow
    orders: tuple[OrderRow, ...]
    activities: tuple[ActivityRow, ...]


# --- orders --------------------------------------------------------------------------------------


def line(product: str, quantity: int, unit_price: int, unit_cost: int, discount: int = 0
         ) -> LineRow:
    """A sale line: amount = quantity × unit price − discount (commerce.services' rule)."""
    return LineRow(product, quantity, unit_price, discount, unit_cost * quantity,
                   quantity * unit_price - discount)


def returned_line(sold: LineRow, quantity: int, unit_cost: int) -> LineRow:
    """The negative line of a return of ``quantity`` of ``sold`` (discount returned pro rata)."""
    discount = sold.discount * quantity // sold.quantity
    return LineRow(sold.product, -quantity, sold.unit_price, -discount, -unit_cost * quantity,
                   -quantity * sold.unit_price + discount)


def order_total(lines: Sequence[LineRow], discount: int, shipping_fee: int) -> int:
    return sum(li.amount for li in lines) - discount + shipping_fee


# --- random helpers ------------------------------------------------------------------------------


class Picker(Generic[T]):
    """Weighted choice with precomputed cumulative weights (one random() and a bisect)."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("items and weights must be non-empty and of equal length")
        self._items = tuple(items)
        self._cum = tuple(itertools.accumulate(weights))
        self._total = self._cum[-1]

    def __call__(self, rng: random.Random) -> T:
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._total)]

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, float]]) -> Picker[T]:
        return cls([p[0] for p in pairs], [p[1] for p in pairs])


def at(day: dt.date, rng: random.Random, hours: Picker[int]) -> dt.datetime:
    """A moment on ``day`` (Japan time) at an hour drawn from ``hours``."""
    return dt.datetime(day.year, day.month, day.day, hours(rng), rng.randrange(60),
                       rng.randrange(60), tzinfo=JST)


def weekday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def expand_ranges(text: str) -> tuple[str, ...]:
    """'20-22,34' -> ('20', '21', '22', '34')."""
    out: list[str] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        out.extend(f"{n:02d}" for n in range(int(first), int(last or first) + 1))
    return tuple(out)


BUSINESS_HOURS: Picker[int] = Picker(range(9, 18), (6, 10, 10, 6, 9, 10, 9, 8, 5))
STORE_HOURS: Picker[int] = Picker(range(10, 20), (4, 7, 9, 8, 7, 8, 9, 10, 9, 6))
EC_HOURS: Picker[int] = Picker(range(24), (
    3, 2, 1, 1, 1, 1, 2, 4, 5, 6, 7, 7, 9, 8, 7, 7, 7, 7, 8, 9, 11, 12, 11, 7))
