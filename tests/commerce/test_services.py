"""Orders: totals computed from lines in integer yen, returns as their own orders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.commerce.models import Channel, Order, OrderKind, Product
from kizuna.commerce.queries import visible_orders
from kizuna.commerce.services import LineInput, create_master, place_order, record_return
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_customer, create_department

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


def test_order_total_is_computed_in_yen(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, cup, ec = shop
    customer = create_customer(actor=manager, family_name="山田")
    order = place_order(actor=manager, customer=customer, channel=ec, ordered_at=WHEN,
                        lines=[LineInput(tea, 3), LineInput(cup, 1, discount=200)],
                        discount=100, shipping_fee=550, fulfilment_cost=700)
    assert [(line.amount, line.cost_of_goods) for line in order.lines.all()] == [
        (3_240, 1_200), (2_000, 900)]
    assert order.total == 3_240 + 2_000 - 100 + 550
    assert isinstance(order.total, int)
    customer.refresh_from_db()
    assert customer.first_purchase_date == dt.date(2026, 7, 10)


def test_return_is_a_negative_order_and_cannot_exceed_what_was_sold(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, ec = shop
    customer = create_customer(actor=manager, family_name="佐藤")
    order = place_order(actor=manager, customer=customer, channel=ec, ordered_at=WHEN,
                        lines=[LineInput(tea, 3)], shipping_fee=550)
    returned = record_return(actor=manager, original=order, lines=[LineInput(tea, 2)],
                             returned_at=WHEN + dt.timedelta(days=3))
    assert returned.kind == OrderKind.RETURN and returned.original == order
    assert returned.total == -2_160
    assert [line.quantity for line in returned.lines.all()] == [-2]
    with pytest.raises(ValidationError):
        record_return(actor=manager, original=order, lines=[LineInput(tea, 2)],
                      returned_at=WHEN + dt.timedelta(days=4))
    order.refresh_from_db()
    assert order.total == 3_240 + 550  # the original is never rewritten


def test_b2b_order_by_department(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, _ec = shop
    account = create_account(actor=manager, name="東邦精機")
    plant = create_department(actor=manager, account=account, name="名古屋工場")
    order = place_order(actor=manager, account=account, department=plant, ordered_at=WHEN,
                        lines=[LineInput(tea, 100, unit_price=900)])
    assert order.total == 90_000
    other = create_account(actor=manager, name="別会社")
    with pytest.raises(ValidationError):
        place_order(actor=manager, account=other, department=plant, ordered_at=WHEN,
                    lines=[LineInput(tea, 1)])


def test_an_order_needs_exactly_one_buyer_and_a_line(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, _ec = shop
    with pytest.raises(ValidationError):
        place_order(actor=manager, ordered_at=WHEN, lines=[LineInput(tea, 1)])
    customer = create_customer(actor=manager, family_name="鈴木")
    with pytest.raises(ValidationError):
        place_order(actor=manager, customer=customer, ordered_at=WHEN, lines=[])
    with pytest.raises(ValidationError):
        place_order(actor=manager, customer=customer, ordered_at=WHEN,
                    lines=[LineInput(tea, 0)])
    assert not Order.objects.exists()


def test_orders_follow_their_buyers_visibility(shop, make_user) -> None:  # type: ignore[no-untyped-def]
    _manager, tea, _cup, _ec = shop
    alice, bob = make_user(), make_user()
    customer = create_customer(actor=alice, family_name="非公開")
    order = place_order(actor=alice, customer=customer, ordered_at=WHEN,
                        lines=[LineInput(tea, 1)])
    assert list(visible_orders(alice)) == [order]
    assert list(visible_orders(bob)) == []
    with pytest.raises(PermissionDenied):
        place_order(actor=bob, customer=customer, ordered_at=WHEN, lines=[LineInput(tea, 1)])


def test_only_managers_edit_masters(make_user) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        create_master(actor=make_user(Role.MEMBER), model=Product, code="X", name="X")


def test_returns_refund_the_price_paid_and_count_every_line(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, ec = shop
    customer = create_customer(actor=manager, family_name="値引")
    order = place_order(actor=manager, customer=customer, channel=ec, ordered_at=WHEN,
                        lines=[LineInput(tea, 4, unit_price=800, discount=400)])
    # Two lines of 2 against 4 sold is fine; a third would not be.
    with pytest.raises(ValidationError):
        record_return(actor=manager, original=order, returned_at=WHEN,
                      lines=[LineInput(tea, 2), LineInput(tea, 2), LineInput(tea, 1)])
    returned = record_return(actor=manager, original=order, returned_at=WHEN,
                             lines=[LineInput(tea, 1)])
    # 800 paid per unit less a quarter of the 400 discount: 700, not today's 1,080.
    assert returned.total == -700


def test_first_purchase_is_the_tokyo_day_of_the_order(shop) -> None:  # type: ignore[no-untyped-def]
    manager, tea, _cup, ec = shop
    customer = create_customer(actor=manager, family_name="鈴木")
    # 20:30 UTC on 9 July is 05:30 on 10 July in Tokyo: the customer bought on the 10th.
    place_order(actor=manager, customer=customer, channel=ec, lines=[LineInput(tea, 1)],
                ordered_at=dt.datetime(2026, 7, 9, 20, 30, tzinfo=dt.UTC))
    customer.refresh_from_db()
    assert customer.first_purchase_date == dt.date(2026, 7, 10)
    # An earlier order, given in Tokyo time, moves it back.
    place_order(actor=manager, customer=customer, channel=ec, lines=[LineInput(tea, 1)],
                ordered_at=dt.datetime(2026, 7, 1, 8, 59, tzinfo=TOKYO))
    customer.refresh_from_db()
    assert customer.first_purchase_date == dt.date(2026, 7, 1)
