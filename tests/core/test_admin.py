"""User and team management in the admin pages is for administrators and is audited."""

from __future__ import annotations

from django.test import Client

from kizuna.core.models import LedgerEntry, Role, Team, User


def test_only_administrators_reach_user_management(make_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    client = Client()
    client.force_login(manager)
    assert client.get("/admin/core/user/").status_code == 302  # to the admin login
    client.force_login(admin_user)
    assert client.get("/admin/core/user/").status_code == 200


def test_admin_creates_a_user_and_a_team_with_audit(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/core/team/add/", {"name": "西日本営業"})
    assert response.status_code == 302
    team = Team.objects.get(name="西日本営業")
    response = client.post("/admin/core/user/add/", {
        "username": "tanaka", "role": "manager",
        "password1": "a-good-long-passphrase", "password2": "a-good-long-passphrase",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="tanaka")
    assert user.role == Role.MANAGER and not user.is_staff
    assert user.check_password("a-good-long-passphrase")
    logged = LedgerEntry.objects.filter(actor=admin_user).values_list("model", "action")
    assert ("core.team", "create") in logged and ("core.user", "create") in logged
    recorded = str(list(LedgerEntry.objects.values_list("changes", flat=True)))
    assert user.password not in recorded  # the hash is redacted, never chained
    assert team.members.count() == 0
