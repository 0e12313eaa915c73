"""Export columns of the order and product lists: one row per order line, named like the
import columns (commerce.imports), so an export imports back as the same orders."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kizuna.commerce.models import Order, OrderLine
from kizuna.core.exports import ExportColumn, yes_no
from kizuna.core.imports import get_kind


def _columns(kind: str, getters: dict[str, Any]) -> list[ExportColumn]:
    labels = {c.name: c.label for c in get_kind(kind).columns}
    return [ExportColumn(name, labels[name], get) for name, get in getters.items()]


def _order_id(order: Order) -> str:
    return order.external_id or order.number or f"kizuna-{order.pk}"


def order_columns() -> list[ExportColumn]:
    return _columns("orders", {
        "external_id": lambda line: _order_id(line.order),
        "ordered_at": lambda line: timezone.localtime(line.order.ordered_at).date(),
        "customer": lambda line: line.order.customer.external_id if line.order.customer else "",
        "account": lambda line: line.order.account.external_id if line.order.account else "",
        "department": lambda line: line.order.department.name if line.order.department else "",
        "channel": lambda line: line.order.channel.code if line.order.channel else "",
        "campaign": lambda line: line.order.campaign.code if line.order.campaign else "",
        "product": lambda line: line.product.code,
        "quantity": lambda line: line.quantity,
        "unit_price": lambda line: line.unit_price,
        "discount": lambda line: line.discount,
        "cost_of_goods": lambda line: line.cost_of_goods,
        "shipping_fee": lambda line: line.order.shipping_fee,
        "fulfilment_cost": lambda line: line.order.fulfilment_cost,
        "order_discount": lambda line: line.order.discount,
    })


def order_lines(orders: QuerySet[Order]) -> QuerySet[OrderLine]:
    return (OrderLine.objects.filter(order__in=orders.values("pk"))
            .select_related("order__customer", "order__account", "order__department",
                            "order__channel", "order__campaign", "product")
            .order_by("order__ordered_at", "order_id", "pk"))


def product_columns() -> list[ExportColumn]:
    return _columns("products", {
        "code": lambda p: p.code, "name": lambda p: p.name, "category": lambda p: p.category,
        "list_price": lambda p: p.list_price, "unit_cost": lambda p: p.unit_cost,
        "recurring": lambda p: yes_no(p.recurring), "active": lambda p: yes_no(p.active),
    })
