"""Churn risk from each customer's own purchase cycle, on constructed histories.

A bulk buyer who stocks up every three months and a frequent buyer who orders every two weeks
both last ordered 50 days ago: only the frequent buyer is overdue (50 > 2 × 14), the bulk buyer
is not (50 < 2 × 91). Plain recency ("no order for 45 days") would flag both.
"""

from __future__ import annotations

import datetime as dt

from kizuna.actions.builtins import examples
from kizuna.actions.compiler import Clock, matching
from kizuna.actions.conditions import parse_condition
from kizuna.customers.services import create_customer
from tests.actions.conftest import TOKYO, buy

NOW = dt.datetime(2026, 10, 31, 12, 0, tzinfo=TOKYO)


def history(rep, name: str, days_ago: list[int], total: int = 3000):  # type: ignore[no-untyped-def]
    customer = create_customer(actor=rep, family_name=name)
    for days in days_ago:
        buy(customer, NOW - dt.timedelta(days=days, hours=2), total=total)
    return customer


def selected(raw: dict) -> set[str]:  # type: ignore[type-arg]
    node = parse_condition(raw, "customer")
    return {str(c) for c in matching(node, "customer", clock=Clock.at(NOW))}




def churn_condition() -> dict:  # type: ignore[type-arg]
    return next(e.condition for e in examples() if e.key == "churn_risk_purchase_cycle")


def test_bulk_buyer_is_not_flagged_like_a_frequent_buyer(team) -> None:  # type: ignore[no-untyped-def]
    rep = team["rep"]
    history(rep, "まとめ買い", [50, 141, 232, 323, 414], total=30000)
    history(rep, "こまめ買い", [50, 64, 78, 92, 106, 120])
    history(rep, "最近も買った", [3, 17, 31, 45])
    history(rep, "二回だけ", [50, 400])  # no cycle from two purchases
    history(rep, "とうに離反", [800, 814, 828, 842])  # gone for over two years: lapsed
    assert selected({"aggregate": "days_since_last_order", "op": "gt", "value": 45}) == {
        "まとめ買い", "こまめ買い", "二回だけ", "とうに離反"}
    assert selected(churn_condition()) == {"こまめ買い"}


def test_median_ignores_one_long_break_and_same_day_orders(team) -> None:  # type: ignore[no-untyped-def]
    rep = team["rep"]
    # Gaps 10, 10, 10, 200 (one long break) → median 10; last order 25 days ago → 2.5 × median.
    history(rep, "長い休み", [25, 35, 45, 55, 255])
    # Two orders on one day are one purchase: gaps 30, 30 → median 30, not 0.
    history(rep, "同日二件", [40, 70, 100, 100])
    assert selected({"aggregate": "purchase_cycle_ratio", "op": "gt", "value": 2}) == {"長い休み"}
    assert selected({"aggregate": "purchase_cycle_ratio", "op": "gte", "value": 1.3}) == {
        "長い休み", "同日二件"}
    assert selected({"aggregate": "purchase_cycle_ratio", "op": "gt", "value": 1.4}) == {"長い休み"}


def test_even_number_of_gaps_takes_the_mean_of_the_middle_two(team) -> None:  # type: ignore[no-untyped-def]
    rep = team["rep"]
    # Gaps 10, 20, 30, 40 → median 25; 50 days since the last order is exactly 2 × median.
    history(rep, "偶数", [50, 60, 80, 110, 150])
    assert selected({"aggregate": "purchase_cycle_ratio", "op": "gte", "value": 2}) == {"偶数"}
    assert selected({"aggregate": "purchase_cycle_ratio", "op": "gt", "value": 2}) == set()
    assert selected({"aggregate": "purchase_cycle_ratio", "min_orders": 6, "op": "gte",
                     "value": 0.1}) == set()


def test_returns_do_not_count_as_purchases(team) -> None:  # type: ignore[no-untyped-def]
    rep = team["rep"]
    customer = history(rep, "返品あり", [60, 74, 88])
    buy(customer, NOW - dt.timedelta(days=5), total=-3000, kind="return")
    assert selected({"aggregate": "purchase_cycle_ratio", "op": "gt", "value": 2}) == {"返品あり"}
