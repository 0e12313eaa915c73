"""Orders are visible to whoever may see their buyer (customer or account)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kizuna.commerce.models import Order
from kizuna.core.access import NotFound
from kizuna.core.models import User
from kizuna.customers.queries import visible_accounts, visible_customers


def visible_orders(user: User) -> QuerySet[Order]:
    orders = Order.objects.select_related("customer", "account", "department", "channel")
    if user.is_administrator:
        return orders
    return orders.filter(
        Q(customer__in=visible_customers(user).values("pk"))
        | Q(account__in=visible_accounts(user).values("pk"))
    )


def access_order(user: User, pk: object) -> Order:
    try:
        return visible_orders(user).prefetch_related("lines__product").get(pk=pk)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
