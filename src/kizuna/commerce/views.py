"""Products (masters) and orders. Orders are visible to whoever may see their buyer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.commerce import exports, services
from kizuna.commerce.forms import (
    InstalledProductFilterForm,
    InstalledProductForm,
    OrderFilterForm,
    ProductFilterForm,
)
from kizuna.commerce.models import InstalledProduct, Order, Product
from kizuna.commerce.queries import (
    access_installed_product,
    visible_installed_products,
    visible_orders,
)
from kizuna.core.access import can_edit
from kizuna.core.exports import export_response
from kizuna.core.lists import get_or_404, render_list, save_form, with_editable
from kizuna.core.models import Role
from kizuna.core.timezones import local_day_bounds
from kizuna.customers.queries import access_account
from kizuna.customers.search import search_condition
from kizuna.customers.views import confirm_delete_page, deleted


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


# --- installed products ---------------------------------------------------------------------------

ACCOUNT_RULES = {"owner": "account__owner", "team": "account__team"}  # who may edit them


def _installed(request: HttpRequest, form: InstalledProductFilterForm
               ) -> QuerySet[InstalledProduct]:
    values = form.values()
    installed = with_editable(visible_installed_products(request.user), request.user,
                              **ACCOUNT_RULES)
    if values.get("q"):
        installed = installed.filter(
            search_condition(values["q"], "account__search_key")
            | Q(product__code__istartswith=values["q"].strip())
            | Q(serial_number__istartswith=values["q"].strip()))
    if values.get("category"):
        installed = installed.filter(product__category=values["category"].strip())
    if values.get("status"):
        installed = installed.filter(status=values["status"])
    if values.get("installed_before"):
        installed = installed.filter(installed_on__lt=values["installed_before"])
    return installed


@login_required
def installed_list(request: HttpRequest) -> HttpResponse:
    """The installed base, oldest first: where maintenance and replacement are due."""
    form = InstalledProductFilterForm(request.GET, actor=request.user)
    return render_list(request, queryset=_installed(request, form), form=form,
                       orders={"oldest": ("installed_on", "pk"),
                               "newest": ("-installed_on", "-pk")},
                       table="commerce/partials/installed_table.html",
                       context={"nav_active": "installed", "title": _("Installed products")})


@login_required
def installed_for_account(request: HttpRequest, account_pk: int) -> HttpResponse:
    """The account page's section (loaded by htmx): its installed products."""
    account = get_or_404(access_account, request, account_pk)
    rows = with_editable(visible_installed_products(request.user).filter(account=account),
                         request.user, **ACCOUNT_RULES).order_by("status", "-installed_on", "-pk")
    return render(request, "commerce/partials/installed_for_account.html", {
        "account": account, "rows": rows, "can_edit": can_edit(request.user, account)})


def _installed_form_page(request: HttpRequest, form: InstalledProductForm, account: Any,
                         installed: InstalledProduct | None = None) -> HttpResponse:
    return render(request, "commerce/installed_form.html", {
        "form": form, "account": account, "installed": installed, "nav_active": "accounts"})


@login_required
def installed_create(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = get_or_404(access_account, request, account_pk, write=True)
    form = InstalledProductForm(request.POST or None, actor=request.user, account=account)
    installed = save_form(request, form, lambda version, data: services.create_installed_product(
        actor=request.user, account=account, **data))
    if installed is not None:
        messages.success(request, _("The installed product “%(name)s” was added.")
                         % {"name": installed})
        return redirect("customers:account_detail", pk=account.pk)
    return _installed_form_page(request, form, account)


@login_required
def installed_edit(request: HttpRequest, pk: int) -> HttpResponse:
    installed = get_or_404(access_installed_product, request, pk, write=True)
    form = InstalledProductForm(request.POST or None, instance=installed, actor=request.user,
                                account=installed.account)
    saved = save_form(request, form, lambda version, data: services.update_installed_product(
        actor=request.user, installed=installed, expected_version=version, **data))
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect("customers:account_detail", pk=installed.account_id)
    return _installed_form_page(request, form, installed.account, installed)


@login_required
def installed_delete(request: HttpRequest, pk: int) -> HttpResponse:
    installed = get_or_404(access_installed_product, request, pk, write=True)
    if request.method == "POST":
        if not deleted(request, lambda version: services.delete_installed_product(
                actor=request.user, installed=installed, expected_version=version)):
            return redirect("commerce:installed_edit", pk=installed.pk)
        messages.success(request, _("The installed product “%(name)s” was deleted.")
                         % {"name": installed})
        return redirect("customers:account_detail", pk=installed.account_id)
    return confirm_delete_page(
        request, record=installed, title=_("Delete installed product"),
        explanation=_("Use this for a record entered by mistake; a product the customer stopped "
                      "using is better marked as retired, so its history stays. The audit ledger "
                      "keeps the record of it."),
        cancel_url=reverse("commerce:installed_edit", args=[installed.pk]),
        nav_active="accounts")
