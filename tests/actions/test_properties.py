"""Property: on generated data, the compiled query selects exactly the records that the
row-by-row reference evaluator (reference.py) selects, for generated conditions over every
entity, field type, operator and aggregate. Runs on SQLite and on PostgreSQL (DATABASE_URL).

The data is built inside a savepoint per example and rolled back, so examples do not see each
other. Times cluster around day boundaries (Tokyo midnight is 15:00 UTC) and values around the
thresholds the conditions use, where off-by-one mistakes live.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.actions.compiler import Clock, matching
from kizuna.actions.conditions import (
    NO_VALUE_OPS,
    OPS_BY_AGGREGATE_KIND,
    OPS_BY_TYPE,
    parse_condition,
)
from kizuna.actions.entities import (
    AGGREGATES,
    BOOLEAN,
    CHOICE,
    DATE,
    DATETIME,
    INTEGER,
    MASTER,
    NUMBER,
    TEXT,
    custom_fields,
    entity_spec,
)
from kizuna.commerce.models import Channel, Medium, Order, OrderLine, Product
from kizuna.customers.models import (
    Account,
    Contact,
    Customer,
    CustomFieldDefinition,
)
from kizuna.pipeline.models import Activity
from tests.actions.reference import load, select

TOKYO = ZoneInfo("Asia/Tokyo")
TEXTS = ["山田", "山田商店", "株式会社山田", "田中", "abc", "ABC", "Ａｂｃ", "東京都", "大阪府",
         "北海道", "a", "山", "商店"]
PRODUCTS = [("P1", "緑茶", False), ("P2", "定期便", True), ("P3", "茶器", False)]
CUSTOM = {"rank": "text", "score": "number", "since": "date", "tier": "choice"}
# Seconds into a Tokyo day: its start, just after, 08:59:59 (UTC midnight − 1 s), 09:00 (UTC
# midnight), noon, and the last second.
SECONDS = [0, 1, 32399, 32400, 43200, 86399]


@pytest.fixture
def world(make_user):  # type: ignore[no-untyped-def]
    """Masters and custom fields every example shares (kept; the examples roll back)."""
    owner = make_user()
    for code, category, recurring in PRODUCTS:
        Product.objects.create(code=code, name=code, category=category, recurring=recurring)
    for code in ("EC", "STORE"):
        Channel.objects.create(code=code, name=code)
    Medium.objects.create(code="SNS", name="SNS")
    for entity in CustomFieldDefinition.Entity.values:
        for key, kind in CUSTOM.items():
            CustomFieldDefinition.objects.create(
                entity=entity, key=key, label_ja=key, label_en=key, field_type=kind,
                choices=["gold", "silver"] if kind == "choice" else [])
    return owner


# --- data ------------------------------------------------------------------------------------

def tokyo_midnight(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(TOKYO)
    return dt.datetime(local.year, local.month, local.day, tzinfo=TOKYO)


@st.composite
def moments(draw: st.DrawFn, now: dt.datetime) -> dt.datetime:
    day = draw(st.integers(-9, 2) | st.integers(-40, 3))
    second = draw(st.sampled_from(SECONDS))
    return (tokyo_midnight(now) + dt.timedelta(days=day, seconds=second)).astimezone(dt.UTC)


@st.composite
def custom_values(draw: st.DrawFn, now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    today = tokyo_midnight(now).date()
    for key, kind in CUSTOM.items():
        right = {"text": st.sampled_from(TEXTS), "number": st.integers(-3, 14) | st.sampled_from(
            [2.5, 0.5, 12.0]), "date": st.integers(-40, 40).map(
            lambda d: (today + dt.timedelta(days=d)).isoformat()),
            "choice": st.sampled_from(["gold", "silver"])}[kind]
        wrong = st.sampled_from(["", None, True, "12", 7, "2026-01-01"])
        choice = draw(st.sampled_from(["absent", "right", "right", "wrong"]))
        if choice != "absent":
            values[key] = draw(right if choice == "right" else wrong)
    return values


def text(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["", *TEXTS]))


@st.composite
def build(draw: st.DrawFn, owner: Any, now: dt.datetime) -> None:
    """A few accounts (with contacts), customers, their orders, lines and activities."""
    products = list(Product.objects.order_by("code"))
    channels = [None, *Channel.objects.order_by("code")]
    accounts = Account.objects.bulk_create([Account(
        owner=owner, name=text(draw) or "無名", name_kana=text(draw), legal_form=text(draw),
        industry=text(draw), prefecture=text(draw), city=text(draw),
        employee_band=draw(st.sampled_from(["", "1-9", "10-49", "1000+"])),
        relationship_level=draw(st.none() | st.integers(1, 7)),
        custom=draw(custom_values(now))) for _ in range(draw(st.integers(1, 4)))])
    contacts = Contact.objects.bulk_create([Contact(
        owner=owner, account=draw(st.sampled_from(accounts)), family_name=text(draw) or "姓",
        given_name=text(draw), title=text(draw), email=text(draw),
        buying_role=draw(st.sampled_from(["", "decision_maker", "user"])),
        email_opt_in=draw(st.booleans()), phone_opt_in=draw(st.booleans()),
        custom=draw(custom_values(now))) for _ in range(draw(st.integers(0, 4)))])
    customers = Customer.objects.bulk_create([Customer(
        owner=owner, family_name=text(draw) or "姓", given_name=text(draw),
        gender=draw(st.sampled_from(["", "female", "male"])),
        birth_year=draw(st.none() | st.integers(1960, 1965)), prefecture=text(draw),
        postal_code=draw(st.sampled_from(["", "1000001", "5300001"])),
        email_opt_in=draw(st.booleans()), postal_mail_opt_in=draw(st.booleans()),
        first_purchase_date=draw(st.none() | moments(now).map(
            lambda m: m.astimezone(TOKYO).date())),
        acquisition_channel=draw(st.sampled_from(channels)),
        custom=draw(custom_values(now))) for _ in range(draw(st.integers(1, 5)))])
    if len(customers) > 1 and draw(st.booleans()):  # a merged record never matches
        Customer.objects.filter(pk=customers[-1].pk).update(merged_into=customers[0])
    for record in [*accounts, *contacts, *customers]:
        type(record).objects.filter(pk=record.pk).update(
            created_at=draw(moments(now)), updated_at=draw(moments(now)))
    orders, lines = [], []
    for buyer in [*accounts, *customers]:
        field = "account" if isinstance(buyer, Account) else "customer"
        for _ in range(draw(st.integers(0, 5))):
            order = Order(**{field: buyer}, ordered_at=draw(moments(now)),
                          kind=draw(st.sampled_from(["sale", "sale", "sale", "return"])),
                          total=draw(st.sampled_from([-1000, 0, 500, 1000, 3000])))
            orders.append(order)
            lines.append(draw(st.lists(st.sampled_from(products), max_size=2)))
    Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create([OrderLine(order=order, product=product, unit_price=100)
                                   for order, products_ in zip(orders, lines, strict=True)
                                   for product in products_])
    activities = []
    for record in [*accounts, *contacts, *customers]:
        for _ in range(draw(st.integers(0, 3))):
            links = ({"account": record} if isinstance(record, Account) else
                     {"contact": record, "account": record.account}
                     if isinstance(record, Contact) else {"customer": record})
            activities.append(Activity(owner=owner, subject="s", occurred_at=draw(moments(now)),
                                       kind=draw(st.sampled_from(["visit", "call"])), **links))
    Activity.objects.bulk_create(activities)


# --- conditions ------------------------------------------------------------------------------

DAYS = st.integers(0, 9) | st.integers(0, 45)


def field_value(draw: st.DrawFn, kind: str, op: str, choices: tuple[str, ...]) -> Any:
    if op in ("older_than_days", "within_last_days", "within_next_days"):
        return draw(DAYS)
    if op in ("before", "after"):
        return (dt.date(2026, 3, 10) + dt.timedelta(days=draw(st.integers(-10, 3)))).isoformat()
    if op == "month_in_next":
        return draw(st.integers(1, 11))
    if op in ("in", "not_in"):
        return [field_value(draw, kind, "eq", choices) for _ in range(draw(st.integers(1, 3)))]
    if kind == TEXT:
        return draw(st.sampled_from(TEXTS))
    if kind in (CHOICE, MASTER):
        return draw(st.sampled_from(choices))
    if kind == INTEGER:
        return draw(st.integers(0, 8)) if draw(st.booleans()) else draw(st.integers(1959, 1966))
    if kind == NUMBER:
        return draw(st.integers(-2, 14) | st.sampled_from([2.5, 0.5, 12.0]))
    assert kind == BOOLEAN
    return draw(st.booleans())


@st.composite
def field_test(draw: st.DrawFn, entity: str) -> dict[str, Any]:
    spec = entity_spec(entity)
    fields = {**spec.fields, **custom_fields(spec)}
    field = fields[draw(st.sampled_from(sorted(fields)))]
    op = draw(st.sampled_from(OPS_BY_TYPE[field.type]))
    choices = field.choices or (tuple(field.master.objects.values_list("code", flat=True))
                                if field.master else ())
    raw: dict[str, Any] = {"field": field.name, "op": op}
    if op not in NO_VALUE_OPS:
        raw["value"] = field_value(draw, field.type, op, choices)
    if field.type in (DATE, DATETIME) and op not in NO_VALUE_OPS and draw(st.booleans()):
        raw["offset_days"] = draw(st.integers(-3, 3))
    return raw


@st.composite
def aggregate_test(draw: st.DrawFn, entity: str) -> dict[str, Any]:
    spec = entity_spec(entity)
    aggregate = AGGREGATES[draw(st.sampled_from(sorted(spec.aggregates)))]
    op = draw(st.sampled_from(OPS_BY_AGGREGATE_KIND[aggregate.kind]))
    raw: dict[str, Any] = {"aggregate": aggregate.name, "op": op}
    for name in aggregate.params:
        if draw(st.booleans()):
            raw[name] = draw({
                "days": DAYS, "kind": st.sampled_from(["visit", "call"]),
                "category": st.sampled_from(["緑茶", "定期便", "なし"]),
                "product": st.sampled_from(["P1", "P2", "P3"]),
                "recurring": st.booleans(), "min_orders": st.integers(2, 4)}[name])
    if op not in NO_VALUE_OPS:
        raw["value"] = draw({
            "count": st.integers(0, 4), "yen": st.sampled_from([-1000, 0, 500, 1000, 2500]),
            "days": DAYS, "ratio": st.sampled_from([0.5, 1, 1.5, 2, 2.2, 3])}[aggregate.kind])
    return raw


def conditions(entity: str) -> st.SearchStrategy[dict[str, Any]]:
    leaves = field_test(entity) | aggregate_test(entity)
    return st.recursive(leaves, lambda inner: (
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c})
        | st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c})
        | inner.map(lambda c: {"not": c})), max_leaves=5)


NOWS = st.builds(lambda seconds: dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
                 + dt.timedelta(seconds=seconds), st.sampled_from(
                     [0, 1, 32399, 32400, 54000, 54001, 86399]))


@settings(max_examples=50, deadline=None, report_multiple_bugs=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_compiled_query_selects_what_the_reference_selects(world, data) -> None:  # type: ignore[no-untyped-def]
    """Per dataset and entity: a dozen single tests and their negations (where the empty-value
    rules bite), and a few nested conditions."""
    now = data.draw(NOWS, label="now")
    with transaction.atomic():
        data.draw(build(world, now))
        for entity in ("account", "contact", "customer"):
            records = load(entity)
            leaves = data.draw(st.lists(field_test(entity) | aggregate_test(entity),
                                        min_size=12, max_size=12), label=f"{entity} tests")
            nested = data.draw(st.lists(conditions(entity), min_size=3, max_size=3),
                               label=f"{entity} conditions")
            for raw in [*leaves, *({"not": leaf} for leaf in leaves), *nested]:
                node = parse_condition(raw, entity)
                got = set(matching(node, entity, clock=Clock.at(now))
                          .values_list("pk", flat=True))
                assert got == select(records, node, now), raw
        transaction.set_rollback(True)
