"""Products (masters) and orders. Orders are visible to whoever may see their buyer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kizuna.commerce.forms import OrderFilterForm, ProductFilterForm
from kizuna.commerce.models import Product
from kizuna.commerce.queries import visible_orders
from kizuna.core.lists import render_list
from kizuna.core.models import Role
from kizuna.customers.search import search_condition
from kizuna.customers.views import local_day_bounds


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET, actor=request.user)
    values = form.values()
    products = Product.objects.all()
    for word in values.get("q", "").split():
        products = products.filter(Q(name__icontains=word) | Q(code__icontains=word))
    if values.get("category"):
        products = products.filter(category__icontains=values["category"])
    if values.get("active") is not None:
        products = products.filter(active=values["active"])
    return render_list(request, queryset=products, form=form,
                       orders={"code": ("code", "pk"), "name": ("name", "pk"),
                               "recent": ("-updated_at", "-pk")},
                       table="commerce/partials/product_table.html",
                       context={"nav_active": "products", "title": _("Products"),
                                # Costs are for those who maintain the masters.
                                "show_cost": request.user.is_administrator
                                or request.user.role == Role.MANAGER})


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET, actor=request.user)
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
    return render_list(request, queryset=orders, form=form,
                       orders={"newest": ("-ordered_at", "-pk"),
                               "oldest": ("ordered_at", "pk")},
                       table="commerce/partials/order_table.html",
                       context={"nav_active": "orders", "title": _("Orders")})
