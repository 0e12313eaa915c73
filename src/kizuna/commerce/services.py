"""Writes to masters and orders. Masters are company-wide: managers and administrators edit them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.commerce.models import (
    InstalledProduct,
    InstallStatus,
    MasterModel,
    Order,
    OrderKind,
    OrderLine,
    Product,
)
from kizuna.core.ledger import diff, field_values, record_change
from kizuna.core.models import LedgerAction, Role, User
from kizuna.core.services import create_record, delete_record, update_record
from kizuna.customers.models import Account, Customer, Department

MasterT = TypeVar("MasterT", bound=MasterModel)


def _require_master_editor(actor: User) -> None:
    if not (actor.is_administrator or (actor.can_write and actor.role == Role.MANAGER)):
        raise PermissionDenied(_("Only managers and administrators can change master data."))


@transaction.atomic
def create_master(*, actor: User, model: type[MasterT], **fields: Any) -> MasterT:
    _require_master_editor(actor)
    return create_record(actor, model, **fields)


@transaction.atomic
def update_master(*, actor: User, instance: MasterT, expected_version: int | None,
                  **fields: Any) -> MasterT:
    _require_master_editor(actor)
    return update_record(actor, instance, expected_version=expected_version, **fields)


@transaction.atomic
def delete_master(*, actor: User, instance: MasterModel, expected_version: int | None) -> None:
    _require_master_editor(actor)
    delete_record(actor, instance, expected_version=expected_version)


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: int
    unit_price: int | None = None  # defaults to the product's list price
    discount: int = 0
    cost_of_goods: int | None = None  # defaults to quantity × the product's unit cost


def _buyer_check(actor: User, customer: Customer | None, account: Account | None,
                 department: Department | None) -> None:
    from kizuna.core.access import can_edit

    if (customer is None) == (account is None):
        raise ValidationError(_("An order is placed by either a customer or an account."))
    buyer = customer or account
    if not can_edit(actor, buyer):
        raise PermissionDenied
    if department is not None and department.account_id != getattr(account, "pk", None):
        raise ValidationError({"department": _("The department belongs to another account.")})


def _build_lines(order: Order, lines: list[LineInput], sign: int) -> list[OrderLine]:
    built = []
    for line in lines:
        if line.quantity <= 0:
            raise ValidationError({"quantity": _("Quantities are positive; a return is its "
                                                 "own order.")})
        quantity = sign * line.quantity
        unit_price = line.product.list_price if line.unit_price is None else line.unit_price
        cost = (line.product.unit_cost * quantity if line.cost_of_goods is None
                else sign * line.cost_of_goods)
        built.append(OrderLine(order=order, product=line.product, quantity=quantity,
                               unit_price=unit_price, discount=sign * line.discount,
                               cost_of_goods=cost,
                               amount=quantity * unit_price - sign * line.discount))
    return built


@transaction.atomic
def place_order(*, actor: User, lines: list[LineInput], ordered_at: dt.datetime,
                customer: Customer | None = None, account: Account | None = None,
                department: Department | None = None, **fields: Any) -> Order:
    """Record an order with its lines; the total is computed, never typed."""
    _buyer_check(actor, customer, account, department)
    if not lines:
        raise ValidationError(_("An order needs at least one line."))
    order = Order(customer=customer, account=account, department=department,
                  ordered_at=ordered_at, **fields)
    order.full_clean(exclude=["total"])
    order.save(force_insert=True)
    built = OrderLine.objects.bulk_create(_build_lines(order, lines, +1))
    order.total = sum(line.amount for line in built) - order.discount + order.shipping_fee
    order.save(update_fields=["total"])
    _record_order(actor, order, built)
    _note_first_purchase(customer, ordered_at)
    return order


@transaction.atomic
def record_return(*, actor: User, original: Order, lines: list[LineInput],
                  returned_at: dt.datetime, refund_shipping: bool = False) -> Order:
    """A return is a new order of kind ``return`` with negative quantities; the original stays."""
    _buyer_check(actor, original.customer, original.account, original.department)
    sold: dict[int, OrderLine] = {}
    left: dict[int, int] = {}
    for line in original.lines.all():
        sold.setdefault(line.product_id, line)
        left[line.product_id] = left.get(line.product_id, 0) + line.quantity
    for previous in OrderLine.objects.filter(order__original=original):
        left[previous.product_id] = left.get(previous.product_id, 0) + previous.quantity
    priced = []
    for line in lines:
        left[line.product.pk] = left.get(line.product.pk, 0) - line.quantity
        if left[line.product.pk] < 0:
            raise ValidationError(_("More “%(product)s” returned than were sold.")
                                  % {"product": line.product})
        paid = sold[line.product.pk]
        # Refund what was paid, not today's list price: the sale's unit price and its share of
        # the line discount (rounded down, in whole yen).
        priced.append(LineInput(
            line.product, line.quantity,
            unit_price=paid.unit_price if line.unit_price is None else line.unit_price,
            discount=(paid.discount * line.quantity // paid.quantity if not line.discount
                      else line.discount),
            cost_of_goods=(paid.cost_of_goods * line.quantity // paid.quantity
                           if line.cost_of_goods is None else line.cost_of_goods),
        ))
    order = Order.objects.create(
        kind=OrderKind.RETURN, original=original, customer=original.customer,
        account=original.account, department=original.department, channel=original.channel,
        campaign=original.campaign, ordered_at=returned_at,
        shipping_fee=-original.shipping_fee if refund_shipping else 0,
    )
    built = OrderLine.objects.bulk_create(_build_lines(order, priced, -1))
    order.total = sum(line.amount for line in built) + order.shipping_fee
    order.save(update_fields=["total"])
    _record_order(actor, order, built)
    return order


def _record_order(actor: User, order: Order, lines: list[OrderLine]) -> None:
    after = field_values(order)
    after["lines"] = [[line.product_id, line.quantity, line.unit_price, line.discount]
                      for line in lines]
    record_change(actor, LedgerAction.CREATE, order, diff({}, after))


def _note_first_purchase(customer: Customer | None, ordered_at: dt.datetime) -> None:
    """Keep Customer.first_purchase_date true without a separate edit (bookkeeping). The day is
    the site's calendar day (Asia/Tokyo), as imports count it, whatever zone ``ordered_at`` is
    given in."""
    if customer is None:
        return
    day = timezone.localtime(ordered_at).date()
    if customer.first_purchase_date is None or day < customer.first_purchase_date:
        Customer.objects.filter(pk=customer.pk).update(first_purchase_date=day)


# --- installed products (the installed base) -----------------------------------------------------

INSTALL_FIELDS = ("department", "product", "quantity", "serial_number", "installed_on",
                  "warranty_until", "status", "retired_on", "note")


def _check_install(actor: User, account: Account, fields: dict[str, Any]) -> None:
    from kizuna.core.access import can_edit

    if not can_edit(actor, account):
        raise PermissionDenied
    department = fields.get("department")
    if department is not None and department.account_id != account.pk:
        raise ValidationError({"department": _("The department belongs to another account.")})
    installed_on = fields.get("installed_on")
    errors = {}
    if fields.get("status") == InstallStatus.RETIRED and not fields.get("retired_on"):
        errors["retired_on"] = _("Say when it was retired.")
    if fields.get("status") != InstallStatus.RETIRED and fields.get("retired_on"):
        errors["retired_on"] = _("Only a retired product has a retirement date.")
    for name in ("warranty_until", "retired_on"):
        value = fields.get(name)
        if value and installed_on and value < installed_on:
            errors[name] = _("This date is before the installation date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_installed_product(*, actor: User, account: Account, product: Product,
                             installed_on: dt.date, **fields: Any) -> InstalledProduct:
    values = {"product": product, "installed_on": installed_on, **fields}
    _check_install(actor, account, values)
    return create_record(actor, InstalledProduct, account=account, **values)


@transaction.atomic
def update_installed_product(*, actor: User, installed: InstalledProduct,
                             expected_version: int | None, **fields: Any) -> InstalledProduct:
    unknown = set(fields) - set(INSTALL_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = {name: getattr(installed, name) for name in INSTALL_FIELDS} | fields
    _check_install(actor, installed.account, values)
    return update_record(actor, installed, expected_version=expected_version, **fields)


@transaction.atomic
def delete_installed_product(*, actor: User, installed: InstalledProduct,
                             expected_version: int | None) -> None:
    from kizuna.core.access import can_edit

    if not can_edit(actor, installed.account):
        raise PermissionDenied
    delete_record(actor, installed, expected_version=expected_version)


@dataclass(frozen=True)
class InstallsFromOrders:
    created: int
    skipped: int  # lines already registered


@transaction.atomic
def register_installs_from_orders(*, actor: User | None, categories: list[str],
                                  accounts: QuerySet[Account] | None = None
                                  ) -> InstallsFromOrders:
    """One installed product per sold order line of these product categories (e.g. equipment)
    of accounts, installed on the local day of the order, less what was returned. Lines already
    registered are skipped, so it can run again after new orders."""
    from django.db.models import Sum
    from django.utils import timezone

    from kizuna.core.ledger import record_changes

    lines = OrderLine.objects.filter(order__kind=OrderKind.SALE, order__account__isnull=False,
                                     product__category__in=categories, quantity__gt=0)
    if accounts is not None:
        lines = lines.filter(order__account__in=accounts.values("pk"))
    registered = set(InstalledProduct.objects.filter(order_line__in=lines.values("pk"))
                     .values_list("order_line_id", flat=True))
    # Returns have negative quantities and point to the sold order.
    returned = {(order, product): -quantity for order, product, quantity in (
        OrderLine.objects.filter(order__kind=OrderKind.RETURN,
                                 order__original__in=lines.values("order_id"))
        .values_list("order__original_id", "product_id").annotate(Sum("quantity")))}
    zone = timezone.get_current_timezone()
    rows, skipped = [], 0
    for line in lines.select_related("order").order_by("order__ordered_at", "pk").iterator(2000):
        key = (line.order_id, line.product_id)
        kept = line.quantity - returned.get(key, 0)  # a return is taken from the first lines
        returned[key] = max(returned.get(key, 0) - line.quantity, 0)
        if line.pk in registered:
            skipped += 1
        elif kept > 0:
            rows.append(InstalledProduct(
                account_id=line.order.account_id, department_id=line.order.department_id,
                product_id=line.product_id, quantity=kept, order_line_id=line.pk,
                installed_on=line.order.ordered_at.astimezone(zone).date()))
    created = InstalledProduct.objects.bulk_create(rows, batch_size=1000)
    record_changes(actor, LedgerAction.CREATE,
                   [(row, diff({}, field_values(row))) for row in created])
    return InstallsFromOrders(created=len(created), skipped=skipped)
