"""Products (masters) and orders. Orders are visible to whoever may see their buyer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kizuna.commerce import exports
from kizuna.commerce.forms import OrderFilterForm, ProductFilterForm
from kizuna.commerce.models import Order, Product
from kizuna.commerce.queries import visible_orders
from kizuna.core.exports import export_response
from kizuna.core.lists import render_list
from kizuna.core.models import Role
from kizuna.customers.search import search_condition
from kizuna.customers.views import local_day_bounds


def _products(form: ProductFilterForm) -> QuerySet[Product]:
    values = form.values()
    products = Product.objects.all()
    for word in values.get("q", "").split():
        products = products.filter(Q(name__icontains=word) | Q(code__icontains=word))
    if values.get("category"):
        products = products.filter(category__icontains=values["category"])
    if values.get("active") is not None:
        products = products.filter(active=values["active"])
    return products


def _can_see_costs(user: Any) -> bool:
    # Costs are for those who maintain the masters.
    return bool(user.is_administrator or user.role == Role.MANAGER)


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET, actor=request.user)
    return render_list(request, queryset=_products(form), form=form,
                       orders={"code": ("code", "pk"), "name": ("name", "pk"),
                               "recent": ("-updated_at", "-pk")},
                       table="commerce/partials/product_table.html",
                       context={"nav_active": "products", "title": _("Products"),
                                "show_cost": _can_see_costs(request.user),
                                "export_url": "commerce:product_export",
                                "import_kind": "products" if _can_see_costs(request.user)
                                else None})


@login_required
def product_export(request: HttpRequest) -> HttpResponse:
    columns = exports.product_columns()
    if not _can_see_costs(request.user):
        columns = [c for c in columns if c.name != "unit_cost"]
    return export_response(request, rows=_products(ProductFilterForm(
        request.GET, actor=request.user)).iterator(2000), columns=columns,
        basename="products", title=_("Products"))


def _orders(request: HttpRequest, form: OrderFilterForm) -> QuerySet[Order]:
    values = form.values()
    orders = visible_orders(request.user)
    if values.get("q"):
        orders = orders.filter(
            Q(number__istartswith=values["q"].strip())
            | search_condition(values["q"], "customer__search_key")
            | search_condition(values["q"], "account__search_key"))
    if values.get("date_from"):
        orders = orders.filter(ordered_at__gte=local_day_bounds(values["date_from"]))
    if values.get("date_to"):
        orders = orders.filter(ordered_at__lt=local_day_bounds(values["date_to"], end=True))
    if values.get("channel"):
        orders = orders.filter(channel=values["channel"])
    if values.get("kind"):
        orders = orders.filter(kind=values["kind"])
    return orders


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET, actor=request.user)
    return render_list(request, queryset=_orders(request, form), form=form,
                       orders={"newest": ("-ordered_at", "-pk"),
                               "oldest": ("ordered_at", "pk")},
                       table="commerce/partials/order_table.html",
                       context={"nav_active": "orders", "title": _("Orders"),
                                "export_url": "commerce:order_export",
                                "import_kind": "orders"})


@login_required
def order_export(request: HttpRequest) -> HttpResponse:
    """One row per order line, as the orders import reads them."""
    form = OrderFilterForm(request.GET, actor=request.user)
    return export_response(request, rows=exports.order_lines(_orders(request, form)).iterator(
        2000), columns=exports.order_columns(), basename="orders", title=_("Orders"))
