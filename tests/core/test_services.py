"""Platform services: users, passwords, tokens, optimistic locking."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.core.models import ApiToken, LedgerEntry, Role, User
from kizuna.core.services import (
    ConcurrentEdit,
    authenticate_token,
    change_password,
    create_api_token,
    create_team,
    create_user,
    revoke_api_token,
    set_language,
    update_user,
)
from kizuna.customers.services import create_account, update_account
from tests.conftest import PRODUCTION_HASHERS


def test_passwords_are_hashed_with_argon2(make_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = make_user()
    assert user.password.startswith("argon2")


def test_weak_password_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        create_user(actor=None, username="weak", password="password")
    assert not User.objects.filter(username="weak").exists()


def test_role_drives_admin_flags(make_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    member = make_user(Role.MEMBER)
    assert admin_user.is_staff and admin_user.is_superuser and admin_user.is_administrator
    assert not (member.is_staff or member.is_superuser or member.is_administrator)
    member = update_user(actor=admin_user, user=member, role=Role.ADMINISTRATOR)
    member.refresh_from_db()
    assert member.is_superuser


def test_only_admins_manage_users_and_teams(make_user) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    with pytest.raises(PermissionDenied):
        create_user(actor=manager, username="x", password="a-long-enough-password")
    with pytest.raises(PermissionDenied):
        create_team(actor=manager, name="勝手なチーム")


def test_update_user_records_team_changes(admin_user, make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    rep, team = make_user(), make_team("東日本")
    update_user(actor=admin_user, user=rep, teams=[team], last_name="佐藤")
    entry = LedgerEntry.objects.filter(model="core.user", object_id=str(rep.pk)).last()
    assert entry.changes == {"last_name": ["", "佐藤"], "teams": [[], [team.pk]]}


def test_change_password(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    change_password(actor=user, user=user, new_password="another-good-passphrase")
    user.refresh_from_db()
    assert user.check_password("another-good-passphrase")
    other = make_user()
    with pytest.raises(PermissionDenied):
        change_password(actor=other, user=user, new_password="yet-another-passphrase")


def test_language_choice_is_remembered(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    set_language(actor=user, language="en")
    user.refresh_from_db()
    assert user.language == "en"


def test_api_token_lifecycle(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    token, raw = create_api_token(actor=user, name="Excel")
    assert raw.startswith("kzn_") and raw[:12] == token.prefix
    assert raw not in ApiToken.objects.values_list("key_hash", flat=True)
    assert authenticate_token(raw) == user
    assert authenticate_token(raw + "x") is None
    revoke_api_token(actor=user, token=token)
    assert authenticate_token(raw) is None


def test_token_of_deactivated_user_stops_working(make_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    _token, raw = create_api_token(actor=user, name="BI")
    update_user(actor=admin_user, user=user, is_active=False)
    assert authenticate_token(raw) is None


def test_someone_elses_token_cannot_be_revoked(make_user) -> None:  # type: ignore[no-untyped-def]
    owner, other = make_user(), make_user()
    token, _raw = create_api_token(actor=owner, name="mine")
    with pytest.raises(PermissionDenied):
        revoke_api_token(actor=other, token=token)


def test_stale_save_is_refused_and_nothing_is_lost(make_user) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="旧社名")
    # Two people open version 1; the first save wins...
    update_account(actor=rep, account=account, expected_version=1, name="新社名A")
    # ...the second is refused instead of silently overwriting.
    with pytest.raises(ConcurrentEdit) as excinfo:
        update_account(actor=rep, account=account, expected_version=1, name="新社名B")
    assert "reload" in str(excinfo.value) or "再読み込み" in str(excinfo.value)
    account.refresh_from_db()
    assert (account.name, account.version) == ("新社名A", 2)


def test_no_op_update_does_not_bump_version(make_user) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="同じ")
    before = LedgerEntry.objects.count()
    account = update_account(actor=rep, account=account, expected_version=1, name="同じ")
    assert account.version == 1
    assert LedgerEntry.objects.count() == before


def test_member_cannot_assign_records_to_others(make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    with pytest.raises(PermissionDenied):
        create_account(actor=alice, name="押し付け", owner=bob)
    viewer = make_user(Role.VIEWER)
    with pytest.raises(PermissionDenied):
        create_account(actor=viewer, name="見るだけ")
