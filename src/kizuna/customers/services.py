"""Writes to customer data. Each function owns its transaction and feeds the audit ledger.

Input is cleaned the Japanese way before it is validated and stored: phones become E.164,
postal codes 7 digits, readings full-width katakana, the legal form of a company name is
recognised, and the search and sort keys are derived (kizuna.customers.search).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.core.access import can_edit
from kizuna.core.models import Role, Team, User
from kizuna.core.services import create_record, delete_record, update_record
from kizuna.customers.models import (
    Account,
    Contact,
    Customer,
    CustomFieldDefinition,
    CustomFieldType,
    Department,
    OwnedModel,
)
from kizuna.customers.search import keys_for
from kizuna.japanese import (
    normalize_corporate_number,
    normalize_kana,
    normalize_phone,
    normalize_postal_code,
    split_legal_form,
)
from kizuna.japanese.email import normalize_email
from kizuna.japanese.values import ValueParseError

OwnedT = TypeVar("OwnedT", bound=OwnedModel)


# --- cleaning ------------------------------------------------------------------------------------


def clean_phone(value: str, field: str = "phone") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    e164 = normalize_phone(value)
    if e164 is None:
        raise ValidationError({field: _("“%(value)s” is not a phone number we recognise.")
                               % {"value": value}})
    return e164


def clean_emails(values: list[str] | None, field: str = "emails_other") -> list[str]:
    """Further addresses, each normalised like an imported one (full-width ＠, an IME's 。);
    blanks dropped, repeats kept once; every bad address named in the error."""
    cleaned: list[str] = []
    errors: list[str] = []
    if isinstance(values, str):
        values = values.splitlines()  # one per line, as typed
    for value in values or []:
        value = str(value or "").strip()
        if not value:
            continue
        try:
            address = normalize_email(value)
        except ValueParseError:
            errors.append(_("“%(value)s” is not an email address.") % {"value": value})
            continue
        if address not in cleaned:
            cleaned.append(address)
    if errors:
        raise ValidationError({field: errors})
    return cleaned


def clean_postal_code(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    code = normalize_postal_code(value)
    if code is None:
        raise ValidationError({"postal_code": _("A postal code has 7 digits, e.g. 100-0001.")})
    return code


def clean_reading(value: str) -> str:
    """フリガナ as full-width katakana, whatever script or width was typed."""
    return normalize_kana((value or "").strip(), "katakana")


def clean_corporate_number(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    number = normalize_corporate_number(value)
    if number is None:
        raise ValidationError({"corporate_number": _(
            "A corporate number (法人番号) has 13 digits and a valid check digit."
        )})
    return number


def custom_definitions_by_key(entity: str) -> dict[str, CustomFieldDefinition]:
    return {d.key: d for d in CustomFieldDefinition.objects.filter(entity=entity)}


def clean_custom(entity: str, values: dict[str, Any] | None, *,
                 definitions: dict[str, CustomFieldDefinition] | None = None,
                 partial: bool = False) -> dict[str, Any]:
    """Validate custom field values against their definitions; unknown keys are refused.

    ``partial``: only the given keys are checked (an import that updates some fields), so a
    required field missing from ``values`` is not an error.
    """
    values = dict(values or {})
    if definitions is None:
        definitions = custom_definitions_by_key(entity)
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[key] = _("There is no custom field “%(key)s”.") % {"key": key}
            continue
        if value in (None, ""):
            continue
        try:
            cleaned[key] = _clean_custom_value(definition, value)
        except (TypeError, ValueError):
            errors[key] = _("“%(value)s” is not a valid %(type)s.") % {
                "value": value, "type": definition.get_field_type_display()}
    for key, definition in definitions.items():
        if not partial and definition.required and key not in cleaned and key not in errors:
            errors[key] = _("This field is required.")
    if errors:
        raise ValidationError({f"custom.{k}": v for k, v in errors.items()})
    return cleaned


def _clean_custom_value(definition: CustomFieldDefinition, value: Any) -> Any:
    import datetime as dt

    if definition.field_type == CustomFieldType.NUMBER:
        number = float(str(value).replace(",", ""))
        return int(number) if number.is_integer() else number
    if definition.field_type == CustomFieldType.DATE:
        return dt.date.fromisoformat(str(value)).isoformat()
    if definition.field_type == CustomFieldType.CHOICE:
        if value not in definition.choices:
            raise ValueError(value)
        return value
    return str(value)


def _clean_all(fields: dict[str, Any], cleaners: dict[str, Callable[[Any], Any]]) -> None:
    """Apply each field's cleaner; report every bad field at once, not just the first."""
    errors: dict[str, list[str]] = {}
    for name, cleaner in cleaners.items():
        if name not in fields:
            continue
        try:
            fields[name] = cleaner(fields[name])
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _single_line(value: str | None) -> str:
    return " ".join((value or "").split())


def _account_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if "name" in fields:
        fields["name"] = _single_line(fields["name"])
        fields["legal_form"] = split_legal_form(fields["name"]).legal_form or ""
    _clean_all(fields, {
        "name_kana": clean_reading, "phone": clean_phone, "postal_code": clean_postal_code,
        "corporate_number": clean_corporate_number,
        "custom": lambda v: clean_custom(CustomFieldDefinition.Entity.ACCOUNT, v),
    })
    return fields


def _department_fields(fields: dict[str, Any]) -> dict[str, Any]:
    _clean_all(fields, {
        "name": _single_line, "name_kana": clean_reading, "phone": clean_phone,
        "postal_code": clean_postal_code,
        "custom": lambda v: clean_custom(CustomFieldDefinition.Entity.DEPARTMENT, v),
    })
    return fields


def _person_fields(fields: dict[str, Any], entity: str) -> dict[str, Any]:
    _clean_all(fields, {
        "family_name": _single_line, "given_name": _single_line,
        "family_name_kana": clean_reading, "given_name_kana": clean_reading,
        "phone": clean_phone, "postal_code": clean_postal_code,
        "email": lambda v: (v or "").strip(),
        "phones_other": lambda values: [clean_phone(p, "phones_other") for p in values],
        "emails_other": clean_emails,
        "custom": lambda v: clean_custom(entity, v),
    })
    return fields


def _with_keys(instance_or_fields: Any, fields: dict[str, Any], *, kind: str) -> dict[str, Any]:
    """Add search/sort keys computed from the record's names after ``fields`` are applied."""

    def current(name: str) -> str:
        if name in fields:
            return fields[name] or ""
        return getattr(instance_or_fields, name, "") or "" if instance_or_fields else ""

    if kind == "person":
        names = [current("family_name"), current("given_name")]
        readings = [current("family_name_kana"), current("given_name_kana")]
        return {**fields, **keys_for(names=names, readings=readings)}
    return {**fields, **keys_for(names=[current("name")], readings=[current("name_kana")],
                                  company=kind == "company")}


# --- permission helpers --------------------------------------------------------------------------


def _check_assignable(actor: User, owner: User, team: Team | None) -> None:
    """A member may only create records they own; managers and admins may assign anyone."""
    if not actor.can_write:
        raise PermissionDenied
    if owner.pk != actor.pk and not (actor.is_administrator or actor.role == Role.MANAGER):
        raise PermissionDenied(_("Only managers and administrators can assign records to "
                                 "someone else."))
    if team is not None and not actor.is_administrator and \
            not actor.teams.filter(pk=team.pk).exists():
        raise PermissionDenied(_("You can only share records with your own teams."))


def _check_parent_visible(actor: User, parent: OwnedModel | None, field: str) -> None:
    """Linking to a record one cannot see (or one merged into another) would leak it: say "not
    found", on the field, as the API's ``resolve`` and ``access_*`` do for ids (a validation
    error, not PermissionDenied: whether the record exists is none of the actor's business)."""
    from kizuna.core.access import visible

    if parent is None:
        return
    records = type(parent)._default_manager.filter(pk=parent.pk)
    if hasattr(parent, "merged_into_id"):
        records = records.filter(merged_into=None)
    if not visible(actor, records).exists():
        raise ValidationError({field: _("The linked record was not found.")})


def _create(actor: User, model: type[OwnedT], fields: dict[str, Any]) -> OwnedT:
    owner = fields.get("owner") or actor
    fields["owner"] = owner
    _check_assignable(actor, owner, fields.get("team"))
    return create_record(actor, model, **fields)


def _update(actor: User, instance: OwnedT, expected_version: int | None, fields: dict[str, Any],
            prepare: Callable[[dict[str, Any]], dict[str, Any]]) -> OwnedT:
    if not can_edit(actor, instance):
        raise PermissionDenied
    if "owner" in fields or "team" in fields:
        _check_assignable(actor, fields.get("owner", instance.owner),
                          fields.get("team", instance.team))
    return update_record(actor, instance, expected_version=expected_version,
                         **prepare(fields))


def _delete(actor: User, instance: OwnedModel, expected_version: int | None) -> None:
    if not can_edit(actor, instance):
        raise PermissionDenied
    merged = getattr(instance, "merged_records", None)
    if merged is not None and merged.exists():
        # Deleting a merge survivor would bring its merged duplicates back to life (and leave
        # the merge pointing nowhere): the merges must be undone first.
        raise ValidationError(_("Other records were merged into this one; undo those merges "
                                "(名寄せ) before deleting it."))
    delete_record(actor, instance, expected_version=expected_version)


# --- accounts ------------------------------------------------------------------------------------


@transaction.atomic
def create_account(*, actor: User, name: str, owner: User | None = None,
                   team: Team | None = None, **fields: Any) -> Account:
    fields = _with_keys(None, _account_fields({"name": name, **fields}), kind="company")
    return _create(actor, Account, {"owner": owner, "team": team, **fields})


@transaction.atomic
def update_account(*, actor: User, account: Account, expected_version: int | None,
                   **fields: Any) -> Account:
    return _update(actor, account, expected_version, fields,
                   lambda f: _with_keys(account, _account_fields(f), kind="company"))


@transaction.atomic
def delete_account(*, actor: User, account: Account, expected_version: int | None) -> None:
    _delete(actor, account, expected_version)


# --- departments ---------------------------------------------------------------------------------


_ACCOUNT_TEAM = object()  # "share with the account's team", the default for its parts


def _check_same_account(account_id: int, **related: Any) -> None:
    for field, record in related.items():
        if record is not None and record.account_id != account_id:
            raise ValidationError({field: _("The %(field)s belongs to another account.")
                                   % {"field": record._meta.verbose_name}})


@transaction.atomic
def create_department(*, actor: User, account: Account, name: str,
                      owner: User | None = None, team: Any = _ACCOUNT_TEAM,
                      **fields: Any) -> Department:
    """A department shares the account's owner and team unless told otherwise (team=None:
    not shared)."""
    _check_parent_visible(actor, account, "account")
    _check_parent_visible(actor, fields.get("parent"), "parent")
    _check_same_account(account.pk, parent=fields.get("parent"))
    fields = _with_keys(None, _department_fields({"name": name, **fields}), kind="plain")
    return _create(actor, Department, {
        "account": account, "owner": owner or account.owner,
        "team": account.team if team is _ACCOUNT_TEAM else team, **fields})


@transaction.atomic
def update_department(*, actor: User, department: Department, expected_version: int | None,
                      **fields: Any) -> Department:
    parent = fields.get("parent")
    _check_parent_visible(actor, parent, "parent")
    _check_same_account(department.account_id, parent=parent)
    if parent is not None and parent.pk in department_and_descendants(department):
        raise ValidationError({"parent": _(
            "A department cannot sit under itself or under one of its own sub-departments.")})
    return _update(actor, department, expected_version, fields,
                   lambda f: _with_keys(department, _department_fields(f), kind="plain"))


def department_and_descendants(department: Department) -> set[int]:
    """Ids of ``department`` and everything under it: the parents it may not be given. All of
    the account's departments, not only the visible ones: a cycle through a department one
    cannot see is still a cycle."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.filter(
            account_id=department.account_id).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = {department.pk}, [department.pk]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@transaction.atomic
def delete_department(*, actor: User, department: Department,
                      expected_version: int | None) -> None:
    _delete(actor, department, expected_version)


# --- contacts ------------------------------------------------------------------------------------


def _check_contact_links(actor: User, account_id: int, fields: dict[str, Any]) -> None:
    """Department and manager must be visible to the actor and at the same account."""
    related = {name: fields.get(name) for name in ("department", "reports_to")}
    for name, record in related.items():
        _check_parent_visible(actor, record, name)
    _check_same_account(account_id, **related)



@transaction.atomic
def create_contact(*, actor: User, account: Account, family_name: str,
                   owner: User | None = None, team: Team | None = None,
                   **fields: Any) -> Contact:
    _check_parent_visible(actor, account, "account")
    _check_contact_links(actor, account.pk, fields)
    fields = _person_fields({"family_name": family_name, **fields},
                            CustomFieldDefinition.Entity.CONTACT)
    fields = _with_keys(None, fields, kind="person")
    return _create(actor, Contact, {"account": account, "owner": owner or account.owner,
                                    "team": team if team is not None else account.team,
                                    **fields})


@transaction.atomic
def update_contact(*, actor: User, contact: Contact, expected_version: int | None,
                   **fields: Any) -> Contact:
    _check_contact_links(actor, contact.account_id, fields)
    if fields.get("reports_to") is not None and fields["reports_to"].pk == contact.pk:
        raise ValidationError({"reports_to": _("A contact cannot report to themselves.")})
    return _update(actor, contact, expected_version, fields, lambda f: _with_keys(
        contact, _person_fields(f, CustomFieldDefinition.Entity.CONTACT), kind="person"))


@transaction.atomic
def delete_contact(*, actor: User, contact: Contact, expected_version: int | None) -> None:
    _delete(actor, contact, expected_version)


# --- D2C customers -------------------------------------------------------------------------------


@transaction.atomic
def create_customer(*, actor: User, family_name: str, owner: User | None = None,
                    team: Team | None = None, **fields: Any) -> Customer:
    fields = _person_fields({"family_name": family_name, **fields},
                            CustomFieldDefinition.Entity.CUSTOMER)
    fields = _with_keys(None, fields, kind="person")
    return _create(actor, Customer, {"owner": owner, "team": team, **fields})


@transaction.atomic
def update_customer(*, actor: User, customer: Customer, expected_version: int | None,
                    **fields: Any) -> Customer:
    return _update(actor, customer, expected_version, fields, lambda f: _with_keys(
        customer, _person_fields(f, CustomFieldDefinition.Entity.CUSTOMER), kind="person"))


@transaction.atomic
def delete_customer(*, actor: User, customer: Customer, expected_version: int | None) -> None:
    _delete(actor, customer, expected_version)


# --- custom field definitions --------------------------------------------------------------------


@transaction.atomic
def define_custom_field(*, actor: User, entity: str, key: str, label_ja: str, label_en: str,
                        field_type: str, choices: list[str] | None = None,
                        required: bool = False) -> CustomFieldDefinition:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators may do this."))
    return create_record(actor, CustomFieldDefinition, entity=entity, key=key,
                         label_ja=label_ja, label_en=label_en, field_type=field_type,
                         choices=choices or [], required=required)
