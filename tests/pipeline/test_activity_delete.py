"""Deleting an activity from its edit page: confirmation, locking, access rules."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.core.models import LedgerEntry, Role
from kizuna.customers.services import create_account, create_contact, create_customer
from kizuna.pipeline.models import Activity
from kizuna.pipeline.services import log_activity, update_activity


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def build(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return build


def _log(actor, **about):  # type: ignore[no-untyped-def]
    return log_activity(actor=actor, kind="call", occurred_at=timezone.now(), subject="電話",
                        **about)


def test_delete_from_the_edit_page_back_to_the_record(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user(language="en")
    account = create_account(actor=rep, name="山田製作所")
    contact = create_contact(actor=rep, account=account, family_name="山田")
    customer = create_customer(actor=rep, family_name="佐藤")
    client = client_for(rep)
    for about, back in (({"account": account}, f"/accounts/{account.pk}/"),
                        ({"contact": contact}, f"/contacts/{contact.pk}/"),
                        ({"customer": customer}, f"/customers/{customer.pk}/")):
        activity = _log(rep, **about)
        edit = client.get(f"/activities/{activity.pk}/edit/").content.decode()
        assert f'href="/activities/{activity.pk}/delete/" data-testid="delete"' in edit
        confirm = client.get(f"/activities/{activity.pk}/delete/")
        html = confirm.content.decode()
        assert confirm.status_code == 200 and "<html" in html
        assert "Delete “電話”?" in html and 'name="version" value="1"' in html
        assert f'href="/activities/{activity.pk}/edit/"' in html  # cancel
        done = client.post(f"/activities/{activity.pk}/delete/", {"version": 1}, follow=True)
        assert done.redirect_chain == [(back, 302)]
        assert "The activity “電話” was deleted." in done.content.decode()
        assert not Activity.objects.filter(pk=activity.pk).exists()
        assert LedgerEntry.objects.filter(model="pipeline.activity", object_id=str(activity.pk),
                                          action="delete").exists()
    assert 'data-testid="delete"' not in client.get("/activities/new/?account="
                                                    f"{account.pk}").content.decode()


def test_a_stale_version_is_refused(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    activity = _log(rep, account=create_account(actor=rep, name="版管理"))
    client = client_for(rep)
    client.get(f"/activities/{activity.pk}/delete/")
    update_activity(actor=rep, activity=activity, expected_version=1, subject="他の人の変更")
    stale = client.post(f"/activities/{activity.pk}/delete/", {"version": 1}, follow=True)
    assert stale.redirect_chain == [(f"/activities/{activity.pk}/edit/", 302)]
    assert "削除しませんでした" in stale.content.decode()
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_others_cannot_delete(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    alice = make_user(teams=[team])
    teammate, viewer = make_user(teams=[team]), make_user(Role.VIEWER, teams=[team])
    stranger = make_user()
    shared = _log(alice, account=create_account(actor=alice, name="共有", team=team))
    private = _log(alice, account=create_account(actor=alice, name="非公開"))
    for user in (teammate, viewer):
        client = client_for(user)
        assert client.get(f"/activities/{shared.pk}/delete/").status_code == 403
        assert client.post(f"/activities/{shared.pk}/delete/", {"version": 1}).status_code == 403
    for user in (teammate, viewer, stranger):
        client = client_for(user)
        assert client.get(f"/activities/{private.pk}/delete/").status_code == 404
        assert client.post(f"/activities/{private.pk}/delete/",
                           {"version": 1}).status_code == 404
    assert Activity.objects.count() == 2
