"""Activity list and "log activity" from account, contact and customer pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kizuna.core.models import Role
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


TOKYO = ZoneInfo("Asia/Tokyo")
FORM = {"kind": "visit", "occurred_at": "2025-05-01T10:30", "subject": "提案の訪問",
        "body": "予算は来期", "outcome_code": "need_found", "outcome": "課題を確認",
        "next_step": "見積を送る", "next_step_due": "2025-05-08"}


def test_log_activity_from_each_record_page(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="山田製作所")
    contact = create_contact(actor=rep, account=account, family_name="山田")
    customer = create_customer(actor=rep, family_name="佐藤")
    client = client_for(rep)
    for param, record, back in (("account", account, f"/accounts/{account.pk}/"),
                                ("contact", contact, f"/contacts/{contact.pk}/"),
                                ("customer", customer, f"/customers/{customer.pk}/")):
        page = client.get(back).content.decode()
        assert f"/activities/new/?{param}={record.pk}" in page
        form = client.get(f"/activities/new/?{param}={record.pk}")
        assert form.status_code == 200 and 'type="datetime-local"' in form.content.decode()
        response = client.post(f"/activities/new/?{param}={record.pk}", FORM)
        assert response.status_code == 302 and response["Location"] == back
        assert "提案の訪問" in client.get(back).content.decode()
    by_contact = Activity.objects.get(contact=contact)
    assert by_contact.account == account  # a contact's activity is also the account's
    assert by_contact.next_step_due.isoformat() == "2025-05-08"
    assert by_contact.occurred_at == dt.datetime(2025, 5, 1, 10, 30, tzinfo=TOKYO)  # local time
    missing = client.post(f"/activities/new/?account={account.pk}", {**FORM, "subject": ""})
    assert missing.status_code == 200 and "この項目は必須です。" in missing.content.decode()
    assert client.get("/activities/new/").status_code == 404


def test_invisible_record_is_404_and_viewer_is_refused(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    alice, bob = make_user(teams=[team]), make_user(teams=[team])
    viewer = make_user(Role.VIEWER, teams=[team])
    private = create_account(actor=alice, name="非公開")
    shared = create_account(actor=alice, name="共有", team=team)
    assert client_for(bob).get(f"/activities/new/?account={private.pk}").status_code == 404
    activity = log_activity(actor=alice, kind="call", occurred_at=timezone.now(),
                            subject="電話", account=shared)
    assert client_for(viewer).get(f"/activities/new/?account={shared.pk}").status_code == 403
    assert client_for(viewer).get(f"/activities/{activity.pk}/edit/").status_code == 403
    assert client_for(bob).get(f"/activities/{activity.pk}/edit/").status_code == 403
    listing = client_for(viewer).get("/activities/").content.decode()
    assert "電話" in listing and 'data-testid="edit"' not in listing


def test_edit_activity_refuses_a_stale_version(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="版管理")
    activity = log_activity(actor=rep, kind="call", occurred_at=timezone.now(), subject="初回",
                            account=account)
    client = client_for(rep)
    page = client.get(f"/activities/{activity.pk}/edit/").content.decode()
    assert 'name="version"' in page and 'value="初回"' in page
    update_activity(actor=rep, activity=activity, expected_version=1, subject="他の人の変更")
    stale = client.post(f"/activities/{activity.pk}/edit/", {**FORM, "version": 1})
    assert stale.status_code == 200 and "再読み込み" in stale.content.decode()
    ok = client.post(f"/activities/{activity.pk}/edit/", {**FORM, "version": 2})
    assert ok.status_code == 302 and ok["Location"] == f"/accounts/{account.pk}/"
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("提案の訪問", 3)


def test_activity_list_filters_search_and_queries(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    rep, other = make_user(teams=[team]), make_user(teams=[team])
    account = create_account(actor=rep, name="山田製作所", name_kana="ヤマダセイサクショ",
                             team=team)
    customer = create_customer(actor=other, family_name="鈴木", family_name_kana="スズキ",
                               team=team)
    log_activity(actor=rep, kind="visit", occurred_at=timezone.now(), subject="訪問",
                 account=account, outcome_code="order")
    log_activity(actor=other, kind="call", occurred_at=timezone.now(), subject="電話",
                 customer=customer, outcome_code="no_contact")
    client = client_for(rep)
    page = client.get("/activities/").content.decode()
    assert "<html" in page and page.count('data-testid="activity-row"') == 2
    assert page.count('data-testid="edit"') == 1  # only one's own

    def subjects(**params: object) -> list[str]:
        html = client.get("/activities/", params, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in html
        return [s for s in ("訪問", "電話") if f"<td>{s}</td>" in html]

    assert subjects(kind="call") == ["電話"]
    assert subjects(outcome_code="order") == ["訪問"]
    assert subjects(owner=other.pk) == ["電話"]
    for word in ("山田", "ヤマダ", "やまだ", "ﾔﾏﾀﾞ"):
        assert subjects(q=word) == ["訪問"]
    assert subjects(q="すずき") == ["電話"]
    with CaptureQueriesContext(connection) as one:
        client.get("/activities/")
    for i in range(10):
        log_activity(actor=rep, kind="email", occurred_at=timezone.now(), subject=f"メール{i}",
                     account=account)
    with CaptureQueriesContext(connection) as many:
        client.get("/activities/")
    assert len(many) == len(one)
