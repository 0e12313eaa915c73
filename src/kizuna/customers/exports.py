"""Export columns of the customer lists. Named like the import columns (customers.imports), so
an exported file, edited in Excel, imports back: the Kizuna ID column updates the same records.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from kizuna.core.exports import ExportColumn, yes_no
from kizuna.core.imports import get_kind
from kizuna.customers.forms import custom_field_definitions, custom_label
from kizuna.customers.models import CustomFieldDefinition
from kizuna.japanese import format_phone_national, format_postal_code


def _phone(value: str) -> str:
    return format_phone_national(value) if value else ""


def _postal(value: str) -> str:
    return format_postal_code(value) if value else ""


def _columns(kind: str, getters: dict[str, Any], entity: str) -> list[ExportColumn]:
    labels: dict[str, Any] = {c.name: c.label for c in get_kind(kind).columns}
    labels["source"] = gettext_lazy("source")
    columns = [ExportColumn(name, labels[name], get) for name, get in getters.items()]
    for d in custom_field_definitions(entity):
        columns.append(ExportColumn(f"custom.{d.key}", custom_label(d),
                                    lambda r, key=d.key: r.custom.get(key, "")))
    return columns


def _owner(record: Any) -> str:
    return record.owner.get_username()


_PERSON = {
    "family_name": lambda r: r.family_name,
    "given_name": lambda r: r.given_name,
    "family_name_kana": lambda r: r.family_name_kana,
    "given_name_kana": lambda r: r.given_name_kana,
    "email": lambda r: r.email,
    "phone": lambda r: _phone(r.phone),
    "email_opt_in": lambda r: yes_no(r.email_opt_in),
    "phone_opt_in": lambda r: yes_no(r.phone_opt_in),
    "postal_mail_opt_in": lambda r: yes_no(r.postal_mail_opt_in),
}
_IDS = {
    "kizuna_id": lambda r: r.pk,
    "source": lambda r: r.source,
    "external_id": lambda r: r.external_id,
}


def customer_columns() -> list[ExportColumn]:
    return _columns("customers", {
        **_IDS, **_PERSON,
        "postal_code": lambda r: _postal(r.postal_code),
        "prefecture": lambda r: r.prefecture,
        "gender": lambda r: r.get_gender_display() if r.gender else "",
        "birth_year": lambda r: r.birth_year,
        "first_purchase_date": lambda r: r.first_purchase_date,
        "owner": _owner,
    }, CustomFieldDefinition.Entity.CUSTOMER)


def account_columns() -> list[ExportColumn]:
    return _columns("accounts", {
        **_IDS,
        "name": lambda r: r.name,
        "name_kana": lambda r: r.name_kana,
        "corporate_number": lambda r: r.corporate_number,
        "industry": lambda r: r.industry,
        "employee_band": lambda r: r.employee_band,
        "postal_code": lambda r: _postal(r.postal_code),
        "prefecture": lambda r: r.prefecture,
        "city": lambda r: r.city,
        "address_line1": lambda r: r.address_line1,
        "address_line2": lambda r: r.address_line2,
        "phone": lambda r: _phone(r.phone),
        "website": lambda r: r.website,
        "relationship_level": lambda r: r.relationship_level,
        "tags": lambda r: r.tags,
        "owner": _owner,
    }, CustomFieldDefinition.Entity.ACCOUNT)


def contact_columns() -> list[ExportColumn]:
    return _columns("contacts", {
        **_IDS,
        "account_name": lambda r: r.account.name,
        "department_name": lambda r: r.department.name if r.department else "",
        "title": lambda r: r.title,
        "buying_role": lambda r: r.get_buying_role_display() if r.buying_role else "",
        **_PERSON,
        "owner": _owner,
    }, CustomFieldDefinition.Entity.CONTACT)

