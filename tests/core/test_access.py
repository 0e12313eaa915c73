"""The record-level rules, checked on a small org with every role."""

from __future__ import annotations

import pytest

from kizuna.core.access import NotFound, ReadOnly, can_edit
from kizuna.core.models import Role
from kizuna.customers.queries import access_account, visible_accounts
from kizuna.customers.services import create_account


@pytest.fixture
def org(make_user, make_team):  # type: ignore[no-untyped-def]
    sales, support = make_team("営業1課"), make_team("サポート")
    people = {
        "admin": make_user(Role.ADMINISTRATOR),
        "manager": make_user(Role.MANAGER, teams=[sales]),
        "alice": make_user(Role.MEMBER, teams=[sales]),
        "bob": make_user(Role.MEMBER, teams=[sales]),
        "carol": make_user(Role.MEMBER, teams=[support]),
        "viewer": make_user(Role.VIEWER, teams=[sales]),
    }
    accounts = {
        "alice_private": create_account(actor=people["alice"], name="A社"),
        "alice_shared": create_account(actor=people["alice"], name="B社", team=sales),
        "bob_private": create_account(actor=people["bob"], name="C社"),
        "carol_private": create_account(actor=people["carol"], name="D社"),
        "carol_shared": create_account(actor=people["carol"], name="E社", team=support),
    }
    return people, accounts


EXPECTED_VISIBLE = {
    "admin": {"alice_private", "alice_shared", "bob_private", "carol_private", "carol_shared"},
    # A manager sees everything owned by members of their team, shared or not.
    "manager": {"alice_private", "alice_shared", "bob_private"},
    "alice": {"alice_private", "alice_shared"},
    "bob": {"bob_private", "alice_shared"},
    "carol": {"carol_private", "carol_shared"},
    "viewer": {"alice_shared"},
}
EXPECTED_EDITABLE = {
    "admin": EXPECTED_VISIBLE["admin"],
    "manager": EXPECTED_VISIBLE["manager"],
    "alice": {"alice_private", "alice_shared"},
    "bob": {"bob_private"},
    "carol": {"carol_private", "carol_shared"},
    "viewer": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED_VISIBLE))
def test_visible_accounts_follow_the_role(org, who: str) -> None:  # type: ignore[no-untyped-def]
    people, accounts = org
    names = {key for key, acc in accounts.items()
             if visible_accounts(people[who]).filter(pk=acc.pk).exists()}
    assert names == EXPECTED_VISIBLE[who]
    # No duplicates from the team joins.
    assert visible_accounts(people[who]).count() == len(EXPECTED_VISIBLE[who])


@pytest.mark.parametrize("who", sorted(EXPECTED_EDITABLE))
def test_editable_accounts_follow_the_role(org, who: str) -> None:  # type: ignore[no-untyped-def]
    people, accounts = org
    names = {key for key, acc in accounts.items() if can_edit(people[who], acc)}
    assert names == EXPECTED_EDITABLE[who]


def test_access_answers_not_found_for_invisible_and_missing(org) -> None:  # type: ignore[no-untyped-def]
    people, accounts = org
    with pytest.raises(NotFound):
        access_account(people["alice"], accounts["bob_private"].pk)
    with pytest.raises(NotFound):
        access_account(people["alice"], 999_999)
    with pytest.raises(NotFound):
        access_account(people["alice"], "not-a-number")


def test_access_for_write_refuses_read_only(org) -> None:  # type: ignore[no-untyped-def]
    people, accounts = org
    assert access_account(people["bob"], accounts["alice_shared"].pk) == accounts["alice_shared"]
    with pytest.raises(ReadOnly):
        access_account(people["bob"], accounts["alice_shared"].pk, write=True)
    with pytest.raises(ReadOnly):
        access_account(people["viewer"], accounts["alice_shared"].pk, write=True)


def test_inactive_user_sees_nothing(org) -> None:  # type: ignore[no-untyped-def]
    people, _accounts = org
    alice = people["alice"]
    alice.is_active = False
    assert visible_accounts(alice).count() == 0
