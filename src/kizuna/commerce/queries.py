"""Orders are visible to whoever may see their buyer (customer or account)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kizuna.commerce.models import InstalledProduct, Order
from kizuna.core.access import NotFound, ReadOnly
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


def visible_installed_products(user: User) -> QuerySet[InstalledProduct]:
    """Installed products are visible to whoever may see their account."""
    installed = InstalledProduct.objects.select_related("account", "department", "product")
    if user.is_administrator:
        return installed
    return installed.filter(account__in=visible_accounts(user).values("pk"))


def access_installed_product(user: User, pk: object, *, write: bool = False) -> InstalledProduct:
    """One visible installed product; with ``write``, only if the user may edit its account."""
    from kizuna.core.access import can_edit

    try:
        installed = visible_installed_products(user).get(pk=pk)
    except (InstalledProduct.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if write and not can_edit(user, installed.account):
        raise ReadOnly
    return installed
