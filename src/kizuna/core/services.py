"""Platform writes: generic record operations, users, teams, API tokens, jobs.

Every write in Kizuna goes through a service function that owns its transaction and records the
change in the audit ledger (STYLE §2). The generic ``create_record`` / ``update_record`` /
``delete_record`` are the building blocks that each app's ``services.py`` calls.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, TypeVar

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core.ledger import REDACTED, diff, field_values, record_change
from kizuna.core.models import ApiToken, LedgerAction, Role, Team, User, VersionedModel

M = TypeVar("M", bound=models.Model)
V = TypeVar("V", bound=VersionedModel)


class ConcurrentEdit(Exception):
    """Someone else saved the record after this user opened it; their save is refused."""

    def __init__(self, instance: models.Model) -> None:
        self.instance = instance
        super().__init__(
            _(
                "Someone else changed this record after you opened it. Your changes were not "
                "saved: reload the record, check their change, and apply yours again."
            )
        )


def require_admin(actor: User) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators may do this."))


# --- generic record operations -------------------------------------------------------------------


def create_record(actor: User | None, model: type[M], **fields: Any) -> M:
    """Validate, insert and record one new row. Call inside the app service's transaction."""
    instance = model(**fields)
    instance.full_clean()
    instance.save(force_insert=True)
    record_change(actor, LedgerAction.CREATE, instance, diff({}, field_values(instance)))
    return instance


def update_record(actor: User | None, instance: V, *, expected_version: int | None,
                  **fields: Any) -> V:
    """Change fields of a versioned record, refusing a stale save (optimistic locking).

    ``expected_version`` is the version the user saw when they opened the form; ``None`` is only
    for system writes that do not come from a user's form.
    """
    model = type(instance)
    current = model._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)
    before = field_values(current)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    changes = diff(before, field_values(current))
    if not changes:
        return current
    current.version += 1
    current.save()
    changes["version"] = [current.version - 1, current.version]
    record_change(actor, LedgerAction.UPDATE, current, changes)
    return current


def delete_record(actor: User | None, instance: VersionedModel, *,
                  expected_version: int | None) -> None:
    model = type(instance)
    current = model._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)
    record_change(actor, LedgerAction.DELETE, current, diff(field_values(current), {}))
    current.delete()


# --- users and teams -----------------------------------------------------------------------------

USER_FIELDS = ("username", "first_name", "last_name", "email", "role", "is_active", "language")


@transaction.atomic
def create_user(*, actor: User | None, username: str, password: str, role: str = Role.MEMBER,
                teams: list[Team] | None = None, **fields: Any) -> User:
    """Create a user with a validated password. ``actor=None`` only from the CLI/setup."""
    if actor is not None:
        require_admin(actor)
    user = User(username=username, role=role, **fields)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save(force_insert=True)
    if teams:
        user.teams.set(teams)
    after = field_values(user, list(USER_FIELDS))
    after["teams"] = sorted(t.pk for t in teams or [])
    record_change(actor, LedgerAction.CREATE, user, diff({}, after))
    return user


@transaction.atomic
def update_user(*, actor: User, user: User, teams: list[Team] | None = None,
                **fields: Any) -> User:
    require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = field_values(user, list(USER_FIELDS))
    before["teams"] = sorted(user.teams.values_list("pk", flat=True))
    for name, value in fields.items():
        if name not in USER_FIELDS:
            raise ValueError(f"update_user cannot change {name}")
        setattr(user, name, value)
    user.full_clean()
    user.save()
    if teams is not None:
        user.teams.set(teams)
    after = field_values(user, list(USER_FIELDS))
    after["teams"] = sorted(user.teams.values_list("pk", flat=True))
    if changes := diff(before, after):
        record_change(actor, LedgerAction.UPDATE, user, changes)
    return user


@transaction.atomic
def change_password(*, actor: User, user: User, new_password: str) -> None:
    if actor.pk != user.pk:
        require_admin(actor)
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record_change(actor, "password_change", user, {"password": [REDACTED, REDACTED]})


@transaction.atomic
def set_language(*, actor: User, language: str) -> User:
    """Remember the user's language choice (a preference of their own, not an admin change)."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if user.language != language:
        record_change(actor, LedgerAction.UPDATE, user, {"language": [user.language, language]})
        user.language = language
        user.save(update_fields=["language", "updated_at"])
    return user


@transaction.atomic
def create_team(*, actor: User | None, name: str) -> Team:
    """``actor=None`` only from the CLI/setup."""
    if actor is not None:
        require_admin(actor)
    return create_record(actor, Team, name=name)


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "kzn_"  # noqa: S105 - a public marker that makes leaked tokens greppable


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; returns it with the secret, which is never shown again."""
    if not actor.is_active:
        raise PermissionDenied
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=actor, name=name.strip(), prefix=raw[:12], key_hash=hash_token(raw))
    token.full_clean()
    token.save(force_insert=True)
    record_change(actor, LedgerAction.CREATE, token,
                  diff({}, field_values(token, ["user", "name", "prefix"])))
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk and not actor.is_administrator:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        record_change(actor, "revoke", token, {"revoked_at": [None, token.revoked_at]})
    return token


def authenticate_token(raw: str) -> User | None:
    """The active user behind an active token, or None. Not a service write: the last-used
    stamp is bookkeeping, not a change anyone audits."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
