"""The demo generator, without a database: deterministic, Japanese data as it really is,
order arithmetic, returns, seasonality and churn (docs/decisions/0103-demo-data.md)."""

from __future__ import annotations

import ast
import collections
import datetime as dt
import hashlib
import itertools
import pkgutil
import statistics
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import kizuna.demo
from kizuna.demo import DemoData, Plan
from kizuna.demo.base import JST, AccountBundle, CustomerBundle
from kizuna.demo.names import (
    COMPANY_STEMS,
    FAMILY_NAMES,
    FEMALE_GIVEN_NAMES,
    MALE_GIVEN_NAMES,
)
from kizuna.demo.places import CITY_PHONES, PLACES, PREFECTURES
from kizuna.japanese import (
    is_kana,
    is_valid_corporate_number,
    lookup_postal_code,
    normalize_phone,
    split_legal_form,
)

PACKAGE_DIR = Path(kizuna.demo.__file__).parent
DJANGO_MODULES = {"services", "tasks", "apps"}  # the only modules that may touch Django


@cache
def generated(seed: int = 7, customers: int = 400, accounts: int = 20
              ) -> tuple[tuple[AccountBundle, ...], tuple[CustomerBundle, ...]]:
    data = DemoData(Plan(seed=seed, customers=customers, accounts=accounts))
    return tuple(data.accounts()), tuple(data.customers())


def digest(seed: int, customers: int = 150, accounts: int = 8) -> str:
    data = DemoData(Plan(seed=seed, customers=customers, accounts=accounts))
    text = repr((data.campaigns, list(data.accounts()), list(data.customers())))
    return hashlib.sha256(text.encode()).hexdigest()


# --- determinism -------------------------------------------------------------------------------


def test_the_same_seed_gives_byte_identical_rows_and_another_seed_does_not() -> None:
    assert digest(42) == digest(42)
    assert digest(42) != digest(43)


def test_same_seed_in_a_fresh_interpreter_gives_the_same_rows() -> None:
    # str seeds are hashed with SHA-512 by random.seed, not with hash(): PYTHONHASHSEED and the
    # process must not matter.
    code = ("from tests.demo.test_generate import digest; print(digest(42))")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=root,
                            env={"PYTHONPATH": f"{root}:{root / 'src'}", "PYTHONHASHSEED": "123"})
    assert result.stdout.strip() == digest(42)


def test_a_record_does_not_depend_on_how_many_come_before_or_after() -> None:
    small = DemoData(Plan(seed=5, customers=30, accounts=3))
    large = DemoData(Plan(seed=5, customers=300, accounts=30))
    assert list(small.customers()) == list(large.customers(0, 30))
    assert list(large.customers(10, 12)) == list(large.customers())[10:12]
    assert list(small.accounts()) == list(large.accounts(0, 3))


def test_dates_follow_the_as_of_date_not_the_clock() -> None:
    plan = Plan(seed=1, customers=50, accounts=3, as_of=dt.date(2021, 3, 31))
    data = DemoData(plan)
    moments = [o.ordered_at for b in data.customers() for o in b.orders]
    moments += [a.occurred_at for b in data.accounts() for a in b.activities]
    assert max(moments).date() <= plan.as_of
    assert min(o.ordered_at for b in data.customers() for o in b.orders).date() >= plan.start
    assert plan.start == dt.date(2018, 4, 1)


# --- purity ------------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_generator_imports_no_django() -> None:
    pure = [p for p in PACKAGE_DIR.glob("*.py") if p.stem not in DJANGO_MODULES]
    assert len(pure) >= 8
    for path in pure:
        for name in _imports(path):
            top = name.split(".")[0]
            assert top != "django", f"{path.name} imports {name}"
            if top == "kizuna":
                assert name.startswith(("kizuna.demo", "kizuna.japanese")), (path.name, name)
    modules = [f"kizuna.demo.{m.name}" for m in pkgutil.iter_modules([str(PACKAGE_DIR)])
               if m.name not in DJANGO_MODULES]
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "from kizuna.demo import DemoData, Plan\n"
            "list(DemoData(Plan(seed=1, customers=5, accounts=2)).customers())\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'django']\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, env={"PYTHONPATH": str(PACKAGE_DIR.parent.parent)})
    assert result.returncode == 0, result.stderr


# --- Japanese data as it really is -------------------------------------------------------------


def test_name_tables_are_big_enough_and_every_reading_is_kana() -> None:
    assert len(FAMILY_NAMES) >= 150
    assert len(MALE_GIVEN_NAMES) + len(FEMALE_GIVEN_NAMES) >= 140
    assert len(MALE_GIVEN_NAMES) >= 60 and len(FEMALE_GIVEN_NAMES) >= 60
    for name in (*FAMILY_NAMES, *MALE_GIVEN_NAMES, *FEMALE_GIVEN_NAMES):
        assert is_kana(name.kana) and name.kana == name.kana.strip(), name
    for stem, reading in COMPANY_STEMS:
        assert is_kana(reading), stem
    kanji = {n.kanji: n.kana for n in FAMILY_NAMES}
    # Variant kanji on purpose, read like their common form.
    assert kanji["髙橋"] == kanji["高橋"] == "タカハシ"
    assert kanji["渡邊"] == kanji["渡邉"] == kanji["渡辺"] == "ワタナベ"
    assert kanji["山﨑"] == kanji["山崎"] == "ヤマザキ"


def test_every_postal_code_is_real_and_matches_its_prefecture_and_city() -> None:
    assert len(PLACES) >= 200
    assert {p.prefecture for p in PLACES} == {p.name for p in PREFECTURES}
    assert len(PREFECTURES) == 47
    for place in PLACES:
        address = lookup_postal_code(place.postal_code)
        assert address is not None, place
        assert (address.prefecture, address.city, address.town) == (
            place.prefecture, place.city, place.town), place
        assert (place.prefecture, place.city) in CITY_PHONES


def test_customers_look_like_japanese_consumers() -> None:
    _accounts, customers = generated()
    rows = [b.customer for b in customers]
    for c in rows:
        assert is_kana(c.family_name_kana) and is_kana(c.given_name_kana), c
        assert normalize_phone(c.phone) == c.phone if c.phone else True
        assert c.phone == "" or c.phone[:5] in ("+8190", "+8180", "+8170")
        assert c.email == "" or c.email.rsplit("@", 1)[1] in ("example.jp", "example.com")
        assert lookup_postal_code(c.postal_code).prefecture == c.prefecture
        assert 1935 < c.birth_year < 2010
    assert len({c.email for c in rows if c.email}) == sum(1 for c in rows if c.email)
    genders = collections.Counter(c.gender for c in rows)
    assert genders["female"] > genders["male"] > 0
    prefectures = collections.Counter(c.prefecture for c in rows)
    assert prefectures.most_common(1)[0][0] == "東京都"  # weighted by population
    channels = {c.acquisition_channel for c in rows}
    assert channels == {"EC", "STORE", "CALL_CENTER", "CATALOG"}
    media = {c.acquisition_medium for c in rows}
    assert media >= {"SEARCH_AD", "SNS_AD", "NEWSPAPER_INSERT", "REFERRAL", "AFFILIATE", None}
    assert any(c.acquisition_campaign for c in rows)
    assert {c.team for c in rows} == {"EC事業部", "カスタマーサクセス"}


def test_accounts_have_legal_forms_readings_corporate_numbers_and_local_phones() -> None:
    accounts, _customers = generated()
    names = [b.account.name for b in accounts]
    for bundle in accounts:
        a = bundle.account
        split = split_legal_form(a.name)
        assert a.legal_form == (split.legal_form or "")
        assert a.legal_form, a.name
        assert is_kana(a.name_kana), a
        assert is_valid_corporate_number(a.corporate_number), a
        assert normalize_phone(a.phone) == a.phone
        assert lookup_postal_code(a.postal_code).prefecture == a.prefecture
        assert a.website == "" or a.website.endswith(".example.jp/")
        assert 1 <= a.relationship_level <= 7
        assert dict(a.custom)["fiscal_month"] in range(1, 13)
        for d in bundle.departments:
            assert normalize_phone(d.phone) == d.phone
            assert is_kana(d.name_kana)
            assert lookup_postal_code(d.postal_code).prefecture == d.prefecture
        for p in bundle.contacts:
            assert is_kana(p.family_name_kana) and is_kana(p.given_name_kana)
            assert normalize_phone(p.phone) == p.phone
            assert p.email.endswith(".example.jp")
    assert len(set(names)) == len(names)
    # Sloppy typing on purpose: front and back forms, abbreviations.
    assert any(n.startswith("株式会社") for n in names)
    assert any(n.endswith("株式会社") for n in names)


def test_phone_numbers_get_the_right_area_code() -> None:
    accounts, _customers = generated()
    area = {"東京都": "+813", "大阪府": "+816", "愛知県": "+8152"}
    seen = 0
    for bundle in accounts:
        a = bundle.account
        if a.city.startswith("名古屋市") or (a.prefecture == "東京都" and a.city.endswith("区")):
            assert a.phone.startswith(area[a.prefecture]), a
            seen += 1
    assert seen


def test_buying_centres_have_roles_and_reporting_chains() -> None:
    accounts, _customers = generated()
    roles: collections.Counter[str] = collections.Counter()
    for bundle in accounts:
        by_id = {p.external_id: p for p in bundle.contacts}
        tops = [p for p in bundle.contacts if p.reports_to is None]
        assert len(tops) == 1 and tops[0].buying_role == "decision_maker"
        for p in bundle.contacts:
            roles[p.buying_role] += 1
            if p.reports_to:
                assert by_id[p.reports_to].level == p.level - 1
        assert {d.index for d in bundle.departments} == set(range(len(bundle.departments)))
    assert set(roles) == {"decision_maker", "approver", "influencer", "user", "purchaser"}


# --- orders ------------------------------------------------------------------------------------


def _orders(seed: int = 7) -> list:
    accounts, customers = generated(seed)
    return [o for b in (*accounts, *customers) for o in b.orders]


def test_order_totals_are_the_sum_of_their_lines() -> None:
    for order in _orders():
        for li in order.lines:
            assert li.amount == li.quantity * li.unit_price - li.discount
        assert order.total == sum(li.amount for li in order.lines) - order.discount + \
            order.shipping_fee
        assert order.ordered_at.tzinfo is JST


def test_returns_are_negative_and_point_to_an_earlier_original_of_the_same_buyer() -> None:
    orders = _orders()
    by_id = {o.external_id: o for o in orders}
    returns = [o for o in orders if o.kind == "return"]
    assert len(returns) > 5
    for r in returns:
        original = by_id[r.original]
        assert original.kind == "sale"
        assert (original.customer, original.account) == (r.customer, r.account)
        assert original.ordered_at < r.ordered_at
        assert r.total < 0
        for li in r.lines:
            assert li.quantity < 0 and li.cost_of_goods < 0
            sold = sum(x.quantity for x in original.lines if x.product == li.product)
            assert -li.quantity <= sold
    assert all(o.kind == "sale" and o.total >= 0 for o in orders if o.original is None)


def test_december_sells_more_than_an_average_month() -> None:
    _accounts, customers = generated()
    revenue: collections.Counter[str] = collections.Counter()
    for bundle in customers:
        for order in bundle.orders:
            revenue[f"{order.ordered_at:%Y-%m}"] += order.total
    average = statistics.mean(revenue.values())
    for year in (2024, 2025):
        assert revenue[f"{year}-12"] > 1.5 * average
        quiet = statistics.mean(revenue[f"{year}-{m:02d}"] for m in (2, 4, 9, 10))
        assert revenue[f"{year}-07"] > quiet  # お中元
        assert revenue[f"{year}-05"] > quiet  # 新茶 sale


def test_customers_have_their_own_rhythm_and_some_stop_buying() -> None:
    plan = Plan(seed=7, customers=400, accounts=0)
    _accounts, customers = generated()
    mean_gaps, silent = [], 0
    for bundle in customers:
        days = sorted({o.ordered_at.date() for o in bundle.orders if o.kind == "sale"})
        if len(days) >= 3:
            mean_gaps.append(statistics.mean((b - a).days for a, b in itertools.pairwise(days)))
        if (plan.as_of - days[-1]).days > 365:
            silent += 1
    # Heterogeneous cycles: frequent small buyers and long-cycle buyers side by side.
    assert min(mean_gaps) < 40 and max(mean_gaps) > 150
    assert statistics.pstdev(mean_gaps) / statistics.mean(mean_gaps) > 0.4
    assert silent > len(customers) // 10  # churned customers
    one_timers = sum(1 for b in customers if len(b.orders) == 1)
    assert one_timers > len(customers) // 10


def test_b2b_orders_show_installed_equipment_and_maintenance_renewals() -> None:
    accounts, _customers = generated()
    products = collections.Counter(li.product for b in accounts for o in b.orders
                                   for li in o.lines)
    assert products["MT-100"] + products["MT-300"] > 0  # recurring maintenance
    assert products["KZ-100"] + products["KZ-200"] + products["WP-30"] > 0
    assert products["BT-001"] > products["KZ-100"]  # tea is reordered, machines are not
    for bundle in accounts:
        for order in bundle.orders:
            assert order.account == bundle.account.external_id and order.customer is None
            assert order.ordered_at.weekday() < 5  # business days
    activities = [a for b in accounts for a in b.activities]
    assert {a.outcome_code for a in activities} >= {"info_given", "need_found",
                                                     "proposal_made", "order"}
    assert {a.kind for a in activities} >= {"visit", "call", "email"}
    assert any(a.next_step and a.next_step_due for a in activities)


def test_too_many_accounts_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="distinct names"):
        DemoData(Plan(seed=1, customers=0, accounts=100_000))
    with pytest.raises(ValueError, match="unknown scale"):
        Plan.for_scale("huge", seed=1)
