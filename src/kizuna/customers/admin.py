"""Django admin for customer data: administrators define the custom fields here; the records
themselves can be looked up but are changed in the app's own pages, whose services clean the
input the Japanese way and keep the search keys, the merges and the ledger right."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kizuna.core.admin import AuditedAdminMixin
from kizuna.customers.models import (
    Account,
    Contact,
    Customer,
    CustomFieldDefinition,
    CustomFieldType,
    Department,
)


class CustomFieldDefinitionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CustomFieldDefinition
        fields = ["entity", "key", "label_ja", "label_en", "field_type", "choices", "required",
                  "position"]
        help_texts = {"choices": _('For the type “Choice” only: a JSON list, e.g. '
                                   '["A", "B", "C"]')}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choices = data.get("choices") or []
        if data.get("field_type") == CustomFieldType.CHOICE:
            if not isinstance(choices, list) or not choices \
                    or not all(isinstance(c, str) and c.strip() for c in choices):
                self.add_error("choices", _("A choice field needs a list of its choices, "
                                            'e.g. ["A", "B", "C"].'))
            else:
                data["choices"] = list(dict.fromkeys(c.strip() for c in choices))
        else:
            data["choices"] = []  # only a choice field has choices
        return data


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = CustomFieldDefinitionForm
    list_display = ["entity", "position", "key", "label_ja", "label_en", "field_type",
                    "required"]
    list_display_links = ["key"]
    list_filter = ["entity", "field_type"]
    ordering = ["entity", "position", "key"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            obj.version += 1  # an open form that shows the field must see it changed
        super().save_model(request, obj, form, change)


class LookUpOnlyAdmin(admin.ModelAdmin):
    """Records shown for looking up, never changed here (see the module docstring)."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Account)
class AccountAdmin(LookUpOnlyAdmin):
    list_display = ["name", "name_kana", "prefecture", "owner", "team", "updated_at"]
    search_fields = ["name", "name_kana", "corporate_number", "external_id"]
    list_filter = ["team", "prefecture"]
    list_select_related = ["owner", "team"]


@admin.register(Department)
class DepartmentAdmin(LookUpOnlyAdmin):
    list_display = ["name", "account", "owner", "updated_at"]
    search_fields = ["name", "name_kana", "account__name"]
    list_select_related = ["account", "owner"]


@admin.register(Contact)
class ContactAdmin(LookUpOnlyAdmin):
    list_display = ["family_name", "given_name", "account", "buying_role", "owner",
                    "updated_at"]
    search_fields = ["family_name", "given_name", "family_name_kana", "given_name_kana",
                     "email", "external_id"]
    list_filter = ["buying_role"]
    list_select_related = ["account", "owner"]


@admin.register(Customer)
class CustomerAdmin(LookUpOnlyAdmin):
    list_display = ["family_name", "given_name", "prefecture", "gender", "birth_year",
                    "first_purchase_date", "owner"]
    search_fields = ["family_name", "given_name", "family_name_kana", "given_name_kana",
                     "email", "external_id"]
    list_filter = ["gender", "acquisition_channel"]
    list_select_related = ["owner"]
    show_full_result_count = False  # a million rows: no COUNT(*) for the "of N" line
