"""Order and product lists export to files that import back unchanged."""

from __future__ import annotations

import pytest
from django.test import Client

from kizuna.commerce.models import Order, OrderLine
from kizuna.core.imports import import_file
from kizuna.core.models import Role
from kizuna.tabular import open_table
from tests.commerce.test_imports import ORDER_HEADER, _customer, table

pytestmark = pytest.mark.django_db

@pytest.fixture
def manager(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MANAGER)

@pytest.fixture
def orders(manager):  # type: ignore[no-untyped-def]

    from kizuna.commerce.models import Campaign, Channel, Product
    from kizuna.commerce.services import create_master

    create_master(actor=manager, model=Product, code="TEA-01", name="煎茶", list_price=1080,
                  unit_cost=400)
    create_master(actor=manager, model=Product, code="CUP-01", name="湯呑み", list_price=2200,
                  unit_cost=900)
    create_master(actor=manager, model=Channel, code="ec", name="ECサイト")
    create_master(actor=manager, model=Campaign, code="SUMMER26", name="夏の感謝祭")
    _customer(manager, "C1")
    _customer(manager, "C2")
    data = table(ORDER_HEADER, [
        ["A-1", "2026/7/1", "C1", "ec", "SUMMER26", "TEA-01", "2", "1,080円", "", "500", "300",
         ""],
        ["A-1", "", "C1", "", "", "CUP-01", "1", "2,200", "▲200", "", "", ""],
        ["A-2", "令和8年7月2日", "C2", "ec", "", "TEA-01", "1", "1080", "", "0", "0", "100"],
    ])
    result, _ = import_file(actor=manager, kind="orders", data=data, source="ec")
    assert result.imported == 2, result.errors
    return result

@pytest.mark.parametrize("fmt", ["csv", "csv-cp932", "xlsx"])
def test_orders_export_imports_back_unchanged(manager, orders, fmt: str) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(manager)
    response = client.get(f"/orders/export/?format={fmt}")
    assert response.status_code == 200
    table_ = open_table(response.content)
    assert len(list(table_)) == OrderLine.objects.count() == 3
    before = list(Order.objects.values_list("pk", "total", "version"))
    result, _ = import_file(actor=manager, kind="orders", data=response.content, source="ec")
    assert (result.imported, result.updated, result.unchanged, result.rejected) == (0, 0, 2, 0), \
        result.errors
    assert list(Order.objects.values_list("pk", "total", "version")) == before

def test_order_export_keeps_the_list_filters(manager, orders) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(manager)
    text = client.get("/orders/export/?format=csv&date_from=2026-07-02").content.decode(
        "utf-8-sig")
    assert "A-2" in text and "A-1" not in text

def test_product_costs_are_exported_only_to_master_editors(manager, orders, make_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(manager)
    header = client.get("/products/export/").content.decode("utf-8-sig").splitlines()[0]
    member = make_user(Role.MEMBER)
    client.force_login(member)
    member_header = client.get("/products/export/").content.decode(
        "utf-8-sig").splitlines()[0]
    assert len(member_header.split(",")) == len(header.split(",")) - 1
