"""Product and order lists: full page and htmx fragment, filters, kana search, access, queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kizuna.commerce.models import Channel, Product
from kizuna.commerce.services import LineInput, create_master, place_order, record_return
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_customer


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def build(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return build


@pytest.fixture
def product(admin_user) -> Product:  # type: ignore[no-untyped-def]
    return create_master(actor=admin_user, model=Product, code="TEA-01", name="緑茶",
                         category="飲料", list_price=1500, unit_cost=600)


def test_product_list_page_fragment_search_and_cost_for_managers(
        make_user, client_for, product, admin_user) -> None:  # type: ignore[no-untyped-def]
    create_master(actor=admin_user, model=Product, code="CUP-01", name="湯呑み", active=False)
    manager = client_for(make_user(Role.MANAGER))
    page = manager.get("/products/")
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert "¥1,500" in html and "¥600" in html
    fragment = manager.get("/products/", {"q": "緑"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "緑茶" in fragment and "湯呑み" not in fragment
    inactive = manager.get("/products/", {"active": "0"}, HTTP_HX_REQUEST="true")
    assert "湯呑み" in inactive.content.decode() and "緑茶" not in inactive.content.decode()
    member = client_for(make_user()).get("/products/").content.decode()
    assert "¥1,500" in member and "¥600" not in member


def test_order_list_filters_search_and_access(make_user, client_for, product) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    ec = Channel.objects.create(code="ec", name="ECサイト")
    yamada = create_customer(actor=alice, family_name="山田", family_name_kana="ヤマダ")
    company = create_account(actor=alice, name="鈴木商事", name_kana="スズキショウジ")
    hidden = create_customer(actor=bob, family_name="秘密")
    day = dt.datetime(2025, 4, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    sale = place_order(actor=alice, customer=yamada, ordered_at=day, number="W-1", channel=ec,
                       lines=[LineInput(product=product, quantity=2)])
    place_order(actor=alice, account=company, ordered_at=day + dt.timedelta(days=10),
                number="B-1", lines=[LineInput(product=product, quantity=1)])
    record_return(actor=alice, original=sale, returned_at=day + dt.timedelta(days=3),
                  lines=[LineInput(product=product, quantity=1)])
    place_order(actor=bob, customer=hidden, ordered_at=day, number="S-1",
                lines=[LineInput(product=product, quantity=1)])
    client = client_for(alice)

    def rows(**params: object) -> int:
        response = client.get("/orders/", params, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "<html" not in response.content.decode()
        return response.content.decode().count('data-testid="order-row"')

    page = client.get("/orders/").content.decode()
    assert "<html" in page and "¥3,000" in page and "-¥1,500" in page and "秘密" not in page
    assert rows() == 3
    for word in ("山田", "やまだ", "ﾔﾏﾀﾞ"):
        assert rows(q=word) == 2  # the sale and its return
    assert rows(q="すずき") == 1 and rows(q="W-1") == 1
    assert rows(channel=ec.pk) == 2  # the return keeps the sale's channel
    assert rows(kind="return") == 1
    assert rows(date_from="2025-04-02", date_to="2025-04-04") == 1
    assert rows(date_to="2025-04-01") == 1
    newest = client.get("/orders/", HTTP_HX_REQUEST="true").content.decode()
    assert newest.index("B-1") < newest.index("W-1")
    oldest = client.get("/orders/", {"sort": "oldest"}, HTTP_HX_REQUEST="true").content.decode()
    assert oldest.index("W-1") < oldest.index("B-1")


def test_order_list_query_count_does_not_grow(make_user, client_for, product) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    customer = create_customer(actor=rep, family_name="数")
    account = create_account(actor=rep, name="数社")
    client = client_for(rep)
    place_order(actor=rep, customer=customer, ordered_at=timezone.now(),
                lines=[LineInput(product=product, quantity=1)])
    with CaptureQueriesContext(connection) as one:
        client.get("/orders/")
    for _ in range(10):
        place_order(actor=rep, customer=customer, ordered_at=timezone.now(),
                    lines=[LineInput(product=product, quantity=1)])
        place_order(actor=rep, account=account, ordered_at=timezone.now(),
                    lines=[LineInput(product=product, quantity=1)])
    with CaptureQueriesContext(connection) as many:
        client.get("/orders/")
    assert len(many) == len(one), [q["sql"] for q in many]
