"""Masters (products, channels, media, campaigns) and what customers bought (orders).

Money is integer yen throughout (ARCHITECTURE "Data rules").
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import VersionedModel
from kizuna.customers.models import Account, Customer, Department, ExternalIdModel

Yen = models.BigIntegerField


class MasterModel(VersionedModel):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Channel(MasterModel):
    """販売チャネル: EC site, store, call centre, catalogue, field sales…"""

    class Meta(MasterModel.Meta):
        verbose_name = _("channel")
        verbose_name_plural = _("channels")


class Medium(MasterModel):
    """媒体: where a customer first heard of us (search ad, newspaper insert, referral…)."""

    class Meta(MasterModel.Meta):
        verbose_name = _("medium")
        verbose_name_plural = _("media")


class Campaign(MasterModel):
    medium = models.ForeignKey(Medium, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="campaigns", verbose_name=_("medium"))
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    cost = Yen(_("cost (yen)"), default=0, validators=[MinValueValidator(0)])

    class Meta(MasterModel.Meta):
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")


class Product(MasterModel):
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    list_price = Yen(_("list price (yen)"), default=0, validators=[MinValueValidator(0)])
    unit_cost = Yen(_("unit cost (yen)"), default=0, validators=[MinValueValidator(0)])
    recurring = models.BooleanField(_("recurring"), default=False,
                                    help_text=_("A subscription or contract renewed each period"))

    class Meta(MasterModel.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")


class OrderKind(models.TextChoices):
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")


class Order(VersionedModel, ExternalIdModel):
    """An order from a D2C customer, or from an account (optionally one of its departments).

    A return is an order of kind ``return`` pointing to the original, with negative quantities,
    so that revenue sums stay simple and the original is never rewritten.
    """

    number = models.CharField(_("order number"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=OrderKind.choices,
                            default=OrderKind.SALE)
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="returns", verbose_name=_("returned order"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="orders", verbose_name=_("customer"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="orders", verbose_name=_("account"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="orders", verbose_name=_("department"))
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="orders", verbose_name=_("channel"))
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="orders", verbose_name=_("campaign"))
    ordered_at = models.DateTimeField(_("ordered at"), db_index=True)
    discount = Yen(_("order discount (yen)"), default=0)
    shipping_fee = Yen(_("shipping fee charged (yen)"), default=0)
    fulfilment_cost = Yen(_("fulfilment cost (yen)"), default=0,
                          help_text=_("What shipping, packing and payment cost us"))
    total = Yen(_("total (yen)"), default=0, editable=False)

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | models.Q(account__isnull=False),
                name="order_has_a_buyer",
            ),
            models.UniqueConstraint(fields=["source", "external_id"],
                                    condition=~models.Q(external_id=""),
                                    name="order_unique_external_id"),
        ]
        indexes = [models.Index(fields=["customer", "ordered_at"]),
                   models.Index(fields=["account", "ordered_at"])]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("order"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines",
                                verbose_name=_("product"))
    quantity = models.IntegerField(_("quantity"), default=1)
    unit_price = Yen(_("unit price (yen)"))
    discount = Yen(_("discount (yen)"), default=0)
    cost_of_goods = Yen(_("cost of goods (yen)"), default=0)
    amount = Yen(_("amount (yen)"), editable=False, default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    def compute_amount(self) -> int:
        return self.quantity * self.unit_price - self.discount


class InstallStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    RETIRED = "retired", _("Retired")


class InstalledProduct(VersionedModel):
    """A product installed at an account (or one of its departments): equipment whose age drives
    maintenance and replacement proposals (the installed base, 導入製品)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT,
                                related_name="installed_products", verbose_name=_("account"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="installed_products",
                                   verbose_name=_("department"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="installations",
                                verbose_name=_("product"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1,
                                           validators=[MinValueValidator(1)])
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    installed_on = models.DateField(_("installed on"))
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InstallStatus.choices,
                              default=InstallStatus.IN_USE)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    order_line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="installations",
                                   verbose_name=_("from order line"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["account", "-installed_on", "-pk"]
        verbose_name = _("installed product")
        verbose_name_plural = _("installed products")
        indexes = [models.Index(fields=["account", "installed_on"]),
                   models.Index(fields=["product", "installed_on"])]
        constraints = [
            models.UniqueConstraint(fields=["order_line"], condition=models.Q(
                order_line__isnull=False), name="installed_product_one_per_order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.installed_on:%Y-%m-%d})"
