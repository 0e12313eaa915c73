from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.commerce.models import Channel, OrderKind
from kizuna.core.forms import ListFilterForm


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
