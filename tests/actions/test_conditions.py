"""The condition language: strict validation with every problem named by its place, in the
user's language, and the compiled query on hand-made cases (the property test covers the rest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kizuna.actions.compiler import Clock, matching
from kizuna.actions.conditions import ConditionError, parse_condition
from kizuna.customers.models import Customer, CustomFieldDefinition
from kizuna.customers.services import define_custom_field, update_customer
from tests.actions.conftest import TOKYO, buy

NOW = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)  # 12:00 in Tokyo


def _error(raw: object, entity: str) -> ConditionError:
    with translation.override("en"), pytest.raises(ConditionError) as caught:
        parse_condition(raw, entity)
    return caught.value


def problems(raw: object, entity: str = "customer") -> list[str]:
    return _error(raw, entity).messages


def places(raw: object, entity: str = "customer") -> list[str]:
    return [path for path, _message in _error(raw, entity).problems]


def test_every_problem_is_reported_with_its_place(db) -> None:  # type: ignore[no-untyped-def]
    found = problems({"all": [
        {"field": "prefecture", "op": "eq", "value": "東京都"},
        {"field": "prefektur", "op": "eq", "value": "x"},
        {"field": "birth_year", "op": "gt", "value": "1980"},
        {"field": "updated_at", "op": "eq", "value": 3},
        {"aggregate": "order_count", "days": -1, "op": "eq", "value": 0},
        {"any": []},
        {"not": {"field": "gender", "op": "eq", "value": "unknown"}},
        {"aggregate": "order_count", "op": "eq", "value": 0, "extra": 1},
        "text",
    ]})
    assert [m.split(":")[0] for m in found] == [
        "all[1].field", "all[2].value", "all[3].op", "all[4].days", "all[5].any",
        "all[6].not.value", "all[7].extra", "all[8]"]
    assert "Unknown field “prefektur”" in found[0] and "prefecture" in found[0]
    assert "whole number" in found[1]


def test_messages_are_in_the_users_language(db) -> None:  # type: ignore[no-untyped-def]
    with translation.override("en"):
        assert problems({"field": "birth_year", "op": "gt"}) == ["value: A value is required."]


@pytest.mark.parametrize(("raw", "place"), [
    ({"field": "prefecture", "op": "contains", "value": ""}, "value"),
    ({"field": "prefecture", "op": "is_empty", "value": "x"}, "value"),
    ({"field": "prefecture", "op": "in", "value": []}, "value"),
    ({"field": "email_opt_in", "op": "eq", "value": 1}, "value"),
    ({"field": "first_purchase_date", "op": "before", "value": "2026-02-30"}, "value"),
    ({"field": "first_purchase_date", "op": "older_than_days", "value": 5,
      "offset_days": 1.5}, "offset_days"),
    ({"field": "prefecture", "op": "eq", "value": "x", "offset_days": 1}, "offset_days"),
    ({"field": "acquisition_channel", "op": "eq", "value": "NOPE"}, "value"),
    ({"aggregate": "purchase_cycle_ratio", "op": "gt", "value": 1.25}, "value"),
    ({"aggregate": "purchase_cycle_ratio", "op": "eq", "value": 2}, "op"),
    ({"aggregate": "purchase_cycle_ratio", "min_orders": 1, "op": "gt", "value": 2},
     "min_orders"),
    ({"aggregate": "activity_count", "kind": "fax", "op": "gt", "value": 1}, "kind"),
    ({"aggregate": "product_order_count", "product": "NOPE", "op": "gt", "value": 0},
     "product"),
    ({"aggregate": "revenue", "op": "gt", "value": 1.5}, "value"),
    ({"field": "birth_year", "op": "month_in_next", "value": 12}, "value"),
    ({"all": [{"field": "prefecture", "op": "is_empty"}], "any": []}, ""),
])
def test_values_are_checked_strictly(db, raw, place) -> None:  # type: ignore[no-untyped-def]
    assert places(raw) == [place]


def test_aggregates_and_fields_are_per_entity(db) -> None:  # type: ignore[no-untyped-def]
    assert "aggregate" in problems({"aggregate": "order_count", "op": "eq", "value": 0},
                                   "contact")[0]
    parse_condition({"field": "account.industry", "op": "eq", "value": "製造業"}, "contact")
    assert problems({"field": "account.industry", "op": "eq", "value": "x"})[0].startswith(
        "field")


def test_size_and_depth_are_limited(db) -> None:  # type: ignore[no-untyped-def]
    leaf = {"field": "prefecture", "op": "is_empty"}
    assert "at most" in problems({"any": [leaf] * 120})[0]
    deep: dict = leaf
    for _ in range(9):
        deep = {"not": deep}
    assert "nested" in problems(deep)[0]


def test_custom_fields_come_from_their_definitions(admin_user) -> None:  # type: ignore[no-untyped-def]
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.CUSTOMER,
                        key="rank", label_ja="ランク", label_en="Rank", field_type="choice",
                        choices=["gold", "silver"])
    parse_condition({"field": "custom.rank", "op": "in", "value": ["gold"]}, "customer")
    assert "custom field “tier”" in problems({"field": "custom.tier", "op": "is_empty"})[0]
    assert "not one of" in problems({"field": "custom.rank", "op": "eq", "value": "bronze"})[0]
    assert "operator" in problems({"field": "custom.rank", "op": "gt", "value": "gold"})[0]


def _names(raw: object, entity: str = "customer") -> set[str]:
    node = parse_condition(raw, entity)
    return {str(r) for r in matching(node, entity, clock=Clock.at(NOW))}


def test_missing_values_make_a_test_false_and_not_means_not(team, admin_user) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_customer

    rep = team["rep"]
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.CUSTOMER,
                        key="score", label_ja="点", label_en="Score", field_type="number")
    create_customer(actor=rep, family_name="有", birth_year=1980, custom={"score": 5})
    create_customer(actor=rep, family_name="無")
    assert _names({"field": "birth_year", "op": "lt", "value": 1990}) == {"有"}
    assert _names({"not": {"field": "birth_year", "op": "lt", "value": 1990}}) == {"無"}
    assert _names({"field": "birth_year", "op": "ne", "value": 1980}) == {"無"}
    assert _names({"not": {"field": "custom.score", "op": "gte", "value": 3}}) == {"無"}
    assert _names({"field": "custom.score", "op": "is_empty"}) == {"無"}
    assert _names({"any": [{"field": "custom.score", "op": "lt", "value": 3},
                           {"not": {"field": "custom.score", "op": "lt", "value": 3}}]}) == \
        {"有", "無"}


def test_days_are_japan_calendar_days(team) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_customer

    rep = team["rep"]
    late = create_customer(actor=rep, family_name="前日深夜")
    early = create_customer(actor=rep, family_name="当日早朝")
    # 23:59 and 00:01 in Tokyo on either side of midnight between 9 and 10 March
    buy(late, dt.datetime(2026, 3, 9, 23, 59, tzinfo=TOKYO))
    buy(early, dt.datetime(2026, 3, 10, 0, 1, tzinfo=TOKYO))
    assert _names({"aggregate": "days_since_last_order", "op": "eq", "value": 1}) == {"前日深夜"}
    assert _names({"aggregate": "days_since_last_order", "op": "eq", "value": 0}) == {"当日早朝"}
    assert _names({"aggregate": "order_count", "days": 0, "op": "gte", "value": 1}) == \
        {"当日早朝"}
    assert _names({"aggregate": "days_since_last_order", "op": "is_empty"}) == set()


def test_relative_dates_with_an_offset(team) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_customer

    rep = team["rep"]
    for name, day in (("5年前", dt.date(2021, 3, 10)), ("5年前+89日", dt.date(2021, 6, 7)),
                      ("5年前+91日", dt.date(2021, 6, 9))):
        create_customer(actor=rep, family_name=name, first_purchase_date=day)
    # "first purchase + 5 years (1,826 days) falls within the next 90 days"
    found = _names({"field": "first_purchase_date", "op": "within_next_days", "value": 90,
                    "offset_days": 1826})
    assert found == {"5年前", "5年前+89日"}


def test_stale_records_by_updated_at(team) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_customer

    rep = team["rep"]
    old = create_customer(actor=rep, family_name="古い")
    create_customer(actor=rep, family_name="新しい")
    Customer.objects.filter(pk=old.pk).update(updated_at=NOW - dt.timedelta(days=200))
    assert _names({"field": "updated_at", "op": "older_than_days", "value": 180}) == {"古い"}
    update_customer(actor=rep, customer=Customer.objects.get(pk=old.pk), expected_version=1,
                    given_name="太郎")
    assert _names({"field": "updated_at", "op": "older_than_days", "value": 180}) == set()


def test_a_rule_is_one_query(team) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_customer

    for i in range(5):
        customer = create_customer(actor=team["rep"], family_name=f"客{i}")
        for k in range(i):
            buy(customer, NOW - dt.timedelta(days=10 * k + 1))
    node = parse_condition({"all": [
        {"aggregate": "order_count", "days": 90, "op": "gte", "value": 2},
        {"aggregate": "revenue", "op": "gt", "value": 5000},
        {"aggregate": "purchase_cycle_ratio", "op": "lt", "value": 5},
        {"not": {"aggregate": "days_since_last_activity", "op": "lt", "value": 30}}]},
        "customer")
    with CaptureQueriesContext(connection) as queries:
        found = list(matching(node, "customer", clock=Clock.at(NOW)))
    assert len(queries) == 1
    # 客2 has two purchases only: no purchase cycle yet
    assert sorted(str(c) for c in found) == ["客3", "客4"]
