"""Import kinds for commerce: the product master and orders with their lines (core.imports).

Orders come as EC, POS and mail-order systems export them: one row per order line, the order
number repeated on each line, and the order-level values (date, buyer, shipping fee…) on every
line or only on the first. An imported order is what ``services.place_order`` would have saved
for the same input: the same line amounts, total and cost of goods, and the customer's first
purchase date moved earlier when needed.

Masters (products, channels, campaigns) are loaded once per import and buyers are looked up in
bulk once every row has been read, so an import runs a fixed number of queries however many
lines it has.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.commerce.models import Campaign, Channel, MasterModel, Order, OrderLine, Product
from kizuna.commerce.services import _require_master_editor
from kizuna.core.access import visible_q
from kizuna.core.bulk import insert_rows
from kizuna.core.imports import (
    LOOKUP_CHUNK,
    Column,
    Context,
    ImportKind,
    apply_updates,
    register,
)
from kizuna.core.ledger import diff, field_values, record_changes
from kizuna.core.models import LedgerAction, User
from kizuna.customers.imports import parse_flag
from kizuna.customers.models import Account, Customer, Department
from kizuna.japanese import match_key, normalize_width
from kizuna.japanese.dates import parse_date
from kizuna.japanese.values import parse_integer, parse_money

BATCH_SIZE = 1000
TOKYO = ZoneInfo("Asia/Tokyo")  # order dates in files are Japanese local dates

# Django's own message, so it arrives translated from Django's catalogue.
REQUIRED = gettext_lazy("This field is required.")


def _label(model: type[models.Model], name: str) -> Any:
    """A column's label is the model field's verbose name: one msgid for form and import."""
    return model._meta.get_field(name).verbose_name


# --- cell parsers --------------------------------------------------------------------------------

_TIME = re.compile(r"(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")


def parse_ordered_at(text: str) -> dt.datetime:
    """A date as Japanese files write it (2024/4/1, 令和6年4月1日) -> local midnight in Tokyo,
    aware. A time after the date (注文日時: "2024/04/01 13:05:00") is kept."""
    text = normalize_width(text)
    time = dt.time()
    found = _TIME.search(text)
    if found:
        hour, minute, second = (int(g or 0) for g in found.groups())
        time = dt.time(hour, minute, second)  # ValueError for 25:00 -> "cannot be read"
        text = text[:found.start()]
    return dt.datetime.combine(parse_date(text), time, tzinfo=TOKYO)


def parse_discount(text: str) -> int:
    """Exports write a discount as 500, -500 or ▲500: it is an amount taken off either way."""
    return abs(parse_money(text))


# --- masters -------------------------------------------------------------------------------------

M = TypeVar("M", bound=MasterModel)


class _Lookup(Generic[M]):
    """One master table in memory, found by code (as written, then width-normalised) or, where
    ``by_name``, by name (match key). Loaded on first use, once per import."""

    def __init__(self, queryset: models.QuerySet[M], *, by_name: bool,
                 unknown: Callable[[str], str]) -> None:
        self._queryset = queryset
        self._by_name = by_name
        self._unknown = unknown
        self._exact: dict[str, M] | None = None
        self._loose: dict[str, list[M]] = {}

    def _load(self) -> dict[str, M]:
        if self._exact is None:
            self._exact = {}
            for record in self._queryset:
                self._exact[record.code] = record
                self._loose.setdefault("c" + normalize_width(record.code), []).append(record)
                if self._by_name:
                    self._loose.setdefault("n" + match_key(record.name), []).append(record)
        return self._exact

    def find(self, text: str) -> M:
        exact = self._load()
        if text in exact:
            return exact[text]
        for key in ("c" + normalize_width(text), "n" + match_key(text) if self._by_name else ""):
            found = {r.pk: r for r in self._loose.get(key, [])}
            if len(found) == 1:
                return next(iter(found.values()))
            if len(found) > 1:
                raise ValidationError(_("“%(value)s” matches several records; use the code.")
                                      % {"value": text})
        raise ValidationError(self._unknown(text))


@dataclass
class _Masters:
    products: _Lookup[Product]
    channels: _Lookup[Channel]
    campaigns: _Lookup[Campaign]


def _masters(context: Context) -> _Masters:
    masters = context.cache.get("commerce:masters")
    if masters is None:
        masters = context.cache["commerce:masters"] = _Masters(
            products=_Lookup(
                Product.objects.only("pk", "code", "name", "list_price", "unit_cost"),
                by_name=False,
                unknown=lambda v: _("No product with the code “%(value)s”.") % {"value": v}),
            channels=_Lookup(
                Channel.objects.only("pk", "code", "name"), by_name=True,
                unknown=lambda v: _("No channel with the code or name “%(value)s”.")
                % {"value": v}),
            campaigns=_Lookup(
                Campaign.objects.only("pk", "code", "name"), by_name=True,
                unknown=lambda v: _("No campaign with the code or name “%(value)s”.")
                % {"value": v}),
        )
    return masters


# --- products ------------------------------------------------------------------------------------


@register
class ProductImport(ImportKind):
    """The product master, upserted by code. Masters are company-wide: only managers and
    administrators import them (as they alone edit them in the UI)."""

    key = "products"
    label = gettext_lazy("products")
    model = Product
    key_column = "code"
    columns = (
        Column("code", _label(Product, "code"), (
            "商品コード", "品番", "商品番号", "品目コード", "SKU", "product code", "item code"),
            required=True),
        Column("name", _label(Product, "name"), ("商品名", "品名", "品目名", "product name",
                                                 "item name")),
        Column("category", _label(Product, "category"), (
            "カテゴリ", "カテゴリー", "分類", "商品分類", "商品カテゴリ", "category")),
        Column("list_price", _label(Product, "list_price"), (
            "定価", "販売価格", "単価", "売価", "価格", "標準価格", "list price", "price"),
            parse=parse_money, repeats=True),
        Column("unit_cost", _label(Product, "unit_cost"), (
            "原価", "仕入価格", "仕入単価", "仕入値", "原単価", "unit cost", "cost"),
            parse=parse_money, repeats=True),
        Column("recurring", _label(Product, "recurring"), (
            "定期", "定期便", "サブスク", "サブスクリプション", "定期購入", "subscription"),
            parse=parse_flag, repeats=True),
        Column("active", _label(Product, "active"), (
            "有効", "販売中", "取扱", "取扱中", "販売状態", "active"),
            parse=parse_flag, repeats=True),
    )

    def clean(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        _require_master_editor(context.actor)
        fields = dict(values)
        code = fields.get("code", "")
        if not code:
            raise ValidationError({"code": [str(REQUIRED)]})
        for name in ("name", "category"):
            if name in fields:
                fields[name] = normalize_width(fields[name])
        codes: set[str] = context.cache.setdefault(
            "product:codes", set(Product.objects.values_list("code", flat=True)))
        if code not in codes and not fields.get("name"):
            raise ValidationError({"name": [_("A new product needs a name.")]})
        exclude = [f.name for f in Product._meta.fields if f.name not in fields]
        Product(**fields).clean_fields(exclude=exclude)
        return fields

    def existing(self, keys: Sequence[str], context: Context) -> dict[str, models.Model]:
        return {p.code: p for p in Product.objects.filter(code__in=keys)}

    def write(self, creates: list[dict[str, Any]],
              updates: list[tuple[models.Model, dict[str, Any]]],
              context: Context) -> tuple[int, int]:
        updated = apply_updates(context.actor, Product, updates)
        Product.objects.bulk_create([Product(**f) for f in creates], batch_size=BATCH_SIZE)
        return len(creates), updated


# --- orders --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One order line with place_order's defaults applied (unit price = list price, cost of
    goods = quantity × unit cost)."""

    product: Product
    quantity: int
    unit_price: int
    discount: int
    cost_of_goods: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price - self.discount

    def values(self) -> tuple[int, int, int, int, int]:
        return (self.product.pk, self.quantity, self.unit_price, self.discount,
                self.cost_of_goods)


def _stored_values(line: OrderLine) -> tuple[int, int, int, int, int]:
    return (line.product_id, line.quantity, line.unit_price, line.discount, line.cost_of_goods)


def _ledger_lines(lines: Iterable[tuple[int, int, int, int, int]]) -> list[list[int]]:
    # [product, quantity, unit price, discount, cost of goods]: place_order's ledger format plus
    # the cost, so that a re-import that only corrects costs still shows what changed.
    return [list(values) for values in lines]


# Values that belong to the order, not the line: each line may repeat them (or leave them blank)
# but two lines of one order must not disagree.
_ORDER_LEVEL = ("ordered_at", "customer", "account", "department", "channel", "campaign",
                "order_discount", "shipping_fee", "fulfilment_cost")
_LINE_FIELDS = ("order_id", "product_id", "quantity", "unit_price", "discount",
                "cost_of_goods", "amount")


@register
class OrderImport(ImportKind):
    """Orders, one row per line, grouped by order number; re-importing an order replaces its
    lines when they changed. The buyer is a customer or an account (optionally one of its
    departments) imported earlier from the same source, found by its import ID."""

    key = "orders"
    label = gettext_lazy("orders")
    model = Order
    key_column = "external_id"
    grouped = True
    columns = (
        Column("external_id", _label(Order, "number"), (
            "注文番号", "受注番号", "注文ID", "受注ID", "注文No", "伝票番号", "order id",
            "order number", "order no"), required=True),
        Column("ordered_at", _label(Order, "ordered_at"), (
            "注文日", "受注日", "購入日", "注文日時", "受注日時", "購入日時", "売上日",
            "order date", "date"), parse=parse_ordered_at, required=True,
            repeats=True),
        Column("customer", gettext_lazy("customer ID"), (
            "顧客ID", "会員番号", "顧客番号", "会員ID", "顧客コード", "お客様番号", "customer id",
            "customer number", "member id")),
        Column("account", gettext_lazy("account ID"), (
            "取引先ID", "会社ID", "企業ID", "取引先コード", "会社コード", "account id")),
        Column("department", _label(Order, "department"), ("部署", "部署名", "部門", "department")),
        Column("channel", _label(Order, "channel"), (
            "販売チャネル", "チャネル", "チャネルコード", "販売経路", "channel")),
        Column("campaign", _label(Order, "campaign"), (
            "キャンペーン", "キャンペーンコード", "施策", "campaign")),
        Column("product", _label(OrderLine, "product"), (
            "商品コード", "品番", "商品番号", "品目コード", "SKU", "product code", "item code"),
            required=True),
        Column("quantity", _label(OrderLine, "quantity"), (
            "数量", "個数", "注文数", "購入数", "qty", "quantity"),
            parse=parse_integer, repeats=True, required=True),
        Column("unit_price", _label(OrderLine, "unit_price"), (
            "単価", "販売単価", "売価", "unit price", "price"),
            parse=parse_money, repeats=True),
        Column("discount", _label(OrderLine, "discount"), (
            "値引", "値引き", "割引", "値引額", "割引額", "明細値引", "line discount", "discount"),
            parse=parse_discount, repeats=True),
        Column("cost_of_goods", _label(OrderLine, "cost_of_goods"), (
            "原価", "売上原価", "原価合計", "cost of goods", "cogs"),
            parse=parse_money, repeats=True),
        Column("shipping_fee", _label(Order, "shipping_fee"), (
            "送料", "配送料", "shipping", "shipping fee"), parse=parse_money, repeats=True),
        Column("fulfilment_cost", _label(Order, "fulfilment_cost"), (
            "配送費用", "出荷コスト", "配送コスト", "物流費", "fulfilment cost",
            "fulfillment cost"), parse=parse_money, repeats=True),
        Column("order_discount", _label(Order, "discount"), (
            "注文値引", "注文値引き", "注文割引", "クーポン値引", "クーポン割引", "order discount",
            "coupon discount"), parse=parse_discount, repeats=True),
    )

    # --- one row = one line

    def clean(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        masters = _masters(context)
        errors: dict[str, list[str]] = {}
        fields: dict[str, Any] = {}

        def check(name: str, get: Callable[[], Any]) -> Any:
            try:
                return get()
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
                return None

        for name in ("external_id", "product", "quantity"):
            if name not in values:
                errors[name] = [str(REQUIRED)]
        fields["external_id"] = values.get("external_id", "")
        for name in ("ordered_at", "order_discount", "shipping_fee", "fulfilment_cost"):
            if name in values:
                fields[name] = values[name]
        refs: dict[str, set[str]] = context.cache.setdefault(
            "order:refs", {"customer": set(), "account": set()})
        for name in ("customer", "account"):
            if name in values:
                fields[name] = values[name]
                refs[name].add(values[name])
        if "department" in values:
            fields["department"] = normalize_width(values["department"])
        for name, lookup in (("channel", masters.channels), ("campaign", masters.campaigns)):
            if name in values:
                fields[name] = check(name, lambda text=values[name], lk=lookup: lk.find(text))
        product = None
        if "product" in values:
            product = check("product", lambda: masters.products.find(values["product"]))
        quantity = values.get("quantity")
        if quantity is not None and quantity <= 0:
            errors["quantity"] = [_("Quantities are positive; a return is its own order.")]
        if fields["external_id"]:  # its length, with the model's own message
            check("external_id",
                  lambda: Order._meta.get_field("external_id").clean(fields["external_id"], None))
        if errors:
            raise ValidationError(errors)
        assert product is not None
        assert quantity is not None
        fields["line"] = _Line(
            product=product, quantity=quantity,
            unit_price=values.get("unit_price", product.list_price),
            discount=values.get("discount", 0),
            cost_of_goods=values.get("cost_of_goods", quantity * product.unit_cost))
        return fields

    # --- the lines of one order = one order

    def merge_rows(self, rows: list[dict[str, Any]], context: Context) -> dict[str, Any]:
        buyers = _buyers(context)
        key = rows[0]["external_id"]
        merged: dict[str, Any] = {}
        errors: list[str] = []
        labels = {c.name: c.label for c in self.columns}
        for name in _ORDER_LEVEL:
            found: dict[Any, Any] = {}
            for row in rows:
                if name in row and row[name] is not None:
                    value = row[name]
                    found.setdefault(value.pk if isinstance(value, models.Model) else value,
                                     value)
            if len(found) > 1:
                errors.append(_("The lines of order “%(id)s” disagree on %(field)s: "
                                "%(values)s.") % {
                    "id": key, "field": labels[name],
                    "values": ", ".join(f"“{_display(v)}”" for v in found.values())})
            elif found:
                merged[name] = next(iter(found.values()))
        if errors:
            raise ValidationError(errors)

        order: dict[str, Any] = {
            "source": context.source, "external_id": key,
            # The order number people see is the one from the file; the field is shorter than
            # an external ID, so a longer one is left blank rather than cut.
            "number": key if len(key) <= Order._meta.get_field("number").max_length else "",
        }
        if "ordered_at" not in merged:
            errors.append(_("Order “%(id)s” has no order date.") % {"id": key})
        else:
            order["ordered_at"] = merged["ordered_at"]
        # The buyer is always taken whole from the file: customer, or account (+ department).
        customer_id, account_id = merged.get("customer"), merged.get("account")
        order["customer"] = order["account"] = order["department"] = None
        if (customer_id is None) == (account_id is None):
            errors.append(_("An order is placed by either a customer or an account."))
        elif customer_id is not None:
            order["customer"] = buyers.customers.get(customer_id)
            if order["customer"] is None:
                errors.append(_("No customer with the ID “%(value)s” from this source.")
                              % {"value": customer_id})
            if merged.get("department"):
                errors.append(_("A department is only for an order by an account."))
        else:
            account = order["account"] = buyers.accounts.get(account_id)
            if account is None:
                errors.append(_("No account with the ID “%(value)s” from this source.")
                              % {"value": account_id})
            elif merged.get("department"):
                order["department"] = buyers.departments.get(
                    (account.pk, match_key(merged["department"])))
                if order["department"] is None:
                    errors.append(_("The account has no department “%(value)s”.")
                                  % {"value": merged["department"]})
        if errors:
            raise ValidationError(errors)
        for name in ("channel", "campaign", "shipping_fee", "fulfilment_cost"):
            if name in merged:
                order[name] = merged[name]
        if "order_discount" in merged:
            order["discount"] = merged["order_discount"]
        order["lines"] = [row["line"] for row in rows]
        return order

    # --- comparing with what is stored

    def existing(self, keys: Sequence[str], context: Context) -> dict[str, models.Model]:
        orders = (Order.objects.filter(source=context.source, external_id__in=keys)
                  .prefetch_related("lines")
                  .annotate(_visible=_buyer_visible(context.actor)))
        return {o.external_id: o for o in orders}

    def check_update(self, instance: models.Model, context: Context) -> None:
        if not getattr(instance, "_visible", False):
            raise PermissionDenied

    def changes(self, instance: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
        assert isinstance(instance, Order)
        changed = super().changes(instance, {k: v for k, v in fields.items() if k != "lines"})
        # Lines compare as a multiset: an export that lists them in another order is the
        # same order.
        if (sorted(line.values() for line in fields["lines"])
                != sorted(_stored_values(line) for line in instance.lines.all())):
            changed["lines"] = fields["lines"]
        return changed

    # --- writing

    def write(self, creates: list[dict[str, Any]],
              updates: list[tuple[models.Model, dict[str, Any]]],
              context: Context) -> tuple[int, int]:
        first_purchases: dict[int, dt.date] = {}
        created = _create_orders(creates, context, first_purchases)
        updated = _update_orders(updates, context.actor, first_purchases)
        _note_first_purchases(first_purchases, _buyers(context).customers_by_pk)
        return created, updated


def _display(value: Any) -> str:
    if isinstance(value, dt.datetime):
        local = value.astimezone(TOKYO)
        return local.strftime("%Y-%m-%d" if local.time() == dt.time() else "%Y-%m-%d %H:%M")
    return str(value)


def _buyer_visible(actor: User) -> Any:
    """Annotation: may the actor see this order's buyer (commerce.queries.visible_orders)?"""
    if actor.is_administrator:
        return Value(True)
    condition = (Q(customer__in=Customer.objects.filter(visible_q(actor)).values("pk"))
                 | Q(account__in=Account.objects.filter(visible_q(actor)).values("pk")))
    return Case(When(condition, then=Value(True)), default=Value(False))


@dataclass
class _Buyers:
    customers: dict[str, Customer]
    customers_by_pk: dict[int, Customer]
    accounts: dict[str, Account]
    departments: dict[tuple[int, str], Department]


def _buyers(context: Context) -> _Buyers:
    """Every customer and account the file names, looked up at once (IN queries of
    LOOKUP_CHUNK ids) when the first order is merged: by then every row has been read. Only
    buyers the actor may see are found; others are "not found", as everywhere (STYLE §3)."""
    buyers = context.cache.get("order:buyers")
    if buyers is not None:
        return buyers
    refs = context.cache.get("order:refs", {"customer": set(), "account": set()})
    customers: dict[str, Customer] = {}
    for chunk in _chunks(sorted(refs["customer"])):
        for customer in (Customer.objects.filter(visible_q(context.actor))
                         .filter(source=context.source, external_id__in=chunk)
                         .select_related("merged_into")):
            # A customer merged into another (名寄せ): the survivor buys from now on.
            customers[customer.external_id] = customer.merged_into or customer
    accounts: dict[str, Account] = {}
    for chunk in _chunks(sorted(refs["account"])):
        for account in (Account.objects.filter(visible_q(context.actor))
                         .filter(source=context.source, external_id__in=chunk)
                         .select_related("merged_into")):
            accounts[account.external_id] = account.merged_into or account
    departments: dict[tuple[int, str], Department] = {}
    ambiguous: set[tuple[int, str]] = set()
    for chunk in _chunks(sorted(a.pk for a in accounts.values())):
        for department in Department.objects.filter(account_id__in=chunk).only(
                "pk", "account_id", "name"):
            key = (department.account_id, match_key(department.name))
            if key in departments:
                ambiguous.add(key)
            departments[key] = department
    for key in ambiguous:  # two departments with one name: the file cannot say which
        del departments[key]
    buyers = context.cache["order:buyers"] = _Buyers(
        customers, {c.pk: c for c in customers.values()}, accounts, departments)
    return buyers


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]


def _total(order: Order, lines: Iterable[_Line] | Iterable[OrderLine]) -> int:
    # As place_order: the lines' amounts, less the order discount, plus the shipping charged.
    return sum(line.amount for line in lines) - order.discount + order.shipping_fee


def _note(first_purchases: dict[int, dt.date], order: Order) -> None:
    if order.customer_id is not None:
        day = order.ordered_at.astimezone(TOKYO).date()
        known = first_purchases.get(order.customer_id)
        if known is None or day < known:
            first_purchases[order.customer_id] = day


def _create_orders(creates: list[dict[str, Any]], context: Context,
                   first_purchases: dict[int, dt.date]) -> int:
    if not creates:
        return 0
    orders = []
    for fields in creates:
        order = Order(**{k: v for k, v in fields.items() if k != "lines"})
        order.total = _total(order, fields["lines"])
        orders.append(order)
        _note(first_purchases, order)
    # bulk_create gives the new ids back on PostgreSQL and SQLite ≥ 3.35; read them back by
    # (source, external id) where the database cannot.
    Order.objects.bulk_create(orders, batch_size=BATCH_SIZE)
    if any(order.pk is None for order in orders):
        ids: dict[str, int] = {}
        for chunk in _chunks([o.external_id for o in orders]):
            ids.update(Order.objects.filter(source=context.source, external_id__in=chunk)
                       .values_list("external_id", "pk"))
        for order in orders:
            order.pk = ids[order.external_id]
    _insert_lines((order.pk, fields["lines"]) for order, fields in zip(orders, creates,
                                                                        strict=True))
    return len(orders)


def _insert_lines(lines_by_order: Iterable[tuple[int, list[_Line]]]) -> None:
    rows = [(order_id, *line.values(), line.amount)
            for order_id, lines in lines_by_order for line in lines]
    insert_rows(OrderLine, _LINE_FIELDS, rows, BATCH_SIZE)


def _update_orders(updates: list[tuple[models.Model, dict[str, Any]]], actor: User,
                   first_purchases: dict[int, dt.date]) -> int:
    """Changed orders: fields set, lines replaced when they changed, total recomputed, version
    bumped, and one ledger entry each (old -> new, lines included)."""
    if not updates:
        return 0
    now = timezone.now()
    names = {"total", "version", "updated_at"}
    changed: list[Order] = []
    replaced: list[tuple[int, list[_Line]]] = []
    ledger: list[tuple[models.Model, dict[str, list[Any]]]] = []
    for instance, changes in updates:
        assert isinstance(instance, Order)
        stored = list(instance.lines.all())
        before = field_values(instance)
        before["lines"] = _ledger_lines(_stored_values(line) for line in stored)
        for name, value in changes.items():
            if name != "lines":
                setattr(instance, name, value)
                names.add(name)
        lines: list[_Line] | list[OrderLine] = changes.get("lines", stored)
        if "lines" in changes:
            replaced.append((instance.pk, changes["lines"]))
        instance.total = _total(instance, lines)
        instance.version += 1
        instance.updated_at = now
        after = field_values(instance)
        after["lines"] = _ledger_lines(
            line.values() if isinstance(line, _Line) else _stored_values(line) for line in lines)
        ledger.append((instance, diff(before, after)))
        changed.append(instance)
        _note(first_purchases, instance)
    for chunk in _chunks([order_id for order_id, _lines in replaced]):
        OrderLine.objects.filter(order_id__in=chunk).delete()
    _insert_lines(replaced)
    Order.objects.bulk_update(changed, sorted(names), batch_size=BATCH_SIZE)
    record_changes(actor, LedgerAction.UPDATE, ledger)
    return len(changed)


def _note_first_purchases(days: dict[int, dt.date], customers: dict[int, Customer]) -> None:
    """Move customers' first purchase date earlier where an imported order is earlier, in one
    bulk update (place_order's _note_first_purchase, for many orders). The stored date is read
    again in the UPDATE itself (LEAST(COALESCE(…))), so a concurrent change is not undone."""
    moved = []
    for pk, day in days.items():
        customer = customers.get(pk)
        if customer is None:  # the buyer of an updated order is always in the file; guard
            customer = Customer(pk=pk, first_purchase_date=None)
        if customer.first_purchase_date is None or day < customer.first_purchase_date:
            customer.first_purchase_date = Least(Coalesce(F("first_purchase_date"), Value(day)),
                                                 Value(day))
            moved.append(customer)
    Customer.objects.bulk_update(moved, ["first_purchase_date"], batch_size=BATCH_SIZE)
    for customer in moved:  # the instances stay usable (cached for this import)
        customer.first_purchase_date = days[customer.pk]
