"""Property: conditions on scores (``score.<key>``, ``score_band.<key>``) and on whitespace
(``whitespace_open_cells``), alone, negated and mixed with other tests, select exactly what the
row-by-row reference (reference.py) selects, on SQLite and PostgreSQL.

Generated accounts get score rows (sometimes two per account, as after an identity merge, where
the most recently rated counts), departments, whitespace cells (sometimes a merged duplicate's
cell for the same department and category) and orders of departments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.actions.compiler import Clock, matching
from kizuna.actions.conditions import NO_VALUE_OPS, OPS_BY_TYPE, parse_condition
from kizuna.actions.entities import custom_fields, entity_spec
from kizuna.actions.models import Score, Scorecard, WhitespaceCell
from kizuna.commerce.models import Order, OrderLine, Product
from kizuna.customers.models import Account, Department
from tests.actions.reference import load, select
from tests.actions.test_properties import NOWS, build, conditions, moments
from tests.actions.test_properties import world as world

TOTALS = [0, 25, 39, 40, 50, 69, 70, 71, 100]
STATUSES = ["not_approached", "approached", "need", "no_need"]


@pytest.fixture
def cards(world):  # type: ignore[no-untyped-def]
    Product.objects.create(code="P4", name="P4", category="廃番", active=False)
    for key in ("fit", "need"):
        Scorecard.objects.create(key=key, name=key, owner=world, items=[
            {"key": "a", "label": "a", "weight": 1, "levels": {}}])
    return world


@st.composite
def extra(draw: st.DrawFn, owner: Any, now: dt.datetime) -> None:
    """Scores, departments, cells and department orders for the accounts ``build`` made."""
    cards = list(Scorecard.objects.order_by("key"))
    products = list(Product.objects.order_by("code"))
    categories = [*sorted({p.category for p in products}), "なし"]
    scores, cells = [], []
    for account in Account.objects.filter(merged_into=None).order_by("pk"):
        for card in cards:
            for copy in range(draw(st.sampled_from([0, 1, 1, 2]))):
                total = draw(st.none() | st.sampled_from(TOTALS))
                scores.append(Score(
                    scorecard=card, entity="account", record_id=account.pk + copy * 100000,
                    account=account, total=total, band=draw(st.sampled_from("ABC"))
                    if total is not None else "", rated_at=draw(moments(now))))
        departments = Department.objects.bulk_create([
            Department(owner=owner, account=account, name=f"部{i}")
            for i in range(draw(st.sampled_from([0, 0, 1, 2])))])
        rows = [None, *departments]
        for row in rows:
            for category in categories:
                for copy in range(draw(st.sampled_from([0, 0, 1, 2]))):
                    cells.append(WhitespaceCell(
                        account=account, department=row, category=category,
                        account_key=account.pk + copy * 100000,
                        department_key=row.pk if row else 0,
                        status=draw(st.sampled_from(STATUSES)),
                        set_at=draw(st.sampled_from([now, now - dt.timedelta(days=1)]))))
        for department in departments:
            for _ in range(draw(st.integers(0, 2))):
                order = Order.objects.create(
                    account=account, department=department, ordered_at=draw(moments(now)),
                    kind=draw(st.sampled_from(["sale", "sale", "return"])), total=100)
                OrderLine.objects.bulk_create([
                    OrderLine(order=order, product=p, unit_price=100)
                    for p in draw(st.lists(st.sampled_from(products), max_size=2))])
    Score.objects.bulk_create(scores)
    WhitespaceCell.objects.bulk_create(cells)


@st.composite
def score_or_whitespace(draw: st.DrawFn) -> dict[str, Any]:
    spec = entity_spec("account")
    fields = {name: f for name, f in custom_fields(spec).items() if f.scorecard_id}
    if draw(st.integers(0, 3)) == 0:
        return {"aggregate": "whitespace_open_cells",
                "op": draw(st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte"])),
                "value": draw(st.integers(0, 9))}
    field = fields[draw(st.sampled_from(sorted(fields)))]
    op = draw(st.sampled_from([op for op in OPS_BY_TYPE[field.type] if op != "month_in_next"]))
    raw: dict[str, Any] = {"field": field.name, "op": op}
    if op in NO_VALUE_OPS:
        return raw
    one = st.sampled_from(field.choices) if field.choices else st.sampled_from(TOTALS)
    raw["value"] = draw(st.lists(one, min_size=1, max_size=3)) if op in ("in", "not_in") \
        else draw(one)
    return raw


@settings(max_examples=40, deadline=None, report_multiple_bugs=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_score_and_whitespace_conditions_match_the_reference(cards, data) -> None:  # type: ignore[no-untyped-def]
    now = data.draw(NOWS, label="now")
    with transaction.atomic():
        data.draw(build(cards, now))
        data.draw(extra(cards, now))
        records = load("account")
        leaves = data.draw(st.lists(score_or_whitespace(), min_size=10, max_size=10),
                           label="tests")
        mixed = data.draw(st.lists(conditions("account").flatmap(
            lambda other: score_or_whitespace().map(
                lambda mine: {"any": [other, {"not": mine}]})), min_size=3, max_size=3),
            label="mixed")
        for raw in [*leaves, *({"not": leaf} for leaf in leaves), *mixed]:
            node = parse_condition(raw, "account")
            got = set(matching(node, "account", clock=Clock.at(now))
                      .values_list("pk", flat=True))
            assert got == select(records, node, now), raw
        transaction.set_rollback(True)
