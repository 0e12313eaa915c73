"""Deleting accounts, departments, contacts and customers: the same rules for each, declared once
(a confirmation page, POST with the version, stale refused, 404 when invisible, 403 when only
visible, a Delete button only for those who may delete)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from kizuna.commerce.models import Product
from kizuna.commerce.services import LineInput, create_master, place_order
from kizuna.core.models import LedgerEntry, Role
from kizuna.customers.services import (
    create_account,
    create_contact,
    create_customer,
    create_department,
)


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def build(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return build


@dataclass(frozen=True)
class Entity:
    name: str
    make: Callable[[Any, Any], Any]  # (owner, team or None) -> record
    detail: str  # URL pattern with {pk}
    done: Callable[[Any], str]  # where a successful delete leads
    label: str  # in the success message, English UI

    def url(self, record: Any, suffix: str = "") -> str:
        return self.detail.format(pk=record.pk) + suffix


def _account(owner, team):  # type: ignore[no-untyped-def]
    return create_account(actor=owner, name="消す会社", team=team)


def _department(owner, team):  # type: ignore[no-untyped-def]
    return create_department(actor=owner, account=_account(owner, team), name="消す部")


def _contact(owner, team):  # type: ignore[no-untyped-def]
    return create_contact(actor=owner, account=_account(owner, team), family_name="消す人")


def _customer(owner, team):  # type: ignore[no-untyped-def]
    return create_customer(actor=owner, family_name="消す客", team=team)


ENTITIES = [
    Entity("account", _account, "/accounts/{pk}/", lambda r: "/accounts/", "account"),
    Entity("department", _department, "/departments/{pk}/",
           lambda r: f"/accounts/{r.account_id}/", "department"),
    Entity("contact", _contact, "/contacts/{pk}/", lambda r: f"/accounts/{r.account_id}/",
           "contact"),
    Entity("customer", _customer, "/customers/{pk}/", lambda r: "/customers/", "customer"),
]
by_name = pytest.mark.parametrize("entity", ENTITIES, ids=[e.name for e in ENTITIES])


def _exists(record: Any) -> bool:
    return type(record).objects.filter(pk=record.pk).exists()


@by_name
def test_owner_confirms_and_deletes(entity, make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user(language="en")
    record = entity.make(rep, None)
    client = client_for(rep)
    detail = client.get(entity.url(record)).content.decode()
    assert f'href="{entity.url(record, "delete/")}" data-testid="delete"' in detail
    confirm = client.get(entity.url(record, "delete/"))
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "<html" in html
    assert f"Delete “{record}”?" in html and 'name="version" value="1"' in html
    assert f'href="{entity.url(record)}"' in html  # cancel goes back
    done = client.post(entity.url(record, "delete/"), {"version": 1}, follow=True)
    assert done.redirect_chain == [(entity.done(record), 302)]
    assert f"The {entity.label} “{record}” was deleted." in done.content.decode()
    assert not _exists(record)
    assert LedgerEntry.objects.filter(model=record._meta.label_lower, object_id=str(record.pk),
                                      action="delete").exists()


@by_name
def test_a_stale_version_is_refused(entity, make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()  # Japanese UI
    record = entity.make(rep, None)
    client = client_for(rep)
    client.get(entity.url(record, "delete/"))
    type(record).objects.filter(pk=record.pk).update(version=F("version") + 1)  # someone saved
    stale = client.post(entity.url(record, "delete/"), {"version": 1}, follow=True)
    assert stale.redirect_chain == [(entity.url(record), 302)]
    assert "削除しませんでした" in stale.content.decode()
    assert _exists(record)
    assert client.post(entity.url(record, "delete/"), {}).status_code == 302  # no version
    assert _exists(record)


@by_name
def test_others_cannot_delete(entity, make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    alice = make_user(teams=[team])
    teammate, viewer = make_user(teams=[team]), make_user(Role.VIEWER, teams=[team])
    stranger = make_user()
    shared, private = entity.make(alice, team), entity.make(alice, None)
    for user in (teammate, viewer):  # may see it, may not change it
        client = client_for(user)
        page = client.get(entity.url(shared))
        assert page.status_code == 200
        assert 'data-testid="delete"' not in page.content.decode()
        assert client.get(entity.url(shared, "delete/")).status_code == 403
        assert client.post(entity.url(shared, "delete/"), {"version": 1}).status_code == 403
    for user in (teammate, viewer, stranger):  # may not even see it: not found
        client = client_for(user)
        assert client.get(entity.url(private, "delete/")).status_code == 404
        assert client.post(entity.url(private, "delete/"), {"version": 1}).status_code == 404
    assert client_for(stranger).post(entity.url(shared, "delete/"),
                                     {"version": 1}).status_code == 404
    assert _exists(shared) and _exists(private)


@pytest.mark.parametrize("kind", ["account", "customer"])
def test_a_record_with_orders_is_not_deleted(kind, make_user, admin_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user(language="en")
    product = create_master(actor=admin_user, model=Product, code="P1", name="商品",
                            list_price=100)
    record = _account(rep, None) if kind == "account" else _customer(rep, None)
    place_order(actor=rep, ordered_at=timezone.now(), lines=[LineInput(product, quantity=1)],
                **{kind: record})
    url = f"/{kind}s/{record.pk}/"
    refused = client_for(rep).post(f"{url}delete/", {"version": 1}, follow=True)
    assert refused.redirect_chain == [(url, 302)]
    assert "cannot be deleted because other records (such as orders)" in \
        refused.content.decode()
    assert _exists(record)


def test_deleting_a_contact_whose_company_one_cannot_see_leads_to_the_list(
        make_user, admin_user, client_for) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    account = create_account(actor=admin_user, name="見えない会社", owner=alice)
    contact = create_contact(actor=admin_user, account=account, family_name="見える人",
                             owner=bob)
    done = client_for(bob).post(f"/contacts/{contact.pk}/delete/", {"version": 1})
    assert done.status_code == 302 and done["Location"] == "/contacts/"
    assert not _exists(contact)
