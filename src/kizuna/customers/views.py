"""Customer-data pages. Views parse input and call services; every read starts from the access
layer (queries.visible_* / access_*).

The list machinery at the top (keyset pages, kana search over related names, full page or htmx
fragment) is shared with the commerce and pipeline pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, ProtectedError, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kizuna.core.access import NotFound, can_edit
from kizuna.core.exports import export_response
from kizuna.core.ledger import history
from kizuna.core.lists import get_or_404, render_list, save_form, with_editable
from kizuna.core.services import ConcurrentEdit
from kizuna.customers import exports, services
from kizuna.customers.forms import (
    AccountFilterForm,
    AccountForm,
    ContactFilterForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    DepartmentForm,
)
from kizuna.customers.models import Account, BuyingRole, Contact, Customer
from kizuna.customers.queries import (
    access_account,
    access_contact,
    access_customer,
    access_department,
    buying_centre,
    search_accounts,
    search_contacts,
    search_customers,
    visible_accounts,
    visible_contacts,
    visible_departments,
)
from kizuna.customers.search import search_condition
from kizuna.japanese import lookup_postal_code

M = TypeVar("M", bound=Model)

NAME_ORDERS = {"name": ("sort_key", "pk"), "recent": ("-updated_at", "-pk")}


def timeline(activities: Iterable[Any], orders: Iterable[Any], limit: int = 20) -> list[dict]:
    """Activities and orders of one record, newest first (deals join here later)."""
    items = [{"kind": "activity", "at": a.occurred_at, "obj": a} for a in activities]
    items += [{"kind": "order", "at": o.ordered_at, "obj": o} for o in orders]
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:limit]


def _recent_activities(user: Any, **filters: Any) -> list[Any]:
    from kizuna.pipeline.queries import visible_activities

    return list(with_editable(visible_activities(user).filter(**filters), user)[:20])


def _recent_orders(user: Any, **filters: Any) -> QuerySet[Any]:
    from kizuna.commerce.queries import visible_orders

    return visible_orders(user).filter(**filters)


def deleted(request: HttpRequest, delete: Callable[[int], object]) -> bool:
    """Run ``delete(version)`` for the POST of a delete confirmation page.

    The version is the one the page was shown with: a record changed since is not deleted (the
    user has not seen the change), nor one that other records such as orders still point to.
    Either way the reason becomes an error message and False is returned.
    """
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0  # never a real version: refused like a stale one
    try:
        delete(version)
    except ConcurrentEdit:
        messages.error(request, _("Someone else changed this record after you opened it, so it "
                                  "was not deleted. Check their change and delete it again if "
                                  "you still want to."))
        return False
    except ProtectedError:
        messages.error(request, _("This record cannot be deleted because other records (such "
                                  "as orders) still refer to it."))
        return False
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    return True


def confirm_delete_page(request: HttpRequest, *, record: Any, title: str, explanation: str,
                        cancel_url: str, nav_active: str) -> HttpResponse:
    """The "Delete …?" page; its form posts the version shown back to the same URL."""
    return render(request, "customers/confirm_delete.html", {
        "record": record, "title": title, "explanation": explanation, "cancel_url": cancel_url,
        "nav_active": nav_active,
    })


def _by_role(contacts: list[Contact]) -> list[tuple[str, list[Contact]]]:
    """(role label, contacts) in buying-role order, "role not set" last, empty roles left out."""
    roles = [*BuyingRole.choices, ("", _("Role not set"))]
    by_role = [(label, [c for c in contacts if c.buying_role == value]) for value, label in roles]
    return [(label, people) for label, people in by_role if people]


# --- accounts ------------------------------------------------------------------------------------


def _account_queryset(request: HttpRequest, form: AccountFilterForm) -> QuerySet[Account]:
    values = form.values()
    accounts = search_accounts(request.user, values.get("q", ""),
                               prefecture=values.get("prefecture"),
                               owner=values.get("owner"),
                               relationship_level=values.get("relationship_level"))
    if values.get("industry"):
        accounts = accounts.filter(industry__icontains=values["industry"])
    return accounts


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET, actor=request.user)
    return render_list(request, queryset=_account_queryset(request, form), form=form,
                       orders=NAME_ORDERS, table="customers/partials/account_table.html",
                       context={"nav_active": "accounts", "title": _("Accounts"),
                                "new_url": "customers:account_create",
                                "new_label": _("New account"),
                                "export_url": "customers:account_export",
                                "import_kind": "accounts"})


@login_required
def account_export(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET, actor=request.user)
    return export_response(request, rows=_account_queryset(request, form).iterator(2000),
                           columns=exports.account_columns(), basename="accounts",
                           title=_("Accounts"))


def _buying_centre_rows(request: HttpRequest, account: Account) -> list[dict[str, Any]]:
    """Per department (and "no department"), the visible contacts grouped by buying role."""
    departments = buying_centre(request.user, account)
    loose = list(visible_contacts(request.user)
                 .filter(account=account, department__isnull=True)
                 .select_related("reports_to"))
    groups = [(d, d.visible_contacts) for d in departments]
    if loose or not groups:
        groups.append((None, loose))
    return [{"department": department, "count": len(contacts), "roles": _by_role(contacts)}
            for department, contacts in groups]


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_or_404(access_account, request, pk)
    orders = _recent_orders(request.user, account=account)
    totals = orders.order_by().aggregate(n=Count("pk"), revenue=Sum("total"))
    return render(request, "customers/account_detail.html", {
        "account": account,
        "can_edit": can_edit(request.user, account),
        "buying_centre": _buying_centre_rows(request, account),
        "timeline": timeline(_recent_activities(request.user, account=account), orders[:20]),
        "totals": totals,
        "history": history(account)[:20] if request.user.is_administrator else None,
        "nav_active": "accounts",
    })


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    form = AccountForm(request.POST or None, actor=request.user)
    account = save_form(request, form, lambda version, data: services.create_account(
        actor=request.user, **data))
    if account is not None:
        messages.success(request, _("The account “%(name)s” was created.") % {"name": account})
        return redirect("customers:account_detail", pk=account.pk)
    return render(request, "customers/account_form.html", {"form": form,
                                                           "nav_active": "accounts"})


@login_required
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_or_404(access_account, request, pk, write=True)
    form = AccountForm(request.POST or None, instance=account, actor=request.user)
    saved = save_form(request, form, lambda version, data: services.update_account(
        actor=request.user, account=account, expected_version=version, **data))
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect("customers:account_detail", pk=saved.pk)
    return render(request, "customers/account_form.html", {
        "form": form, "account": account, "nav_active": "accounts",
    })


@login_required
def account_delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_or_404(access_account, request, pk, write=True)
    if request.method == "POST":
        if not deleted(request, lambda version: services.delete_account(
                actor=request.user, account=account, expected_version=version)):
            return redirect("customers:account_detail", pk=account.pk)
        messages.success(request, _("The account “%(name)s” was deleted.") % {"name": account})
        return redirect("customers:account_list")
    return render(request, "customers/account_confirm_delete.html", {"account": account,
                                                                     "nav_active": "accounts"})


# --- departments ---------------------------------------------------------------------------------


@login_required
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_or_404(access_department, request, pk)
    user = request.user
    parent = (visible_departments(user).filter(pk=department.parent_id).first()
              if department.parent_id else None)
    contacts = list(visible_contacts(user).filter(department=department)
                    .select_related("reports_to"))
    orders = _recent_orders(user, department=department)
    totals = orders.order_by().aggregate(n=Count("pk"), revenue=Sum("total"))
    # Activities have no department of their own: those with its contacts stand for it.
    activities = _recent_activities(user, contact__department=department)
    return render(request, "customers/department_detail.html", {
        "department": department,
        "parent": parent,
        "children": list(visible_departments(user).filter(parent=department)),
        "roles": _by_role(contacts),
        "can_edit": can_edit(user, department),
        "timeline": timeline(activities, orders[:20]),
        "totals": totals,
        "history": history(department)[:20] if user.is_administrator else None,
        "nav_active": "accounts",
    })


@login_required
def department_create(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Add a department to an account: changing an account's parts needs write access to it."""
    account = get_or_404(access_account, request, account_pk, write=True)
    form = DepartmentForm(request.POST or None, actor=request.user, account=account)
    department = save_form(request, form, lambda version, data: services.create_department(
        actor=request.user, account=account, **data))
    if department is not None:
        messages.success(request, _("The department “%(name)s” was created.")
                         % {"name": department})
        return redirect("customers:department_detail", pk=department.pk)
    return render(request, "customers/department_form.html", {
        "form": form, "account": account, "nav_active": "accounts",
    })


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_or_404(access_department, request, pk, write=True)
    form = DepartmentForm(request.POST or None, instance=department, actor=request.user,
                          account=department.account)
    saved = save_form(request, form, lambda version, data: services.update_department(
        actor=request.user, department=department, expected_version=version, **data))
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect("customers:department_detail", pk=saved.pk)
    return render(request, "customers/department_form.html", {
        "form": form, "department": department, "account": department.account,
        "nav_active": "accounts",
    })


@login_required
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_or_404(access_department, request, pk, write=True)
    if request.method == "POST":
        if not deleted(request, lambda version: services.delete_department(
                actor=request.user, department=department, expected_version=version)):
            return redirect("customers:department_detail", pk=department.pk)
        messages.success(request, _("The department “%(name)s” was deleted.")
                         % {"name": department})
        return redirect("customers:account_detail", pk=department.account_id)
    return confirm_delete_page(
        request, record=department, title=_("Delete department"),
        explanation=_("The department is removed; its contacts stay with the account and its "
                      "sub-departments move up to the top level. The audit ledger keeps the "
                      "record of it."),
        cancel_url=reverse("customers:department_detail", args=[department.pk]),
        nav_active="accounts")


@login_required
@require_GET
def postal_lookup(request: HttpRequest) -> HttpResponse:
    """Address for a postal code, as out-of-band updates of the form's address fields.

    Only fields the form sent are updated (hx-include), and the street line only if empty, so
    nothing the user typed there is overwritten.
    """
    code = request.GET.get("postal_code", "")
    address = lookup_postal_code(code) if code.strip() else None
    fills = []
    if address is not None:
        for name, value, size in (("prefecture", address.prefecture, 10),
                                  ("city", address.city, 50),
                                  ("address_line1", address.town, 200)):
            if name not in request.GET or not value:
                continue
            if name == "address_line1" and request.GET[name].strip():
                continue
            fills.append({"name": name, "value": value, "size": size})
    return render(request, "customers/partials/postal_lookup.html", {
        "address": address, "code": code.strip(), "fills": fills,
    })


# --- contacts ------------------------------------------------------------------------------------


def _contact_queryset(request: HttpRequest, form: ContactFilterForm) -> QuerySet[Contact]:
    values = form.values()
    contacts = search_contacts(request.user, values.get("q", ""),
                               buying_role=values.get("buying_role"),
                               account_id=values.get("account"))
    if values.get("account_name"):
        contacts = contacts.filter(search_condition(values["account_name"], "account__search_key"))
    return contacts


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET, actor=request.user)
    return render_list(request, queryset=_contact_queryset(request, form), form=form,
                       orders=NAME_ORDERS, table="customers/partials/contact_table.html",
                       context={"nav_active": "contacts", "title": _("Contacts"),
                                "new_url": "customers:contact_create",
                                "new_label": _("New contact"),
                                "export_url": "customers:contact_export",
                                "import_kind": "contacts"})


@login_required
def contact_export(request: HttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET, actor=request.user)
    return export_response(request, rows=_contact_queryset(request, form).iterator(2000),
                           columns=exports.contact_columns(), basename="contacts",
                           title=_("Contacts"))


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_or_404(access_contact, request, pk)
    reports = list(visible_contacts(request.user).filter(reports_to=contact))
    return render(request, "customers/contact_detail.html", {
        "contact": contact,
        "can_edit": can_edit(request.user, contact),
        "reports": reports,
        "activities": timeline(_recent_activities(request.user, contact=contact), []),
        "history": history(contact)[:20] if request.user.is_administrator else None,
        "nav_active": "contacts",
    })


@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    account = None
    account_pk = request.POST.get("account") or request.GET.get("account")
    if account_pk:
        try:
            account = access_account(request.user, account_pk)
        except NotFound:
            account = None
    form = ContactForm(request.POST or None, actor=request.user, account=account,
                       initial={"department": request.GET.get("department")})

    def save(version: int | None, data: dict[str, Any]) -> Contact:
        return services.create_contact(actor=request.user, **data)

    contact = save_form(request, form, save)
    if contact is not None:
        messages.success(request, _("The contact “%(name)s” was created.") % {"name": contact})
        return redirect("customers:contact_detail", pk=contact.pk)
    return render(request, "customers/contact_form.html", {"form": form, "account": account,
                                                           "nav_active": "contacts"})


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_or_404(access_contact, request, pk, write=True)
    form = ContactForm(request.POST or None, instance=contact, actor=request.user)
    saved = save_form(request, form, lambda version, data: services.update_contact(
        actor=request.user, contact=contact, expected_version=version, **data))
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect("customers:contact_detail", pk=saved.pk)
    return render(request, "customers/contact_form.html", {
        "form": form, "contact": contact, "account": contact.account, "nav_active": "contacts",
    })


@login_required
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_or_404(access_contact, request, pk, write=True)
    if request.method == "POST":
        if not deleted(request, lambda version: services.delete_contact(
                actor=request.user, contact=contact, expected_version=version)):
            return redirect("customers:contact_detail", pk=contact.pk)
        messages.success(request, _("The contact “%(name)s” was deleted.") % {"name": contact})
        # Back to the company, unless this user may see the contact but not the company.
        if visible_accounts(request.user).filter(pk=contact.account_id).exists():
            return redirect("customers:account_detail", pk=contact.account_id)
        return redirect("customers:contact_list")
    return confirm_delete_page(
        request, record=contact, title=_("Delete contact"),
        explanation=_("The contact is removed; their activities stay with the account. The "
                      "audit ledger keeps the record of it."),
        cancel_url=reverse("customers:contact_detail", args=[contact.pk]),
        nav_active="contacts")


# --- D2C customers -------------------------------------------------------------------------------


def _customer_queryset(request: HttpRequest, form: CustomerFilterForm) -> QuerySet[Customer]:
    values = form.values()
    return search_customers(request.user, values.get("q", ""),
                            prefecture=values.get("prefecture"),
                            gender=values.get("gender"),
                            acquisition_channel=values.get("acquisition_channel"))


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET, actor=request.user)
    return render_list(request, queryset=_customer_queryset(request, form), form=form,
                       orders=NAME_ORDERS, table="customers/partials/customer_table.html",
                       context={"nav_active": "customers", "title": _("Customers"),
                                "new_url": "customers:customer_create",
                                "new_label": _("New customer"),
                                "export_url": "customers:customer_export",
                                "import_kind": "customers"})


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET, actor=request.user)
    return export_response(request, rows=_customer_queryset(request, form).iterator(2000),
                           columns=exports.customer_columns(), basename="customers",
                           title=_("Customers"))


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_or_404(access_customer, request, pk)
    orders = _recent_orders(request.user, customer=customer)
    totals = orders.order_by().aggregate(n=Count("pk"), revenue=Sum("total"))
    return render(request, "customers/customer_detail.html", {
        "customer": customer,
        "can_edit": can_edit(request.user, customer),
        "orders": list(orders.prefetch_related("lines__product")[:20]),
        "totals": totals,
        "activities": timeline(_recent_activities(request.user, customer=customer), []),
        "history": history(customer)[:20] if request.user.is_administrator else None,
        "nav_active": "customers",
    })


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    form = CustomerForm(request.POST or None, actor=request.user)
    customer = save_form(request, form, lambda version, data: services.create_customer(
        actor=request.user, **data))
    if customer is not None:
        messages.success(request, _("The customer “%(name)s” was created.") % {"name": customer})
        return redirect("customers:customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form,
                                                            "nav_active": "customers"})


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_or_404(access_customer, request, pk, write=True)
    form = CustomerForm(request.POST or None, instance=customer, actor=request.user)
    saved = save_form(request, form, lambda version, data: services.update_customer(
        actor=request.user, customer=customer, expected_version=version, **data))
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect("customers:customer_detail", pk=saved.pk)
    return render(request, "customers/customer_form.html", {
        "form": form, "customer": customer, "nav_active": "customers",
    })


@login_required
def customer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_or_404(access_customer, request, pk, write=True)
    if request.method == "POST":
        if not deleted(request, lambda version: services.delete_customer(
                actor=request.user, customer=customer, expected_version=version)):
            return redirect("customers:customer_detail", pk=customer.pk)
        messages.success(request, _("The customer “%(name)s” was deleted.")
                         % {"name": customer})
        return redirect("customers:customer_list")
    return confirm_delete_page(
        request, record=customer, title=_("Delete customer"),
        explanation=_("The customer and their activities are removed. The audit ledger keeps "
                      "the record of it."),
        cancel_url=reverse("customers:customer_detail", args=[customer.pk]),
        nav_active="customers")
