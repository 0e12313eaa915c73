"""Writes to activities: every touch is recorded with its outcome."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.core.access import can_edit, visible
from kizuna.core.models import User
from kizuna.core.services import create_record, delete_record, update_record
from kizuna.customers.models import Account, Contact, Customer
from kizuna.pipeline.models import Activity


def _check_links(actor: User, account: Account | None, contact: Contact | None,
                 customer: Customer | None) -> None:
    if account is None and contact is None and customer is None:
        raise ValidationError(_("An activity is about an account, a contact or a customer."))
    for record in (account, contact, customer):
        if record is not None and not visible(actor, type(record).objects.filter(
                pk=record.pk)).exists():
            raise PermissionDenied(_("The linked record was not found."))
    if contact is not None and account is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": _("The contact works at another account.")})


@transaction.atomic
def log_activity(*, actor: User, kind: str, occurred_at: Any, subject: str,
                 account: Account | None = None, contact: Contact | None = None,
                 customer: Customer | None = None, participants: list[User] | None = None,
                 **fields: Any) -> Activity:
    if not actor.can_write:
        raise PermissionDenied
    if contact is not None and account is None:
        account = contact.account
    _check_links(actor, account, contact, customer)
    activity = create_record(actor, Activity, kind=kind, occurred_at=occurred_at,
                             subject=subject, account=account, contact=contact,
                             customer=customer, owner=actor,
                             team=getattr(account or customer, "team", None), **fields)
    if participants:
        activity.participants.set(participants)
    return activity


@transaction.atomic
def update_activity(*, actor: User, activity: Activity, expected_version: int | None,
                    **fields: Any) -> Activity:
    if not can_edit(actor, activity):
        raise PermissionDenied
    return update_record(actor, activity, expected_version=expected_version, **fields)


@transaction.atomic
def delete_activity(*, actor: User, activity: Activity, expected_version: int | None) -> None:
    if not can_edit(actor, activity):
        raise PermissionDenied
    delete_record(actor, activity, expected_version=expected_version)
