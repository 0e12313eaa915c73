"""Activities API: log, list with filters, change and delete recorded touches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact, create_customer
from kizuna.pipeline.models import Activity
from kizuna.pipeline.services import log_activity
from tests.customers.test_api import (
    assert_field_error,
    assert_same_queries_for_2_and_20,
    client_for,
)

TOKYO = dt.timezone(dt.timedelta(hours=9))
WHEN = dt.datetime(2026, 7, 10, 14, 0, tzinfo=TOKYO)


@pytest.fixture
def desk(make_user, make_team):  # type: ignore[no-untyped-def]
    team = make_team()
    user = make_user(Role.MEMBER, teams=[team])
    account = create_account(actor=user, name="山田製作所", team=team)
    contact = create_contact(actor=user, account=account, family_name="山田")
    return user, team, account, contact, client_for(user)


def test_activity_crud(desk, make_user) -> None:  # type: ignore[no-untyped-def]
    user, team, account, contact, call = desk
    colleague = make_user(Role.MEMBER, teams=[team])
    created = call("post", "/activities", {
        "kind": "visit", "occurred_at": "2026-07-10T14:00:00", "subject": "初回訪問",
        "body": "課題のヒアリング", "outcome_code": "need_found", "next_step": "見積提出",
        "next_step_due": "2026-07-17", "contact_id": contact.pk,
        "participant_ids": [colleague.pk],
    })
    assert created.status_code == 201, created.content
    body = created.json()
    # A naive time means Tokyo time; the account follows from the contact; shared like it.
    assert body["occurred_at"] == "2026-07-10T14:00:00+09:00"
    assert (body["account_id"], body["contact_id"], body["team_id"]) == (account.pk,
                                                                         contact.pk, team.pk)
    assert body["participant_ids"] == [colleague.pk] and body["owner_id"] == user.pk

    pk = body["id"]
    assert call("get", f"/activities/{pk}").json() == body
    patched = call("patch", f"/activities/{pk}", {"version": 1, "outcome_code": "proposal_made"})
    assert patched.status_code == 200 and patched.json()["outcome_code"] == "proposal_made"
    assert call("patch", f"/activities/{pk}", {"version": 1, "subject": "x"}).status_code == 409
    assert_field_error(call("patch", f"/activities/{pk}", {"version": 2, "kind": "fax"}), "kind")
    assert call("delete", f"/activities/{pk}?version=1").status_code == 409
    assert call("delete", f"/activities/{pk}?version=2").status_code == 204
    assert not Activity.objects.exists()


def test_activity_bad_input(desk) -> None:  # type: ignore[no-untyped-def]
    _user, _team, _account, _contact, call = desk
    assert_field_error(call("post", "/activities", {"kind": "call", "subject": "x",
                                                    "occurred_at": "2026-07-10T10:00:00+09:00"}),
                       "__all__")  # about nothing
    assert_field_error(call("post", "/activities", {"kind": "call", "subject": "",
                                                    "occurred_at": "2026-07-10T10:00:00+09:00"}),
                       "subject")
    assert_field_error(call("post", "/activities", {"kind": "call", "subject": "x",
                                                    "occurred_at": "yesterday"}), "occurred_at")


def test_activity_contact_of_another_account(desk) -> None:  # type: ignore[no-untyped-def]
    user, _team, _account, contact, call = desk
    other = create_account(actor=user, name="別会社")
    assert_field_error(call("post", "/activities", {
        "kind": "call", "subject": "x", "occurred_at": WHEN.isoformat(),
        "account_id": other.pk, "contact_id": contact.pk}), "contact")


def test_activity_filters(desk) -> None:  # type: ignore[no-untyped-def]
    user, _team, account, contact, call = desk
    customer = create_customer(actor=user, family_name="田中")
    visit = log_activity(actor=user, kind="visit", occurred_at=WHEN, subject="訪問",
                         contact=contact)
    note = log_activity(actor=user, kind="note", occurred_at=WHEN + dt.timedelta(days=1),
                        subject="メモ", account=account)
    call_d2c = log_activity(actor=user, kind="call", occurred_at=WHEN, subject="電話",
                            customer=customer)

    def ids(**params: object) -> list[int]:
        return [a["id"] for a in call("get", "/activities", params).json()["items"]]

    assert ids() == [note.pk, call_d2c.pk, visit.pk]  # newest first
    assert ids(account_id=account.pk) == [note.pk, visit.pk]
    assert ids(contact_id=contact.pk) == [visit.pk]
    assert ids(customer_id=customer.pk) == [call_d2c.pk]
    assert ids(kind="note") == [note.pk]
    assert ids(date_from="2026-07-11") == [note.pk]


def test_activity_access_rules(desk, make_user) -> None:  # type: ignore[no-untyped-def]
    user, team, account, _contact, _call = desk
    colleague = make_user(Role.MEMBER, teams=[team])
    outsider = make_user(Role.MEMBER)
    viewer = make_user(Role.VIEWER, teams=[team])
    shared = log_activity(actor=user, kind="call", occurred_at=WHEN, subject="共有",
                          account=account)
    private_account = create_account(actor=user, name="非共有")
    private = log_activity(actor=user, kind="call", occurred_at=WHEN, subject="非共有",
                           account=private_account)

    colleague_call = client_for(colleague)
    assert [a["id"] for a in colleague_call("get", "/activities").json()["items"]] == [shared.pk]
    assert colleague_call("get", f"/activities/{private.pk}").status_code == 404
    assert colleague_call("patch", f"/activities/{shared.pk}",
                          {"version": 1, "subject": "x"}).status_code == 403
    # Logging on an account one cannot see is "not found", not a leak.
    assert colleague_call("post", "/activities", {
        "kind": "call", "subject": "x", "occurred_at": WHEN.isoformat(),
        "account_id": private_account.pk}).status_code == 404
    assert client_for(outsider)("get", f"/activities/{shared.pk}").status_code == 404

    read_only = client_for(viewer)
    assert read_only("get", f"/activities/{shared.pk}").status_code == 200
    assert read_only("post", "/activities", {"kind": "call", "subject": "x",
                                             "occurred_at": WHEN.isoformat(),
                                             "account_id": account.pk}).status_code == 403
    assert read_only("delete", f"/activities/{shared.pk}?version=1").status_code == 403


def test_activity_list_query_count(desk, make_user) -> None:  # type: ignore[no-untyped-def]
    user, team, _account, contact, call = desk
    colleague = make_user(Role.MEMBER, teams=[team])
    assert_same_queries_for_2_and_20(
        call, "/activities",
        lambda i: log_activity(actor=user, kind="call", occurred_at=WHEN, subject=f"電話{i}",
                               contact=contact, participants=[colleague]))


def test_openapi_lists_activity_paths(db) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/activities"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/activities/{activity_id}"])
