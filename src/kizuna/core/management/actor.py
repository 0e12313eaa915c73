"""Who a command acts as: the user named with --as, or the only active administrator."""

from __future__ import annotations

from django.core.management.base import CommandError

from kizuna.core.models import Role, User


def command_actor(username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}")
        return user
    admins = list(User.objects.filter(role=Role.ADMINISTRATOR, is_active=True)[:2])
    if len(admins) != 1:
        raise CommandError("Say who acts with --as USERNAME (there is not exactly one active "
                           "administrator)")
    return admins[0]
