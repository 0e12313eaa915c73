"""Customer value pages: RFM segments and movement, cohorts and second purchase by channel, on a
constructed set of D2C customers and orders with hand-computed figures."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from kizuna.commerce.models import Channel, Order, OrderKind
from kizuna.commerce.services import create_master
from kizuna.core.models import Role
from kizuna.customers.services import create_customer
from kizuna.tabular import open_table

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
AS_OF = "2026-03-31"


def jst(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


@pytest.fixture
def manager(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MANAGER)


@pytest.fixture
def shop(manager):  # type: ignore[no-untyped-def]
    """Six customers. As of 2026-03-31 (n = 5 buyers; F's only order was returned in full):

    ====  =======================  ===  ===  ===============
    who   purchase days (Tokyo)    R    F    segment
    ====  =======================  ===  ===  ===============
    A     01-10, 02-10, 03-30      5    5    champions
    B     03-20, 03-25             3    3    need_attention
    C     03-28                    4    1    promising
    D     01-05 (+ 04-01 Tokyo)    1    1    lost
    E     2025-12-01, 01-20        2    3    at_risk
    ====  =======================  ===  ===  ===============
    """
    ec = create_master(actor=manager, model=Channel, code="ec", name="EC")
    store = create_master(actor=manager, model=Channel, code="store", name="店舗")
    people = {}
    for key, channel in [("A", ec), ("B", ec), ("C", store), ("D", store), ("E", None),
                         ("F", ec)]:
        people[key] = create_customer(actor=manager, family_name=f"顧客{key}", source="t",
                                      external_id=key, acquisition_channel=channel)

    def order(key: str, when: dt.datetime, total: int) -> Order:
        return Order.objects.create(customer=people[key], ordered_at=when, total=total)

    def refund(original: Order, total: int) -> None:
        Order.objects.create(customer=original.customer, ordered_at=original.ordered_at
                             + dt.timedelta(days=3), total=total, kind=OrderKind.RETURN,
                             original=original)

    order("A", jst("2026-01-10"), 1000)
    order("A", jst("2026-02-10"), 2000)
    order("A", jst("2026-03-30"), 3000)
    order("B", jst("2026-03-20"), 5000)
    order("B", jst("2026-03-25"), 5000)
    order("C", jst("2026-03-28"), 8000)
    order("D", jst("2026-01-05"), 500)
    # 2026-03-31 15:30 UTC is April 1st in Tokyo: after the as-of date.
    order("D", dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC), 9999)
    order("E", jst("2025-12-01"), 3000)
    refund(order("E", jst("2026-01-20"), 2000), -1000)
    refund(order("F", jst("2026-02-01"), 5000), -5000)
    return people


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _segment_counts(html: str) -> dict[str, int]:
    rows = re.findall(r'data-segment="(\w+)">.*?data-testid="segment-count">(\d+)<', html, re.S)
    return {key: int(n) for key, n in rows}


def _json(html: str, name: str) -> dict:  # type: ignore[type-arg]
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html,
                      re.S)
    assert match, name
    return json.loads(match.group(1))


def test_rfm_segments_movement_and_drill_down(manager, shop) -> None:  # type: ignore[no-untyped-def]
    client = _client(manager)
    response = client.get(f"/analytics/rfm/?as_of={AS_OF}&compare=2026-02-28")
    assert response.status_code == 200
    html = response.content.decode()
    counts = _segment_counts(html)
    assert {k: n for k, n in counts.items() if n} == {
        "champions": 1, "need_attention": 1, "promising": 1, "lost": 1, "at_risk": 1}
    assert len(counts) == 11
    chart = _json(html, "rfm-chart-data")
    assert sum(chart["customers"]) == 5
    # Revenue 6000 + 10000 + 8000 + 500 + 4000 (E's return netted, F's refunded in full).
    shares = dict(zip(chart["keys"], chart["revenue_share"], strict=True))
    assert shares["need_attention"] == round(10000 / 28500 * 100, 1)
    assert shares["lost"] == round(500 / 28500 * 100, 1)
    # Movement from 2026-02-28 (A, D, E bought by then; F's order was returned).
    movement = re.search(r'data-testid="movement-table">(.*?)</table>', html, re.S).group(1)
    cells = {}
    header = re.findall(r"<th class=\"num\">(.*?)</th>", movement)
    assert header[0] == "優良顧客"  # Japanese labels by default
    for key, body in re.findall(r'<tr data-from="(\w+)">(.*?)</tr>', movement, re.S):
        values = re.findall(r'<td class="num">(\d*)</td>', body)
        cells[key] = {i: int(v) for i, v in enumerate(values) if v}
    keys = ["champions", "loyal", "potential_loyalist", "new", "promising", "need_attention",
            "about_to_sleep", "at_risk", "cannot_lose", "hibernating", "lost"]
    to = {key: i for i, key in enumerate(keys)}
    assert {k: v for k, v in cells.items() if v} == {
        "none": {to["promising"]: 1, to["need_attention"]: 1},
        "potential_loyalist": {to["champions"]: 1},
        "hibernating": {to["at_risk"]: 1},
        "lost": {to["lost"]: 1},
    }
    # Drill-down: the champions are A.
    drill = client.get(f"/analytics/rfm/segment/?segment=champions&as_of={AS_OF}")
    assert drill.status_code == 200
    assert re.findall(r'data-testid="segment-customer"><td><a[^>]*>(.*?)</a>',
                      drill.content.decode()) == [str(shop["A"])]
    assert client.get("/analytics/rfm/segment/?segment=nope").status_code == 404


def test_rfm_export(manager, shop) -> None:  # type: ignore[no-untyped-def]
    response = _client(manager).get(f"/analytics/rfm/export/?as_of={AS_OF}&format=xlsx")
    assert response.status_code == 200
    rows = list(open_table(response.content))
    by_key = {values[0]: values for _line, values in rows}  # after the header
    assert len(by_key) == 11
    assert int(by_key["need_attention"][2]) == 1
    assert int(by_key["need_attention"][3]) == 10000


def test_cohorts_retention_repeat_and_channels(manager, shop) -> None:  # type: ignore[no-untyped-def]
    client = _client(manager)
    response = client.get(f"/analytics/cohorts/?as_of={AS_OF}")
    assert response.status_code == 200
    html = response.content.decode()
    data = _json(html, "cohort-data")
    # February 2026 acquired nobody: no row.
    assert data["cohorts"] == ["2025-12-01", "2026-01-01", "2026-03-01"]
    assert data["size"] == [1, 2, 2]
    assert data["retention"] == [[1.0, 1.0, 0.0, 0.0],
                                 [1.0, 0.5, 0.5, None],
                                 [1.0, None, None, None]]
    assert data["repeat_rate"] == [1.0, 0.5, 0.5]
    assert re.findall(r'data-testid="repeat-rate">(.*?)<', html) == ["100.0%", "50.0%", "50.0%"]
    # Unknown cells are blank, without a background.
    row = re.search(r'data-cohort="2026-03">(.*?)</tr>', html, re.S).group(1)
    assert row.count('<td class="num"></td>') == 3
    channels = re.findall(r'data-channel="([^"]*)">.*?<td class="num">(\d+)</td>'
                          r'<td class="num">(\d+)</td>', html, re.S)
    assert channels == [("EC", "2", "2"), ("店舗", "2", "0"), ("", "1", "1")]
    export = client.get(f"/analytics/cohorts/export/?as_of={AS_OF}&format=csv")
    assert export.status_code == 200
    rows = list(open_table(export.content))
    assert [values[:3] for _line, values in rows] == [
        ["2025-12", "1", "1.0"], ["2026-01", "2", "0.5"], ["2026-03", "2", "0.5"]]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_only_managers_and_administrators(make_user, shop, role) -> None:  # type: ignore[no-untyped-def]
    client = _client(make_user(role))
    for url in ["/analytics/rfm/", "/analytics/rfm/export/", "/analytics/cohorts/",
                "/analytics/cohorts/export/", "/analytics/rfm/segment/?segment=lost"]:
        assert client.get(url).status_code == 403, url
    assert "/analytics/rfm/" not in client.get("/").content.decode()


def test_administrator_sees_the_nav_entry(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = _client(admin_user)
    assert client.get("/analytics/rfm/").status_code == 200
    assert 'href="/analytics/rfm/"' in client.get("/").content.decode()


def test_labels_follow_the_language(manager, shop) -> None:  # type: ignore[no-untyped-def]
    client = _client(manager)
    ja = client.get(f"/analytics/rfm/?as_of={AS_OF}", HTTP_ACCEPT_LANGUAGE="ja")
    assert "優良顧客" in _json(ja.content.decode(), "rfm-chart-data")["labels"]
    client.cookies["django_language"] = "en"
    en = client.get(f"/analytics/rfm/?as_of={AS_OF}", HTTP_ACCEPT_LANGUAGE="en")
    labels = _json(en.content.decode(), "rfm-chart-data")["labels"]
    assert labels[0] == "Champions" and "優良顧客" not in labels


def test_empty_database(manager) -> None:  # type: ignore[no-untyped-def]
    client = _client(manager)
    assert client.get("/analytics/rfm/").status_code == 200
    response = client.get("/analytics/cohorts/")
    assert response.status_code == 200
    assert 'data-testid="no-cohorts"' in response.content.decode()
