"""Commerce API: masters (managers write, everyone reads) and orders with returns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kizuna.commerce.models import Campaign, Channel, Medium, Order, OrderKind, Product
from kizuna.commerce.services import LineInput, create_master, place_order
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_customer, create_department
from tests.customers.test_api import (
    assert_field_error,
    assert_same_queries_for_2_and_20,
    client_for,
)

TOKYO = dt.timezone(dt.timedelta(hours=9))
WHEN = dt.datetime(2026, 7, 10, 14, 0, tzinfo=TOKYO)


@pytest.fixture
def shop(make_user):  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    tea = create_master(actor=manager, model=Product, code="TEA-01", name="静岡煎茶 100g",
                        category="お茶", list_price=1_080, unit_cost=400)
    cup = create_master(actor=manager, model=Product, code="CUP-01", name="湯呑み",
                        category="器", list_price=2_200, unit_cost=900)
    ec = create_master(actor=manager, model=Channel, code="ec", name="ECサイト")
    return manager, tea, cup, ec


# --- masters -------------------------------------------------------------------------------------

MASTERS = [
    ("products", Product, {"code": "P-1", "name": "抹茶", "category": "お茶",
                           "list_price": 3_240, "unit_cost": 1_000, "recurring": True}),
    ("channels", Channel, {"code": "store", "name": "店舗"}),
    ("media", Medium, {"code": "paper", "name": "新聞折込"}),
    ("campaigns", Campaign, {"code": "summer", "name": "夏の感謝祭", "cost": 500_000,
                             "starts_on": "2026-07-01", "ends_on": "2026-08-31"}),
]


@pytest.mark.parametrize(("path", "model", "data"), MASTERS)
def test_master_crud_by_manager(make_user, path, model, data) -> None:  # type: ignore[no-untyped-def]
    call = client_for(make_user(Role.MANAGER))
    created = call("post", f"/{path}", data)
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in data} == data and body["active"] is True
    pk = body["id"]
    assert call("get", f"/{path}/{pk}").json() == body
    assert [m["id"] for m in call("get", f"/{path}").json()["items"]] == [pk]
    assert [m["id"] for m in call("get", f"/{path}", {"q": data["code"]}).json()["items"]] == [pk]
    assert call("get", f"/{path}", {"active": False}).json()["count"] == 0

    patched = call("patch", f"/{path}/{pk}", {"version": 1, "active": False})
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert call("patch", f"/{path}/{pk}", {"version": 1, "name": "x"}).status_code == 409
    assert_field_error(call("post", f"/{path}", data), "code")  # codes are unique
    assert call("delete", f"/{path}/{pk}?version=1").status_code == 409
    assert call("delete", f"/{path}/{pk}?version=2").status_code == 204
    assert call("get", f"/{path}/{pk}").status_code == 404
    assert not model.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_only_managers_change_masters(make_user, shop, role) -> None:  # type: ignore[no-untyped-def]
    _manager, tea, _cup, _ec = shop
    call = client_for(make_user(role))
    assert call("get", f"/products/{tea.pk}").status_code == 200  # everyone reads masters
    assert call("post", "/products", {"code": "X", "name": "x"}).status_code == 403
    assert call("patch", f"/products/{tea.pk}", {"version": 1, "name": "x"}).status_code == 403
    assert call("delete", f"/products/{tea.pk}?version=1").status_code == 403
    assert Product.objects.get(pk=tea.pk).name == "静岡煎茶 100g"


def test_product_money_is_integer_yen(make_user) -> None:  # type: ignore[no-untyped-def]
    call = client_for(make_user(Role.MANAGER))
    assert_field_error(call("post", "/products", {"code": "F", "name": "小数",
                                                  "list_price": 10.5}), "list_price")
    assert_field_error(call("post", "/products", {"code": "N", "name": "負",
                                                  "list_price": -1}), "list_price")


def test_campaign_links_a_medium_and_product_filter(make_user) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    call = client_for(manager)
    paper = create_master(actor=manager, model=Medium, code="paper", name="新聞")
    body = call("post", "/campaigns", {"code": "c1", "name": "秋", "medium_id": paper.pk}).json()
    assert body["medium_id"] == paper.pk
    assert call("get", "/campaigns", {"medium_id": paper.pk}).json()["count"] == 1
    assert call("post", "/campaigns", {"code": "c2", "name": "x",
                                       "medium_id": 999_999}).status_code == 404
    create_master(actor=manager, model=Product, code="A", name="茶", category="お茶")
    create_master(actor=manager, model=Product, code="B", name="器", category="器")
    assert [p["code"] for p in call("get", "/products",
                                    {"category": "器"}).json()["items"]] == ["B"]


def test_master_in_use_cannot_be_deleted(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, ec = shop
    customer = create_customer(actor=manager, family_name="山田")
    place_order(actor=manager, customer=customer, channel=ec, ordered_at=WHEN,
                lines=[LineInput(tea, 1)])
    response = client_for(manager)("delete", f"/products/{tea.pk}?version=1")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Product.objects.filter(pk=tea.pk).exists()


# --- orders --------------------------------------------------------------------------------------


def test_place_order_computes_totals_server_side(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, cup, ec = shop
    customer = create_customer(actor=manager, family_name="山田")
    call = client_for(manager)
    response = call("post", "/orders", {
        "customer_id": customer.pk, "channel_id": ec.pk, "ordered_at": WHEN.isoformat(),
        "discount": 100, "shipping_fee": 550, "fulfilment_cost": 700, "number": "A-001",
        "total": 1,  # ignored: the total is computed, never typed
        "lines": [{"product_id": tea.pk, "quantity": 3},
                  {"product_id": cup.pk, "quantity": 1, "unit_price": 2_000, "discount": 200}],
    })
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["total"] == 3 * 1_080 + (2_000 - 200) - 100 + 550
    assert isinstance(order["total"], int)
    assert [(li["product_code"], li["quantity"], li["unit_price"], li["amount"],
             li["cost_of_goods"]) for li in order["lines"]] == [
        ("TEA-01", 3, 1_080, 3_240, 1_200), ("CUP-01", 1, 2_000, 1_800, 900)]
    assert order["ordered_at"] == "2026-07-10T14:00:00+09:00"
    assert order["kind"] == "sale" and order["customer_id"] == customer.pk
    assert call("get", f"/orders/{order['id']}").json() == order


def test_order_needs_exactly_one_visible_buyer(shop, make_user) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, _ec = shop
    call = client_for(manager)
    line = [{"product_id": tea.pk, "quantity": 1}]
    assert_field_error(call("post", "/orders", {"lines": line}), "__all__")
    assert_field_error(call("post", "/orders", {"customer_id": None, "lines": []}), "lines")
    stranger_customer = create_customer(actor=make_user(), family_name="他人")
    assert call("post", "/orders", {"customer_id": stranger_customer.pk,
                                    "lines": line}).status_code == 404
    own = create_customer(actor=manager, family_name="自分")
    assert call("post", "/orders", {"customer_id": own.pk, "lines": [
        {"product_id": 999_999, "quantity": 1}]}).status_code == 404
    assert_field_error(call("post", "/orders", {"customer_id": own.pk, "lines": [
        {"product_id": tea.pk, "quantity": 0}]}), "lines.0.quantity")
    assert not Order.objects.exists()


def test_account_order_with_department(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, _ec = shop
    account = create_account(actor=manager, name="山田製作所")
    department = create_department(actor=manager, account=account, name="購買部")
    other = create_account(actor=manager, name="別会社")
    call = client_for(manager)
    body = call("post", "/orders", {"account_id": account.pk, "department_id": department.pk,
                                    "lines": [{"product_id": tea.pk, "quantity": 2}]})
    assert body.status_code == 201
    assert body.json()["department_id"] == department.pk and body.json()["total"] == 2_160
    assert_field_error(call("post", "/orders", {"account_id": other.pk,
                                                "department_id": department.pk,
                                                "lines": [{"product_id": tea.pk,
                                                           "quantity": 1}]}), "department")


def test_order_list_filters_and_visibility(shop, make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, _ec = shop
    team = make_team()
    member = make_user(Role.MEMBER, teams=[team])
    colleague = make_user(Role.MEMBER, teams=[team])
    mine = create_customer(actor=member, family_name="自分の客")
    shared = create_customer(actor=colleague, family_name="共有客", team=team)
    hidden = create_customer(actor=manager, family_name="見えない客")
    account = create_account(actor=member, name="取引先")
    orders = {
        "mine": place_order(actor=member, customer=mine, ordered_at=WHEN,
                            lines=[LineInput(tea, 1)]),
        "account": place_order(actor=member, account=account,
                               ordered_at=WHEN + dt.timedelta(days=2), lines=[LineInput(tea, 1)]),
        "shared": place_order(actor=colleague, customer=shared, ordered_at=WHEN,
                              lines=[LineInput(tea, 1)]),
        "hidden": place_order(actor=manager, customer=hidden, ordered_at=WHEN,
                              lines=[LineInput(tea, 1)]),
    }
    call = client_for(member)

    def ids(**params: object) -> set[int]:
        return {o["id"] for o in call("get", "/orders", params).json()["items"]}

    assert ids() == {orders["mine"].pk, orders["account"].pk, orders["shared"].pk}
    assert ids(customer_id=mine.pk) == {orders["mine"].pk}
    assert ids(account_id=account.pk) == {orders["account"].pk}
    assert ids(date_from="2026-07-11") == {orders["account"].pk}
    assert ids(date_to="2026-07-10") == {orders["mine"].pk, orders["shared"].pk}
    assert ids(customer_id=hidden.pk) == set()
    assert call("get", f"/orders/{orders['hidden'].pk}").status_code == 404
    assert call("post", f"/orders/{orders['hidden'].pk}/returns", {
        "lines": [{"product_id": tea.pk, "quantity": 1}]}).status_code == 404
    # A member sees a team-shared customer's orders but orders only for their own buyers.
    assert call("post", "/orders", {"customer_id": shared.pk, "lines": [
        {"product_id": tea.pk, "quantity": 1}]}).status_code == 403


def test_viewer_cannot_place_orders(shop, make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, _ec = shop
    team = make_team()
    manager.teams.add(team)
    customer = create_customer(actor=manager, family_name="共有", team=team)
    order = place_order(actor=manager, customer=customer, ordered_at=WHEN,
                        lines=[LineInput(tea, 2)])
    viewer = client_for(make_user(Role.VIEWER, teams=[team]))
    assert viewer("get", f"/orders/{order.pk}").status_code == 200
    assert viewer("post", "/orders", {"customer_id": customer.pk, "lines": [
        {"product_id": tea.pk, "quantity": 1}]}).status_code == 403
    assert viewer("post", f"/orders/{order.pk}/returns", {
        "lines": [{"product_id": tea.pk, "quantity": 1}]}).status_code == 403
    assert Order.objects.count() == 1


def test_return_and_return_of_more_than_sold(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, cup, _ec = shop
    customer = create_customer(actor=manager, family_name="佐藤")
    order = place_order(actor=manager, customer=customer, ordered_at=WHEN, shipping_fee=550,
                        lines=[LineInput(tea, 3)])
    call = client_for(manager)
    returned = call("post", f"/orders/{order.pk}/returns", {
        "returned_at": (WHEN + dt.timedelta(days=3)).isoformat(),
        "lines": [{"product_id": tea.pk, "quantity": 2}]})
    assert returned.status_code == 201, returned.content
    body = returned.json()
    assert (body["kind"], body["original_id"], body["total"]) == ("return", order.pk, -2_160)
    assert [li["quantity"] for li in body["lines"]] == [-2]

    too_many = call("post", f"/orders/{order.pk}/returns", {
        "lines": [{"product_id": tea.pk, "quantity": 2}]})
    assert too_many.status_code == 422 and too_many.json()["code"] == "validation_error"
    never_sold = call("post", f"/orders/{order.pk}/returns", {
        "lines": [{"product_id": cup.pk, "quantity": 1}]})
    assert never_sold.status_code == 422
    assert Order.objects.filter(kind=OrderKind.RETURN).count() == 1
    assert call("get", f"/orders/{order.pk}").json()["total"] == 3 * 1_080 + 550


def test_order_list_query_count(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, cup, _ec = shop
    customer = create_customer(actor=manager, family_name="常連")
    assert_same_queries_for_2_and_20(
        client_for(manager), "/orders",
        lambda i: place_order(actor=manager, customer=customer,
                              ordered_at=WHEN + dt.timedelta(hours=i),
                              lines=[LineInput(tea, 1), LineInput(cup, 2)]))


def test_master_list_query_count(make_user) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    paper = create_master(actor=manager, model=Medium, code="paper", name="新聞")
    assert_same_queries_for_2_and_20(
        client_for(manager), "/campaigns",
        lambda i: create_master(actor=manager, model=Campaign, code=f"c{i}", name=f"c{i}",
                                medium=paper))


def test_openapi_lists_every_commerce_path(db) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for master in ("products", "channels", "media", "campaigns"):
        assert {"get", "post"} <= set(paths[f"/api/v1/{master}"])
        assert {"get", "patch", "delete"} <= set(paths[f"/api/v1/{master}/{{pk}}"])
    assert {"get", "post"} <= set(paths["/api/v1/orders"])
    assert "get" in paths["/api/v1/orders/{order_id}"]
    assert "post" in paths["/api/v1/orders/{order_id}/returns"]
