"""What a condition may talk about, per entity: a whitelist of fields and aggregates.

Nothing outside these tables reaches the query: a condition names a field by its public name
("prefecture", "account.industry", "custom.budget_month") and the compiler looks up the ORM
path here. Adding a field to a rule language is adding a line to a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.actions.models import Entity
from kizuna.customers.models import (
    Account,
    BuyingRole,
    Contact,
    Customer,
    CustomFieldDefinition,
    CustomFieldType,
    EmployeeBand,
    Gender,
)

TEXT, CHOICE, NUMBER, INTEGER, BOOLEAN, DATE, DATETIME = (
    "text", "choice", "number", "integer", "boolean", "date", "datetime")
# A choice among the codes of a master table (channels, media): compiled to the foreign key id.
MASTER = "master"


@dataclass(frozen=True)
class FieldSpec:
    name: str  # as written in a condition
    path: str  # ORM path
    type: str
    label: Promise | str
    nullable: bool = False
    choices: tuple[str, ...] = ()
    custom_key: str = ""  # for custom.<key>: the key in the record's ``custom`` JSON
    master: type[models.Model] | None = None  # for MASTER: the table whose codes are choices
    # score.<key> / score_band.<key>: the scorecard's id and "total" or "band" (docs/0202)
    scorecard_id: int | None = None
    score_part: str = ""


@dataclass(frozen=True)
class AggregateSpec:
    name: str
    label: Promise
    params: tuple[str, ...]  # optional parameters it accepts
    kind: str  # "count", "yen", "days" (days since), "ratio"


AGGREGATES: dict[str, AggregateSpec] = {a.name: a for a in (
    AggregateSpec("order_count", _("Number of orders"), ("days",), "count"),
    AggregateSpec("revenue", _("Revenue (yen, net of returns)"), ("days",), "yen"),
    AggregateSpec("days_since_last_order", _("Days since the last order"), (), "days"),
    AggregateSpec("product_order_count", _("Orders containing a product"),
                  ("days", "category", "product", "recurring"), "count"),
    AggregateSpec("purchase_cycle_ratio",
                  _("Days since the last order ÷ the customer's median days between orders"),
                  ("min_orders",), "ratio"),
    AggregateSpec("activity_count", _("Number of activities"), ("days", "kind"), "count"),
    AggregateSpec("days_since_last_activity", _("Days since the last activity"), ("kind",),
                  "days"),
    AggregateSpec("whitespace_open_cells",
                  _("Whitespace cells not approached (departments × product categories)"),
                  (), "count"),
)}

ORDER_AGGREGATES = frozenset({"order_count", "revenue", "days_since_last_order",
                              "product_order_count", "purchase_cycle_ratio"})
ACTIVITY_AGGREGATES = frozenset({"activity_count", "days_since_last_activity"})


@dataclass(frozen=True)
class EntitySpec:
    key: str
    model: type[models.Model]
    label: Promise
    fields: dict[str, FieldSpec]
    custom_entity: str  # CustomFieldDefinition.Entity value
    order_fk: str | None  # Order.<fk> that points to this entity
    activity_fk: str  # Activity.<fk> that points to this entity
    aggregates: frozenset[str] = field(default_factory=frozenset)

    def base_queryset(self) -> models.QuerySet[Any]:
        # Merged records are hidden everywhere: their survivor stands for them.
        return self.model._default_manager.filter(merged_into=None)


def _fields(*specs: FieldSpec) -> dict[str, FieldSpec]:
    return {s.name: s for s in specs}


def _common_dates() -> tuple[FieldSpec, ...]:
    return (FieldSpec("created_at", "created_at", DATETIME, _("created at")),
            FieldSpec("updated_at", "updated_at", DATETIME, _("updated at")))


def _choices(choices: type[models.TextChoices]) -> tuple[str, ...]:
    return tuple(v for v in choices.values if v)


def _entities() -> dict[str, EntitySpec]:
    from kizuna.commerce.models import Channel, Medium

    account = EntitySpec(
        Entity.ACCOUNT, Account, _("accounts"), _fields(
            FieldSpec("name", "name", TEXT, _("company name")),
            FieldSpec("name_kana", "name_kana", TEXT, _("reading (kana)")),
            FieldSpec("legal_form", "legal_form", TEXT, _("legal form")),
            FieldSpec("corporate_number", "corporate_number", TEXT, _("corporate number")),
            FieldSpec("industry", "industry", TEXT, _("industry")),
            FieldSpec("employee_band", "employee_band", CHOICE, _("employees"),
                      choices=_choices(EmployeeBand)),
            FieldSpec("prefecture", "prefecture", TEXT, _("prefecture")),
            FieldSpec("city", "city", TEXT, _("city")),
            FieldSpec("relationship_level", "relationship_level", INTEGER,
                      _("relationship level"), nullable=True),
            *_common_dates(),
        ),
        CustomFieldDefinition.Entity.ACCOUNT, "account", "account",
        ORDER_AGGREGATES | ACTIVITY_AGGREGATES | {"whitespace_open_cells"},
    )
    contact = EntitySpec(
        Entity.CONTACT, Contact, _("contacts"), _fields(
            FieldSpec("family_name", "family_name", TEXT, _("family name")),
            FieldSpec("given_name", "given_name", TEXT, _("given name")),
            FieldSpec("title", "title", TEXT, _("title")),
            FieldSpec("buying_role", "buying_role", CHOICE, _("buying role"),
                      choices=_choices(BuyingRole)),
            FieldSpec("email", "email", TEXT, _("email")),
            FieldSpec("email_opt_in", "email_opt_in", BOOLEAN, _("agrees to email")),
            FieldSpec("phone_opt_in", "phone_opt_in", BOOLEAN, _("agrees to calls")),
            FieldSpec("account.name", "account__name", TEXT, _("company name")),
            FieldSpec("account.industry", "account__industry", TEXT, _("industry")),
            FieldSpec("account.prefecture", "account__prefecture", TEXT, _("prefecture")),
            FieldSpec("account.employee_band", "account__employee_band", CHOICE,
                      _("employees"), choices=_choices(EmployeeBand)),
            FieldSpec("account.relationship_level", "account__relationship_level", INTEGER,
                      _("relationship level"), nullable=True),
            *_common_dates(),
        ),
        CustomFieldDefinition.Entity.CONTACT, None, "contact", ACTIVITY_AGGREGATES,
    )
    customer = EntitySpec(
        Entity.CUSTOMER, Customer, _("customers"), _fields(
            FieldSpec("family_name", "family_name", TEXT, _("family name")),
            FieldSpec("given_name", "given_name", TEXT, _("given name")),
            FieldSpec("gender", "gender", CHOICE, _("gender"), choices=_choices(Gender)),
            FieldSpec("birth_year", "birth_year", INTEGER, _("birth year"), nullable=True),
            FieldSpec("prefecture", "prefecture", TEXT, _("prefecture")),
            FieldSpec("postal_code", "postal_code", TEXT, _("postal code")),
            FieldSpec("email_opt_in", "email_opt_in", BOOLEAN, _("agrees to email")),
            FieldSpec("phone_opt_in", "phone_opt_in", BOOLEAN, _("agrees to calls")),
            FieldSpec("postal_mail_opt_in", "postal_mail_opt_in", BOOLEAN,
                      _("agrees to postal mail")),
            FieldSpec("first_purchase_date", "first_purchase_date", DATE, _("first purchase"),
                      nullable=True),
            FieldSpec("acquisition_channel", "acquisition_channel_id", MASTER,
                      _("acquisition channel"), nullable=True, master=Channel),
            FieldSpec("acquisition_medium", "acquisition_medium_id", MASTER,
                      _("acquisition medium"), nullable=True, master=Medium),
            *_common_dates(),
        ),
        CustomFieldDefinition.Entity.CUSTOMER, "customer", "customer",
        ORDER_AGGREGATES | ACTIVITY_AGGREGATES,
    )
    return {e.key: e for e in (account, contact, customer)}


_ENTITIES: dict[str, EntitySpec] | None = None


def entity_spec(key: str) -> EntitySpec:
    global _ENTITIES  # built once, after the apps are loaded
    if _ENTITIES is None:
        _ENTITIES = _entities()
    return _ENTITIES[key]


CUSTOM_TYPES = {CustomFieldType.TEXT: TEXT, CustomFieldType.NUMBER: NUMBER,
                CustomFieldType.DATE: DATE, CustomFieldType.CHOICE: CHOICE}


def custom_fields(spec: EntitySpec) -> dict[str, FieldSpec]:
    """The fields defined in the database: the entity's custom fields ``custom.<key>``, and
    for each scorecard of the entity its total ``score.<key>`` (0–100) and band
    ``score_band.<key>`` (A/B/C), both empty while the record is not rated."""
    japanese = (get_language() or "").startswith("ja")
    fields = {
        f"custom.{d.key}": FieldSpec(
            f"custom.{d.key}", "custom", CUSTOM_TYPES[d.field_type],
            d.label_ja if japanese else d.label_en, nullable=True,
            choices=tuple(str(c) for c in d.choices), custom_key=d.key)
        for d in CustomFieldDefinition.objects.filter(entity=spec.custom_entity)
    }
    return {**fields, **score_fields(spec)}


def score_fields(spec: EntitySpec) -> dict[str, FieldSpec]:
    from kizuna.actions.models import Band, Scorecard

    fields = {}
    for pk, key, name in Scorecard.objects.filter(entity=spec.key).order_by("key") \
            .values_list("pk", "key", "name"):
        fields[f"score.{key}"] = FieldSpec(
            f"score.{key}", "score", INTEGER, format_lazy("{} ({})", name, _("score")),
            nullable=True, scorecard_id=pk, score_part="total")
        fields[f"score_band.{key}"] = FieldSpec(
            f"score_band.{key}", "score", CHOICE, format_lazy("{} ({})", name, _("band")),
            nullable=True, choices=tuple(Band.values), scorecard_id=pk, score_part="band")
    return fields


def record_name(entity: str, values: dict[str, Any]) -> str:
    """The display name of a record from the values ``NAME_FIELDS`` fetched."""
    if entity == Entity.ACCOUNT:
        return values["name"]
    return f"{values['family_name']} {values['given_name']}".strip()


NAME_FIELDS = {Entity.ACCOUNT: ("name",), Entity.CONTACT: ("family_name", "given_name"),
               Entity.CUSTOMER: ("family_name", "given_name")}
