"""Effectiveness of judgment criteria on a constructed example with exact expected figures:
alerts fired / acted on / days to act / outcomes, orders and net revenue in the window after
firing for acted-on vs not-acted-on alerts and for records that did not fire (0203); accounts
through their departments' orders and contacts through their account; the page and the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.actions import services
from kizuna.actions.effectiveness import measure, median_of
from kizuna.actions.models import Alert, Criterion
from kizuna.commerce.models import Order
from kizuna.customers.models import Department
from kizuna.customers.services import create_account, create_contact, create_customer
from tests.actions.conftest import TOKYO, buy


def jst(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


NOW = jst(6, 30, 12)


@pytest.fixture
def example(team, make_criterion):  # type: ignore[no-untyped-def]
    """Customers A–D and H in Tokyo (alerted), E–G in Osaka (never alerted).

    Run 1 on 5/1 alerts A and B; run 2 on 5/10 alerts C and D (A and B are in the quiet
    period); revision 2 of the rule runs on 6/20 and alerts H. A is done on 5/3 ("order"),
    B on 6/15 (after its 30-day window, "not needed"), C the day it fired ("order"), H the
    day after ("proposal made"); D stays open.
    """
    rep, manager = team["rep"], team["manager"]

    def customer(name: str, pref: str) -> Any:
        return create_customer(actor=rep, family_name=name, prefecture=pref, team=team["team"])

    people = {n: customer(n, "東京都") for n in "AB"}
    people |= {n: customer(n, "大阪府") for n in "EFG"}
    criterion = make_criterion(manager, cooldown_days=365)
    services.run_criterion(criterion=criterion, now=jst(5, 1))
    people |= {n: customer(n, "東京都") for n in "CD"}
    services.run_criterion(criterion=criterion, now=jst(5, 10))
    criterion = services.update_criterion(actor=manager, criterion=criterion,
                                          expected_version=criterion.version,
                                          next_step="訪問する")
    people["H"] = customer("H", "東京都")
    services.run_criterion(criterion=criterion, now=jst(6, 20))

    def done(name: str, when: dt.datetime, outcome: str) -> None:
        Alert.objects.filter(customer=people[name]).update(
            status="done", acted_at=when, acted_by=rep, outcome_code=outcome)

    done("A", jst(5, 3, 10), "order")
    done("B", jst(6, 15), "not_needed")
    done("C", jst(5, 10, 18), "order")
    done("H", jst(6, 21), "proposal_made")

    # A: in its window 5/1–5/30: 10,000 + 5,000 (5/30 23:30) − 2,000 returned; 5/31 00:10 is out.
    buy(people["A"], jst(5, 5), total=10_000)
    buy(people["A"], jst(5, 20), total=-2_000, kind="return")
    buy(people["A"], jst(5, 30, 23, 30), total=5_000)
    buy(people["A"], jst(5, 31, 0, 10), total=7_000)
    buy(people["B"], jst(4, 30), total=4_000)  # before its alert
    buy(people["C"], jst(5, 10, 20), total=8_000)  # the evening of the day it fired
    buy(people["D"], jst(6, 8, 23), total=3_000)  # the last day of 5/10–6/8
    buy(people["H"], jst(6, 25), total=1_000)  # window not over yet
    # Never alerted: E in both windows, G only in 5/1–5/30, F only in 5/10–6/8 (net 8,000).
    buy(people["E"], jst(5, 15), total=6_000)
    buy(people["G"], jst(5, 2), total=1_200)
    buy(people["F"], jst(6, 5), total=9_000)
    buy(people["F"], jst(6, 5, 15), total=-1_000, kind="return")
    buy(people["G"], jst(7, 1), total=50_000)  # after every window
    return Criterion.objects.get(pk=criterion.pk)


def test_figures_of_a_criterion(example) -> None:  # type: ignore[no-untyped-def]
    [effect] = measure([example], window=30, now=NOW)
    assert (effect.fired, effect.acted, effect.open, effect.complete) == (5, 4, 1, 4)
    assert effect.median_days_to_act == 1.5  # 0, 1, 2, 45 days
    assert effect.outcomes == {"order": 2, "not_needed": 1, "proposal_made": 1}
    # Acted on within the window: A and C.
    acted = effect.acted_result
    assert (acted.records, acted.with_order, acted.orders, acted.revenue) == (2, 2, 3, 21_000)
    assert acted.revenue_per_record == 10_500 and acted.orders_per_record == 1.5
    # Not acted on: B (done after its window) and D (open).
    ignored = effect.ignored_result
    assert (ignored.records, ignored.with_order, ignored.orders, ignored.revenue) == (
        2, 1, 1, 3_000)
    assert ignored.revenue_per_record == 1_500
    assert effect.lift_per_record == 9_000
    # Did not fire: E, F, G over the windows from 5/1 (twice) and 5/10 (twice):
    # 5/1–5/30: 2 orders, 7,200; 5/10–6/8: 2 orders, 14,000.
    base = effect.baseline
    assert base is not None and base.population == 3
    assert (base.records, base.orders, base.revenue) == (12, 8, 42_400)
    assert base.revenue_per_record == 3_533 and base.with_order is None
    assert effect.lift_over_baseline == 10_500 - 3_533


def test_figures_per_revision_and_for_a_longer_window(example) -> None:  # type: ignore[no-untyped-def]
    second, first = measure([example], window=30, by_version=True, now=NOW)
    assert (second.version.number, first.version.number) == (2, 1)
    assert (second.fired, second.acted, second.complete, second.median_days_to_act) == (
        1, 1, 0, 1)
    assert second.acted_result.records == 0 and second.baseline is None
    assert (first.fired, first.acted, first.median_days_to_act) == (4, 3, 2)
    assert first.outcomes == {"order": 2, "not_needed": 1}
    assert first.acted_result.revenue == 21_000 and first.baseline.revenue == 42_400

    [longer] = measure([example], window=60, now=NOW)
    assert longer.complete == 2  # only the 5/1 alerts have had 60 days
    # B was done on 6/15, inside its 60-day window: both acted on; A bought 3 times (20,000).
    acted = longer.acted_result
    assert (acted.records, acted.with_order, acted.orders, acted.revenue) == (2, 1, 3, 20_000)
    assert longer.ignored_result.records == 0 and longer.lift_per_record is None
    # E 6,000 + G 1,200 + F 8,000 in 5/1–6/29, twice (A and B), over 3 records.
    assert (longer.baseline.records, longer.baseline.orders, longer.baseline.revenue) == (
        6, 6, 30_400)
    with pytest.raises(ValueError, match="window"):
        measure([example], window=45)


def test_accounts_count_their_departments_orders_and_contacts_their_accounts(
        team, make_criterion) -> None:  # type: ignore[no-untyped-def]
    rep, manager = team["rep"], team["manager"]
    tokyo = create_account(actor=rep, name="東京商事", prefecture="東京都", team=team["team"])
    osaka = create_account(actor=rep, name="大阪商事", prefecture="大阪府", team=team["team"])
    department = Department.objects.create(account=tokyo, name="購買部", owner=rep)
    create_contact(actor=rep, account=tokyo, family_name="山田", team=team["team"])
    create_contact(actor=rep, account=osaka, family_name="佐藤", team=team["team"])
    create_contact(actor=rep, account=osaka, family_name="鈴木", team=team["team"])
    accounts = make_criterion(manager, entity="account")
    contacts = make_criterion(manager, name="東京の担当者", entity="contact",
                              condition={"field": "account.prefecture", "op": "eq",
                                         "value": "東京都"})
    services.run_criterion(criterion=accounts, now=jst(5, 1))
    services.run_criterion(criterion=contacts, now=jst(5, 1))
    Order.objects.create(account=tokyo, department=department, ordered_at=jst(5, 2),
                         total=30_000)
    buy(tokyo, jst(5, 3), total=20_000)
    buy(osaka, jst(5, 4), total=9_000)
    by_account, by_contact = measure([accounts, contacts], now=NOW)
    assert (by_account.fired, by_account.ignored_result.orders,
            by_account.ignored_result.revenue) == (1, 2, 50_000)
    assert (by_account.baseline.population, by_account.baseline.revenue) == (1, 9_000)
    assert (by_contact.fired, by_contact.ignored_result.revenue) == (1, 50_000)
    # Two contacts of Osaka never fired: each stands for its account's orders.
    assert (by_contact.baseline.population, by_contact.baseline.records,
            by_contact.baseline.revenue) == (2, 2, 18_000)
    assert by_contact.baseline.revenue_per_record == 9_000


def test_a_few_queries_whatever_the_number_of_alerts(example, team, make_criterion) -> None:  # type: ignore[no-untyped-def]
    other = make_criterion(team["manager"], name="別の基準")
    services.run_criterion(criterion=other, now=jst(5, 1))
    with CaptureQueriesContext(connection) as one:
        measure([example], now=NOW)
    with CaptureQueriesContext(connection) as two:
        measure([example, other], now=NOW)
    # Grouped queries plus two per criterion for its baseline; nothing per alert.
    assert len(two) - len(one) <= 2


def test_median_of_a_histogram() -> None:
    assert median_of({}) is None
    assert median_of({3: 1}) == 3
    assert median_of({0: 1, 1: 1, 2: 1, 45: 1}) == 1.5
    assert median_of({1: 5, 10: 1}) == 1
    assert median_of({2: 2, 4: 2}) == 3


def test_the_page_lists_criteria_side_by_side_and_retires_one(
        example, team, make_criterion, client_for) -> None:  # type: ignore[no-untyped-def]
    idle = make_criterion(team["manager"], name="まだ動いていない基準")
    client = client_for(team["manager"])
    page = client.get("/criteria/effectiveness/?window=60").content.decode()
    assert page.count('data-testid="effect-row"') == 2
    assert example.name in page and idle.name in page
    assert 'value="60" selected' in page
    assert client_for(team["rep"]).get("/criteria/effectiveness/").status_code == 403
    detail = client.get(f"/criteria/{example.pk}/effectiveness/").content.decode()
    # Today every window of the example is over: A, C and H acted on (13,000 + 8,000 + 1,000).
    assert detail.count('data-testid="version-row"') == 2 and "¥22,000" in detail
    answer = client.post(f"/criteria/{example.pk}/toggle/", {
        "enabled": "0", "version": example.version, "next": "effectiveness"})
    assert answer.status_code == 302 and answer["Location"] == "/criteria/effectiveness/"
    example.refresh_from_db()
    assert not example.enabled


def test_the_api(example, team, client_for) -> None:  # type: ignore[no-untyped-def]
    from kizuna.core.services import create_api_token

    _token, secret = create_api_token(actor=team["manager"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client = client_for(team["manager"])
    answer = client.get("/api/v1/actions/effectiveness?window=30", **headers)
    assert answer.status_code == 200, answer.content
    [row] = [r for r in answer.json()["criteria"] if r["criterion_id"] == example.pk]
    assert (row["fired"], row["acted"], row["median_days_to_act"]) == (5, 4, 1.5)
    # Today every window is over (H's too): A, C, H acted on; did not fire adds G's 50,000 on
    # 7/1 in H's window from 6/20: (2 × 7,200 + 2 × 14,000 + 50,000) / (5 × 3) = 6,160.
    assert row["acted_on"]["revenue"] == 22_000 and row["complete"] == 5
    assert row["did_not_fire"]["revenue_per_record"] == 6_160
    answer = client.get(f"/api/v1/actions/criteria/{example.pk}/effectiveness", **headers)
    body = json.loads(answer.content)
    assert [v["revision"] for v in body["revisions"]] == [2, 1]
    assert body["criterion"]["fired"] == 5
    rep_token = create_api_token(actor=team["rep"], name="r")[1]
    answer = client.get("/api/v1/actions/effectiveness",
                        HTTP_AUTHORIZATION=f"Bearer {rep_token}")
    assert answer.status_code == 403
