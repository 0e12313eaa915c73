"""Commerce API: masters (products, channels, media, campaigns) and orders with their returns.

Masters are company-wide: everyone reads them, managers and administrators change them (the
services refuse others). Orders are visible to whoever may see their buyer; totals are computed
by the service from the lines, in integer yen.
"""

# No ``from __future__ import annotations`` here: ninja reads the annotations of the endpoints
# that ``_master_routes`` defines in a closure, and string annotations would not resolve there.

from datetime import date
from typing import Annotated, Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.commerce import services
from kizuna.commerce.models import (
    Campaign,
    Channel,
    InstalledProduct,
    InstallStatus,
    MasterModel,
    Medium,
    Order,
    OrderKind,
    OrderLine,
    Product,
)
from kizuna.commerce.queries import (
    access_installed_product,
    access_order,
    visible_installed_products,
    visible_orders,
)
from kizuna.core.access import NotFound
from kizuna.core.api import (
    ERRORS,
    DateTimeIn,
    DateTimeOut,
    Page,
    RecordOut,
    Source,
    VersionIn,
    changes,
    choice,
    deleted,
    everyone,
    resolve,
)
from kizuna.core.models import User
from kizuna.customers.queries import visible_accounts, visible_customers, visible_departments

Yen = int  # integer yen, never float (ARCHITECTURE "Data rules")

router = Router()


# --- masters -------------------------------------------------------------------------------------


class MasterIn(Schema):
    code: str = Field(..., min_length=1, max_length=50)
    name: str = Field(..., min_length=1, max_length=200)
    active: bool = True


class MasterPatch(VersionIn):
    code: str | None = Field(None, min_length=1, max_length=50)
    name: str | None = Field(None, min_length=1, max_length=200)
    active: bool | None = None


class MasterOut(RecordOut):
    code: str
    name: str
    active: bool


class MasterFilters(FilterSchema):
    q: Annotated[str | None, FilterLookup(["code__icontains", "name__icontains"])] = None
    active: bool | None = None


class ProductFields(Schema):
    category: str = Field("", max_length=100)
    list_price: Yen = Field(0, ge=0)
    unit_cost: Yen = Field(0, ge=0)
    recurring: bool = False


class ProductIn(MasterIn, ProductFields):
    pass


class ProductPatch(MasterPatch, ProductFields):
    pass


class ProductOut(MasterOut):
    category: str
    list_price: Yen
    unit_cost: Yen
    recurring: bool


class ProductFilters(MasterFilters):
    category: str | None = None


class CampaignFields(Schema):
    medium_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    cost: Yen = Field(0, ge=0)


class CampaignIn(MasterIn, CampaignFields):
    pass


class CampaignPatch(MasterPatch, CampaignFields):
    pass


class CampaignOut(MasterOut):
    medium_id: int | None
    starts_on: date | None
    ends_on: date | None
    cost: Yen


class CampaignFilters(MasterFilters):
    medium_id: int | None = None


def _master_routes(path: str, model: type[MasterModel], out: type[Schema],
                   create_in: type[Schema], patch_in: type[Schema],
                   filters: type[FilterSchema],
                   links: dict[str, Source] | None = None) -> None:
    """List/get/create/change/delete for one master: the five endpoints are the same for all."""
    links = links or {}
    label = model._meta.verbose_name_plural
    one = model._meta.verbose_name
    sub = Router(tags=[str(model._meta.model_name)])

    @sub.get("", response=list[out], summary=f"List {label}", operation_id=f"list_{path}")
    @paginate(Page)
    def list_masters(request: HttpRequest, params: Query[filters]) -> Any:  # type: ignore[valid-type]
        return params.filter(model._default_manager.all())

    @sub.post("", response={201: out, **ERRORS}, summary=f"Create a {one} (managers)",
              operation_id=f"create_{path}")
    def create(request: HttpRequest, payload: create_in) -> Any:  # type: ignore[valid-type]
        data = resolve(request.auth, payload.dict(), links)
        return Status(201, services.create_master(actor=request.auth, model=model, **data))

    @sub.get("/{pk}", response={200: out, **ERRORS}, summary=f"One {one}",
             operation_id=f"get_{path}")
    def get(request: HttpRequest, pk: int) -> Any:
        return _master(model, pk)

    @sub.patch("/{pk}", response={200: out, **ERRORS}, summary=f"Change a {one} (managers)",
               operation_id=f"update_{path}")
    def update(request: HttpRequest, pk: int, payload: patch_in) -> Any:  # type: ignore[valid-type]
        version, data = changes(payload)
        return services.update_master(actor=request.auth, instance=_master(model, pk),
                                      expected_version=version,
                                      **resolve(request.auth, data, links))

    @sub.delete("/{pk}", response={204: None, **ERRORS}, summary=f"Delete a {one} (managers)",
                operation_id=f"delete_{path}")
    def delete(request: HttpRequest, pk: int, version: int) -> Any:
        instance = _master(model, pk)
        return deleted(lambda: services.delete_master(actor=request.auth, instance=instance,
                                                      expected_version=version))

    router.add_router(f"/{path}", sub)


def _master(model: type[MasterModel], pk: int) -> Any:
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise NotFound
    return found


_master_routes("products", Product, ProductOut, ProductIn, ProductPatch, ProductFilters)
_master_routes("channels", Channel, MasterOut, MasterIn, MasterPatch, MasterFilters)
_master_routes("media", Medium, MasterOut, MasterIn, MasterPatch, MasterFilters)
_master_routes("campaigns", Campaign, CampaignOut, CampaignIn, CampaignPatch, CampaignFilters,
               links={"medium_id": everyone(Medium)})


# --- orders --------------------------------------------------------------------------------------

orders = Router(tags=["orders"])


class LineIn(Schema):
    product_id: int
    quantity: int = Field(..., ge=1)
    unit_price: Yen | None = Field(None, ge=0, description="Defaults to the list price")
    discount: Yen = Field(0, ge=0, description="Off this line")


class LineOut(Schema):
    id: int
    product_id: int
    product_code: str
    product_name: str
    quantity: int
    unit_price: Yen
    discount: Yen
    cost_of_goods: Yen
    amount: Yen

    @staticmethod
    def resolve_product_code(line: OrderLine) -> str:
        return line.product.code

    @staticmethod
    def resolve_product_name(line: OrderLine) -> str:
        return line.product.name


class OrderIn(Schema):
    customer_id: int | None = Field(None, description="A D2C customer, or…")
    account_id: int | None = Field(None, description="…an account (exactly one of the two)")
    department_id: int | None = None
    channel_id: int | None = None
    campaign_id: int | None = None
    ordered_at: DateTimeIn | None = Field(None, description="Defaults to now")
    number: str = Field("", max_length=50)
    discount: Yen = Field(0, ge=0, description="Off the whole order")
    shipping_fee: Yen = Field(0, ge=0, description="Charged to the buyer")
    fulfilment_cost: Yen = Field(0, ge=0, description="What shipping and packing cost us")
    source: str = Field("", max_length=50)
    external_id: str = Field("", max_length=100)
    lines: list[LineIn] = Field(..., min_length=1)


class ReturnLineIn(Schema):
    product_id: int
    quantity: int = Field(..., ge=1, description="How many come back (positive)")


class ReturnIn(Schema):
    returned_at: DateTimeIn | None = Field(None, description="Defaults to now")
    refund_shipping: bool = False
    lines: list[ReturnLineIn] = Field(..., min_length=1)


class OrderOut(RecordOut):
    number: str
    kind: str
    original_id: int | None
    customer_id: int | None
    account_id: int | None
    department_id: int | None
    channel_id: int | None
    campaign_id: int | None
    ordered_at: DateTimeOut
    discount: Yen
    shipping_fee: Yen
    fulfilment_cost: Yen
    total: Yen = Field(..., description="Computed: lines − discount + shipping fee")
    source: str
    external_id: str
    lines: list[LineOut]


class OrderFilters(FilterSchema):
    customer_id: int | None = None
    account_id: int | None = None
    kind: choice(OrderKind) | None = None  # type: ignore[valid-type]
    date_from: Annotated[date | None, FilterLookup("ordered_at__date__gte")] = Field(
        None, description="First day, inclusive (site time zone)")
    date_to: Annotated[date | None, FilterLookup("ordered_at__date__lte")] = Field(
        None, description="Last day, inclusive (site time zone)")


ORDER_LINKS: dict[str, Source] = {"customer_id": visible_customers,
                                  "account_id": visible_accounts,
                                  "department_id": visible_departments,
                                  "channel_id": everyone(Channel),
                                  "campaign_id": everyone(Campaign)}


def _with_lines(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")))


def _products(lines: list[dict[str, Any]]) -> dict[int, Product]:
    products = Product.objects.in_bulk({line["product_id"] for line in lines})
    if len(products) != len({line["product_id"] for line in lines}):
        raise NotFound
    return products


def _order(user: User, pk: int) -> Order:
    return access_order(user, pk)


@orders.get("", response=list[OrderOut], summary="List orders of buyers you may see")
@paginate(Page)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> Any:
    return _with_lines(filters.filter(visible_orders(request.auth)))


@orders.post("", response={201: OrderOut, **ERRORS}, summary="Place an order")
def place_order(request: HttpRequest, payload: OrderIn) -> Any:
    data = resolve(request.auth, payload.dict(), ORDER_LINKS)
    lines = data.pop("lines")
    products = _products(lines)
    order = services.place_order(
        actor=request.auth,
        ordered_at=data.pop("ordered_at") or timezone.now(),
        lines=[services.LineInput(product=products[line["product_id"]],
                                  quantity=line["quantity"], unit_price=line["unit_price"],
                                  discount=line["discount"]) for line in lines],
        **data,
    )
    return Status(201, _order(request.auth, order.pk))


@orders.get("/{order_id}", response={200: OrderOut, **ERRORS}, summary="One order with its "
                                                                       "lines")
def get_order(request: HttpRequest, order_id: int) -> Order:
    return _order(request.auth, order_id)


@orders.post("/{order_id}/returns", response={201: OrderOut, **ERRORS},
             summary="Record a return against an order")
def record_return(request: HttpRequest, order_id: int, payload: ReturnIn) -> Any:
    original = _order(request.auth, order_id)
    data = payload.dict()
    products = _products(data["lines"])
    returned = services.record_return(
        actor=request.auth, original=original,
        returned_at=data["returned_at"] or timezone.now(),
        refund_shipping=data["refund_shipping"],
        lines=[services.LineInput(product=products[line["product_id"]],
                                  quantity=line["quantity"]) for line in data["lines"]],
    )
    return Status(201, _order(request.auth, returned.pk))


router.add_router("/orders", orders)


# --- installed products --------------------------------------------------------------------------

installed = Router(tags=["installed products"])


class InstalledFields(Schema):
    department_id: int | None = None
    quantity: int = Field(1, ge=1)
    serial_number: str = Field("", max_length=100)
    warranty_until: date | None = None
    status: choice(InstallStatus) = InstallStatus.IN_USE  # type: ignore[valid-type]
    retired_on: date | None = Field(None, description="Required when the status is retired")
    note: str = ""


class InstalledIn(InstalledFields):
    account_id: int
    product_id: int
    installed_on: date


class InstalledPatch(VersionIn):
    department_id: int | None = None
    product_id: int | None = None
    installed_on: date | None = None
    quantity: int | None = Field(None, ge=1)
    serial_number: str | None = Field(None, max_length=100)
    warranty_until: date | None = None
    status: choice(InstallStatus) | None = None  # type: ignore[valid-type]
    retired_on: date | None = None
    note: str | None = None


class InstalledOut(RecordOut):
    account_id: int
    department_id: int | None
    product_id: int
    product_code: str
    quantity: int
    serial_number: str
    installed_on: date
    warranty_until: date | None
    status: str
    retired_on: date | None
    order_line_id: int | None
    note: str

    @staticmethod
    def resolve_product_code(item: InstalledProduct) -> str:
        return item.product.code


class InstalledFilters(FilterSchema):
    account_id: int | None = None
    product_id: int | None = None
    category: Annotated[str | None, FilterLookup("product__category")] = None
    status: choice(InstallStatus) | None = None  # type: ignore[valid-type]
    installed_before: Annotated[date | None, FilterLookup("installed_on__lt")] = None


INSTALLED_LINKS: dict[str, Source] = {"account_id": visible_accounts,
                                      "department_id": visible_departments,
                                      "product_id": everyone(Product)}


@installed.get("", response=list[InstalledOut],
               summary="List installed products of accounts you may see")
@paginate(Page)
def list_installed(request: HttpRequest, filters: Query[InstalledFilters]) -> Any:
    return filters.filter(visible_installed_products(request.auth))


@installed.post("", response={201: InstalledOut, **ERRORS},
                summary="Record an installed product")
def create_installed(request: HttpRequest, payload: InstalledIn) -> Any:
    data = resolve(request.auth, payload.dict(), INSTALLED_LINKS)
    return Status(201, services.create_installed_product(actor=request.auth, **data))


@installed.get("/{pk}", response={200: InstalledOut, **ERRORS}, summary="One installed product")
def get_installed(request: HttpRequest, pk: int) -> Any:
    return access_installed_product(request.auth, pk)


@installed.patch("/{pk}", response={200: InstalledOut, **ERRORS},
                 summary="Change an installed product (e.g. retire it)")
def update_installed(request: HttpRequest, pk: int, payload: InstalledPatch) -> Any:
    item = access_installed_product(request.auth, pk, write=True)
    version, data = changes(payload)
    return services.update_installed_product(actor=request.auth, installed=item,
                                             expected_version=version,
                                             **resolve(request.auth, data, INSTALLED_LINKS))


@installed.delete("/{pk}", response={204: None, **ERRORS},
                  summary="Delete an installed product entered by mistake")
def delete_installed(request: HttpRequest, pk: int, version: int) -> Any:
    item = access_installed_product(request.auth, pk, write=True)
    return deleted(lambda: services.delete_installed_product(
        actor=request.auth, installed=item, expected_version=version))


router.add_router("/installed-products", installed)
