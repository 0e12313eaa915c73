from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kizuna.commerce.models import Channel, InstalledProduct, InstallStatus, OrderKind, Product
from kizuna.core.forms import ListFilterForm, ServiceForm
from kizuna.customers.forms import limit_choices
from kizuna.customers.models import Account
from kizuna.customers.queries import visible_departments


class ProductFilterForm(ListFilterForm):
    list_id = "product"
    sort_choices = [("", _("Code")), ("name", _("Name")), ("recent", _("Recently updated"))]

    category = forms.CharField(label=_("Category"), required=False)
    active = forms.TypedChoiceField(
        label=_("Status"), required=False, coerce=lambda v: v == "1", empty_value=None,
        choices=[("", "—"), ("1", _("Active")), ("0", _("Inactive"))])


class OrderFilterForm(ListFilterForm):
    list_id = "order"
    sort_choices = [("", _("Newest first")), ("oldest", _("Oldest first"))]

    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ModelChoiceField(label=_("Channel"), required=False,
                                     queryset=Channel.objects.all())
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", "—"), *OrderKind.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Order number or buyer")


class InstalledProductForm(ServiceForm):
    """An installed product of one account; the account comes from the URL or the record."""

    class Meta:
        model = InstalledProduct
        fields = ["product", "department", "quantity", "serial_number", "installed_on",
                  "warranty_until", "status", "retired_on", "note"]
        widgets = {name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                   for name in ("installed_on", "warranty_until", "retired_on")}
        widgets["note"] = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(active=True)
        if self.instance.pk:
            products = Product.objects.filter(Q(active=True) | Q(pk=self.instance.product_id))
        limit_choices(self.fields["product"], products.order_by("code"))
        limit_choices(self.fields["department"],
                      visible_departments(self.actor).filter(account=account),
                      self.instance.department if self.instance.pk else None)


class InstalledProductFilterForm(ListFilterForm):
    list_id = "installed"
    sort_choices = [("", _("Oldest installation first")), ("newest", _("Newest installation")),
                    ("account", _("Account"))]

    category = forms.CharField(label=_("Product category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", "—"), *InstallStatus.choices])
    installed_before = forms.DateField(label=_("Installed before"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
