"""Template helpers shared by every app."""

from __future__ import annotations

from functools import cache
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import LedgerAction, LedgerEntry

register = template.Library()

ACTION_LABELS = {
    **dict(LedgerAction.choices),
    "password_change": _("Password changed"),
    "revoke": _("Revoked"),
}


@cache
def _model(label: str) -> Any:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


@register.simple_tag
def ledger_changes(entry: LedgerEntry) -> list[tuple[str, Any, Any]]:
    """(field label in the user's language, old, new) for each change of a ledger entry."""
    model = _model(entry.model)
    rows = []
    for name, (old, new) in entry.changes.items():
        label = name
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                pass
            else:
                label = str(getattr(field, "verbose_name", name))
                if field.is_relation:
                    old, new = (f"#{v}" if v is not None else v for v in (old, new))
        rows.append((label, old, new))
    return rows


@register.filter
def ledger_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
