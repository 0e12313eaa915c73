"""Record-level access: who may see and change which owned record (STYLE §3).

An *owned* record has an ``owner`` (a user) and optionally a ``team``; setting the team shares
the record with that team. The rules, the same in views, API and exports:

- administrator: sees and changes everything;
- manager: sees and changes the records of their teams (owned by a member of one of their teams,
  or shared with one of them) and their own;
- member: sees their own records and those shared with their teams; changes their own;
- viewer: sees the records shared with their teams; changes nothing.

Apps build on these two helpers, e.g. ``visible_accounts(user)`` and ``access_account(user, pk)``.
``access_*`` answers "not found" both when the record does not exist and when the user may not
see it, so that ids cannot be probed.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from kizuna.core.models import Role, User

M = TypeVar("M", bound=models.Model)


class NotFound(Exception):
    """The record does not exist or the user may not see it (deliberately the same answer)."""


class ReadOnly(PermissionDenied):
    """The user may see the record but not change it."""


def _team_ids(user: User) -> list[int]:
    # Cached on the user object for the request: every list query needs it.
    cached = getattr(user, "_kizuna_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("pk", flat=True))
        user._kizuna_team_ids = cached  # type: ignore[attr-defined]
    return cached


def visible_q(user: User, *, owner: str = "owner", team: str = "team") -> Q:
    """The condition on an owned model for the records ``user`` may see."""
    if not user.is_active:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    teams = _team_ids(user)
    if user.role == Role.MANAGER:
        # The team members as a subquery, not a join: a join through membership would repeat a
        # record once per shared team.
        members = User.objects.filter(teams__in=teams).values("pk")
        return (
            Q(**{owner: user.pk})
            | Q(**{f"{team}__in": teams})
            | Q(**{f"{owner}__in": members})
        )
    if user.role == Role.MEMBER:
        return Q(**{owner: user.pk}) | Q(**{f"{team}__in": teams})
    return Q(**{f"{team}__in": teams})


def editable_q(user: User, *, owner: str = "owner", team: str = "team") -> Q:
    """The condition on an owned model for the records ``user`` may change."""
    if not user.can_write:
        return Q(pk__in=[])
    if user.is_administrator or user.role == Role.MANAGER:
        return visible_q(user, owner=owner, team=team)
    return Q(**{owner: user.pk})


def visible(user: User, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """``queryset`` narrowed to what ``user`` may see. Every list starts here."""
    return queryset.filter(visible_q(user))


def access(user: User, queryset: models.QuerySet[M], pk: object, *, write: bool = False) -> M:
    """Fetch one record and check access in one call.

    Raises NotFound if it does not exist or is invisible, ReadOnly if ``write`` and the user
    may only look at it.
    """
    try:
        obj = visible(user, queryset).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if write and not can_edit(user, obj):
        raise ReadOnly
    return obj


def can_edit(user: User, obj: models.Model) -> bool:
    if user.is_administrator:
        return True
    return type(obj)._default_manager.filter(editable_q(user), pk=obj.pk).exists()
