"""Importing the product master and orders (one row per order line) through core.imports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from kizuna.commerce.models import Campaign, Channel, Order, OrderLine, Product
from kizuna.commerce.services import LineInput, create_master, place_order
from kizuna.core.imports import import_file
from kizuna.core.models import LedgerEntry, Role
from kizuna.customers.models import Customer
from kizuna.customers.services import create_account, create_customer, create_department

TOKYO = ZoneInfo("Asia/Tokyo")

ORDER_HEADER = ["注文番号", "注文日", "顧客ID", "販売チャネル", "キャンペーン", "商品コード",
                "数量", "単価", "値引", "送料", "配送費用", "注文値引"]


def table(header: list[str], rows: list[list[str]], encoding: str = "cp932") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    # Messages are compared in the source language; the Japanese ones are the lead's catalogue.
    with translation.override("en"):
        yield


@pytest.fixture
def manager(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MANAGER)


@pytest.fixture
def shop(manager):  # type: ignore[no-untyped-def]
    tea = create_master(actor=manager, model=Product, code="TEA-01", name="静岡煎茶 100g",
                        category="お茶", list_price=1_080, unit_cost=400)
    cup = create_master(actor=manager, model=Product, code="CUP-01", name="湯呑み",
                        category="器", list_price=2_200, unit_cost=900)
    ec = create_master(actor=manager, model=Channel, code="ec", name="ECサイト")
    summer = create_master(actor=manager, model=Campaign, code="SUMMER26", name="夏の感謝祭")
    return tea, cup, ec, summer


def _customer(manager, external_id: str, **fields):  # type: ignore[no-untyped-def]
    return create_customer(actor=manager, family_name="山田", source="ec",
                           external_id=external_id, **fields)


def _import(actor, data: bytes, **options):  # type: ignore[no-untyped-def]
    result, _report = import_file(actor=actor, kind="orders", data=data, source="ec", **options)
    return result


# --- products ------------------------------------------------------------------------------------

PRODUCT_HEADER = ["商品コード", "商品名", "カテゴリ", "定価", "原価", "定期"]


@pytest.mark.django_db
def test_products_are_upserted_by_code(manager, shop) -> None:  # type: ignore[no-untyped-def]
    tea = shop[0]
    data = table(PRODUCT_HEADER, [
        ["TEA-01", "静岡煎茶 100g", "お茶", "1,200円", "￥450", "0"],
        ["SUB-01", "お茶の定期便", "定期", "3,000", "1,100", "○"],
    ])
    result, _report = import_file(actor=manager, kind="products", data=data, source="")
    assert (result.imported, result.updated, result.rejected) == (1, 1, 0)
    tea.refresh_from_db()
    assert (tea.list_price, tea.unit_cost, tea.version) == (1_200, 450, 2)
    sub = Product.objects.get(code="SUB-01")
    assert (sub.name, sub.list_price, sub.unit_cost, sub.recurring) == (
        "お茶の定期便", 3_000, 1_100, True)
    entry = LedgerEntry.objects.filter(model="commerce.product", object_id=str(tea.pk)).latest(
        "seq")
    assert entry.changes["list_price"] == [1_080, 1_200]

    again, _report = import_file(actor=manager, kind="products", data=data, source="")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.django_db
def test_only_managers_and_administrators_import_products(make_user, shop) -> None:  # type: ignore[no-untyped-def]
    member = make_user(Role.MEMBER)
    data = table(PRODUCT_HEADER, [["NEW-01", "新商品", "", "500", "", ""]])
    result, _report = import_file(actor=member, kind="products", data=data, source="")
    assert result.refused
    assert [e.message for e in result.errors] == [
        "Only managers and administrators can change master data."]
    assert not Product.objects.filter(code="NEW-01").exists()


@pytest.mark.django_db
def test_a_new_product_needs_a_name_and_prices_are_not_negative(manager, shop) -> None:  # type: ignore[no-untyped-def]
    data = table(PRODUCT_HEADER, [["NEW-01", "", "", "500", "", ""],
                                  ["NEW-02", "名前あり", "", "▲500", "", ""],
                                  ["TEA-01", "", "", "1,100", "", ""]])  # existing: name kept
    result, _report = import_file(actor=manager, kind="products", data=data, source="")
    assert result.refused
    assert [(e.line, e.column) for e in result.errors] == [(2, "商品名"), (3, "定価")]
    result, _report = import_file(actor=manager, kind="products", data=data, source="",
                                  valid_rows_only=True)
    assert (result.imported, result.updated) == (0, 1)
    assert Product.objects.get(code="TEA-01").name == "静岡煎茶 100g"


# --- orders --------------------------------------------------------------------------------------


def _shop_file() -> bytes:
    """Three orders; order-level values only on the first line of A (as many EC exports do),
    repeated on every line of B."""
    return table(ORDER_HEADER, [
        ["A-1001", "令和8年7月10日", "C001", "ec", "SUMMER26", "TEA-01", "3", "1,080円", "",
         "550円", "700", "100"],
        ["A-1001", "", "", "", "", "CUP-01", "1", "￥2,200", "▲200", "", "", ""],
        ["A-1002", "2026/7/1", "C001", "ECサイト", "", "TEA-01", "1", "", "", "0", "", ""],
        ["A-1002", "2026/7/1", "C001", "ECサイト", "", "TEA-01", "2", "1,000円", "", "0", "", ""],
        ["A-1003", "2026/07/05", "C002", "ec", "", "CUP-01", "2", "2,000", "", "", "", ""],
    ])


@pytest.mark.django_db
def test_orders_import_like_place_order(manager, shop) -> None:  # type: ignore[no-untyped-def]
    tea, cup, ec, summer = shop
    first = _customer(manager, "C001")
    second = _customer(manager, "C002", first_purchase_date=dt.date(2026, 8, 1))
    result = _import(manager, _shop_file())
    assert result.encoding == "cp932"
    assert (result.rows, result.imported, result.updated, result.rejected) == (5, 3, 0, 0)

    order = Order.objects.get(source="ec", external_id="A-1001")
    assert order.number == "A-1001"
    assert order.ordered_at == dt.datetime(2026, 7, 10, tzinfo=TOKYO)
    assert (order.customer, order.channel, order.campaign) == (first, ec, summer)
    assert (order.discount, order.shipping_fee, order.fulfilment_cost) == (100, 550, 700)
    # The same input through the service gives the same lines and total.
    placed = place_order(actor=manager, customer=_customer(manager, "X"), channel=ec,
                         campaign=summer, ordered_at=dt.datetime(2026, 7, 10, tzinfo=TOKYO),
                         lines=[LineInput(tea, 3, unit_price=1_080),
                                LineInput(cup, 1, unit_price=2_200, discount=200)],
                         discount=100, shipping_fee=550, fulfilment_cost=700)
    fields = ("product_id", "quantity", "unit_price", "discount", "cost_of_goods", "amount")
    assert list(order.lines.values_list(*fields)) == list(placed.lines.values_list(*fields))
    assert order.total == placed.total == 3_240 + 2_000 - 100 + 550

    blank_price = Order.objects.get(external_id="A-1002")
    assert [(line.unit_price, line.cost_of_goods) for line in blank_price.lines.all()] == [
        (1_080, 400), (1_000, 800)]  # blank unit price = list price, as place_order
    assert blank_price.total == 1_080 + 2_000
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.first_purchase_date == dt.date(2026, 7, 1)  # the earliest of its orders
    assert second.first_purchase_date == dt.date(2026, 7, 5)  # moved earlier
    # The import is one ledger entry (plus the place_order above), not one per order.
    assert LedgerEntry.objects.filter(action="import").count() == 1


@pytest.mark.django_db
def test_a_later_order_keeps_the_first_purchase_date(manager, shop) -> None:  # type: ignore[no-untyped-def]
    customer = _customer(manager, "C001", first_purchase_date=dt.date(2020, 1, 1))
    _customer(manager, "C002")
    _import(manager, _shop_file())
    customer.refresh_from_db()
    assert customer.first_purchase_date == dt.date(2020, 1, 1)


@pytest.mark.django_db
def test_an_unknown_product_rejects_its_whole_order(manager, shop) -> None:  # type: ignore[no-untyped-def]
    _customer(manager, "C001")
    _customer(manager, "C002")
    data = table(ORDER_HEADER, [
        ["B-1", "2026/7/1", "C001", "", "", "TEA-01", "1", "", "", "", "", ""],
        ["B-1", "2026/7/1", "C001", "", "", "NOPE-9", "1", "", "", "", "", ""],
        ["B-1", "2026/7/1", "C001", "", "", "CUP-01", "1", "", "", "", "", ""],
        ["B-2", "2026/7/2", "C002", "", "", "CUP-01", "1", "", "", "", "", ""],
    ])
    result = _import(manager, data)
    assert result.refused
    assert result.rejected_lines == [2, 3, 4]
    errors = {e.line: (e.column, e.message) for e in result.errors}
    assert errors[3] == ("商品コード", "No product with the code “NOPE-9”.")
    assert "Line 3" in errors[2][1] and "B-1" in errors[2][1]
    assert "Line 3" in errors[4][1]
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()

    result = _import(manager, data, valid_rows_only=True)
    assert (result.imported, result.rejected) == (1, 3)
    assert list(Order.objects.values_list("external_id", flat=True)) == ["B-2"]


@pytest.mark.django_db
def test_order_level_values_must_agree_between_lines(manager, shop) -> None:  # type: ignore[no-untyped-def]
    _customer(manager, "C001")
    data = table(ORDER_HEADER, [
        ["D-1", "2026/7/1", "C001", "", "", "TEA-01", "1", "", "", "550", "", ""],
        ["D-1", "令和8年7月1日", "C001", "", "", "CUP-01", "1", "", "", "660", "", ""],
    ])
    result = _import(manager, data)
    assert result.refused
    assert result.rejected_lines == [2, 3]
    assert {e.column for e in result.errors} == {"注文番号"}
    # One problem per line: the date written two ways is the same date, only the fee differs.
    assert len(result.errors) == 2
    assert "“550”, “660”" in result.errors[0].message


@pytest.mark.django_db
def test_buyers_are_found_by_import_id_among_the_visible_ones(make_user, manager, shop) -> None:  # type: ignore[no-untyped-def]
    member = make_user(Role.MEMBER)
    _customer(manager, "C001")  # the manager's own, not shared: the member cannot see it
    create_customer(actor=member, family_name="鈴木", source="pos", external_id="C002")
    data = table(ORDER_HEADER, [
        ["E-1", "2026/7/1", "C001", "", "", "TEA-01", "1", "", "", "", "", ""],
        ["E-2", "2026/7/1", "C002", "", "", "TEA-01", "1", "", "", "", "", ""],  # other source
        ["E-3", "2026/7/1", "", "", "", "TEA-01", "1", "", "", "", "", ""],
    ])
    result = _import(member, data)
    assert [e.message for e in result.errors] == [
        "No customer with the ID “C001” from this source.",
        "No customer with the ID “C002” from this source.",
        "An order is placed by either a customer or an account.",
    ]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_an_order_whose_buyer_the_actor_cannot_see_is_not_changed(make_user, manager, shop) -> None:  # type: ignore[no-untyped-def]
    _customer(manager, "C001")
    _import(manager, table(ORDER_HEADER, [
        ["H-1", "2026/7/1", "C001", "", "", "TEA-01", "1", "", "", "", "", ""]]))
    member = make_user(Role.MEMBER)
    create_customer(actor=member, family_name="鈴木", source="ec", external_id="C002")
    result = _import(member, table(ORDER_HEADER, [  # the member's customer, the manager's order
        ["H-1", "2026/7/1", "C002", "", "", "TEA-01", "5", "", "", "", "", ""]]))
    assert result.refused
    assert [e.message for e in result.errors] == [
        "A record with the ID “H-1” already exists and you may not change it."]
    assert Order.objects.get().lines.get().quantity == 1


@pytest.mark.django_db
def test_account_orders_by_department(manager, shop) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=manager, name="東邦精機株式会社", source="ec",
                             external_id="K-1")
    plant = create_department(actor=manager, account=account, name="名古屋工場")
    header = ["受注番号", "受注日", "取引先ID", "部署", "品番", "個数", "販売単価"]
    data = table(header, [["F-1", "2026/7/1", "K-1", "名古屋工場", "TEA-01", "100", "900"],
                          ["F-2", "2026/7/1", "K-1", "大阪支社", "TEA-01", "1", "900"]])
    result = _import(manager, data, valid_rows_only=True)
    assert result.imported == 1
    assert [e.message for e in result.errors] == ["The account has no department “大阪支社”."]
    order = Order.objects.get()
    assert (order.account, order.department, order.customer, order.total) == (
        account, plant, None, 90_000)


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(manager, shop) -> None:  # type: ignore[no-untyped-def]
    _customer(manager, "C001")
    _customer(manager, "C002")
    _import(manager, _shop_file())
    lines = list(OrderLine.objects.values_list("pk", flat=True))
    entries = LedgerEntry.objects.count()
    result = _import(manager, _shop_file())
    assert (result.imported, result.updated, result.unchanged) == (0, 0, 3)
    assert list(OrderLine.objects.values_list("pk", flat=True)) == lines
    assert LedgerEntry.objects.count() == entries + 1  # the import itself
    assert set(Order.objects.values_list("version", flat=True)) == {1}


@pytest.mark.django_db
def test_changed_lines_are_replaced_and_the_total_recomputed(manager, shop) -> None:  # type: ignore[no-untyped-def]
    tea, cup, _ec, _summer = shop
    _customer(manager, "C001")
    _customer(manager, "C002")
    _import(manager, _shop_file())
    a1003 = Order.objects.get(external_id="A-1003")
    old_lines = set(a1003.lines.values_list("pk", flat=True))
    changed = table(ORDER_HEADER, [
        # A-1001: the same lines, listed the other way round: unchanged
        ["A-1001", "令和8年7月10日", "C001", "ec", "SUMMER26", "CUP-01", "1", "2,200", "200",
         "550", "700", "100"],
        ["A-1001", "", "", "", "", "TEA-01", "3", "1,080", "", "", "", ""],
        # A-1002: only the shipping fee changes
        ["A-1002", "2026/7/1", "C001", "ec", "", "TEA-01", "1", "", "", "300", "", ""],
        ["A-1002", "2026/7/1", "C001", "ec", "", "TEA-01", "2", "1,000", "", "300", "", ""],
        # A-1003: a quantity changes and a line is added
        ["A-1003", "2026/07/05", "C002", "ec", "", "CUP-01", "3", "2,000", "", "", "", ""],
        ["A-1003", "2026/07/05", "C002", "ec", "", "TEA-01", "1", "1,080", "", "", "", ""],
    ])
    result = _import(manager, changed)
    assert (result.imported, result.updated, result.unchanged) == (0, 2, 1)

    a1003.refresh_from_db()
    assert a1003.version == 2
    assert [(line.product, line.quantity, line.amount, line.cost_of_goods)
            for line in a1003.lines.all()] == [(cup, 3, 6_000, 2_700), (tea, 1, 1_080, 400)]
    assert a1003.total == 7_080
    assert not old_lines & set(a1003.lines.values_list("pk", flat=True))
    entry = LedgerEntry.objects.filter(model="commerce.order", object_id=str(a1003.pk)).get()
    assert entry.action == "update"
    assert entry.changes["total"] == [4_000, 7_080]
    assert entry.changes["lines"][1] == [[cup.pk, 3, 2_000, 0, 2_700], [tea.pk, 1, 1_080, 0, 400]]

    a1002 = Order.objects.get(external_id="A-1002")
    assert (a1002.shipping_fee, a1002.total, a1002.lines.count()) == (300, 3_080 + 300, 2)
    assert "lines" not in LedgerEntry.objects.get(
        model="commerce.order", object_id=str(a1002.pk)).changes
    assert Order.objects.get(external_id="A-1001").version == 1


@pytest.mark.django_db
def test_a_dry_run_counts_without_writing(manager, shop) -> None:  # type: ignore[no-untyped-def]
    _customer(manager, "C001")
    _customer(manager, "C002")
    result = _import(manager, _shop_file(), dry_run=True)
    assert (result.imported, result.refused) == (3, False)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_importing_many_orders_takes_a_fixed_number_of_queries(
        manager, shop, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    customers = [_customer(manager, f"M{i:03}") for i in range(200)]
    rows = []
    for i in range(200):
        day = f"2026/{i % 12 + 1}/{i % 28 + 1}"
        for code, quantity in (("TEA-01", 2), ("CUP-01", 1), ("TEA-01", 1)):
            rows.append([f"G-{i}", day, f"M{i:03}", "ec", "", code, str(quantity), "", "",
                         "550", "", ""])
    data = table(ORDER_HEADER, rows)
    with django_assert_max_num_queries(40):
        result = _import(manager, data)
    assert (result.imported, result.rejected) == (200, 0)
    assert OrderLine.objects.count() == 600
    assert Customer.objects.filter(pk__in=[c.pk for c in customers],
                                   first_purchase_date__isnull=False).count() == 200
    with django_assert_max_num_queries(40):
        again = _import(manager, data)
    assert again.unchanged == 200
