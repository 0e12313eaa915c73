"""The JSON API: token auth, error bodies, pagination, access rules, optimistic locking."""

from __future__ import annotations

import pytest
from django.test import Client

from kizuna.core.models import Role
from kizuna.core.services import create_api_token, revoke_api_token
from kizuna.customers.models import Account
from kizuna.customers.services import create_account


@pytest.fixture
def api(make_user):  # type: ignore[no-untyped-def]
    """(user, client-call function) for a member with a fresh token."""
    user = make_user(Role.MEMBER, last_name="山田", first_name="花子")
    _token, raw = create_api_token(actor=user, name="tests")

    def call(method: str, path: str, data: object = None, token: str | None = raw):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return getattr(Client(), method)(f"/api/v1{path}", data=data,
                                          content_type="application/json", **headers)

    return user, call, raw


def test_missing_or_bad_token_is_401_with_error_body(api) -> None:  # type: ignore[no-untyped-def]
    _user, call, _raw = api
    for token in (None, "kzn_nope", "not-even-prefixed"):
        response = call("get", "/me", token=token)
        assert response.status_code == 401
        body = response.json()
        assert body["code"] == "unauthenticated"
        assert body["message"] and body["fields"] == {}


def test_me(api) -> None:  # type: ignore[no-untyped-def]
    user, call, _raw = api
    body = call("get", "/me").json()
    assert body["username"] == user.username
    assert body["name"] == "山田 花子"
    assert body["role"] == "member"


def test_revoked_token_stops_working(api) -> None:  # type: ignore[no-untyped-def]
    user, call, _raw = api
    assert call("get", "/me").status_code == 200
    token = user.api_tokens.get()
    revoke_api_token(actor=user, token=token)
    assert call("get", "/me").status_code == 401


def test_pagination_convention(api) -> None:  # type: ignore[no-untyped-def]
    user, call, _raw = api
    for i in range(5):
        create_account(actor=user, name=f"会社{i}", name_kana=f"カイシャ{i}")
    body = call("get", "/accounts?page=2&page_size=2").json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (5, 2, 2, 3)
    assert [item["name"] for item in body["items"]] == ["会社2", "会社3"]
    too_big = call("get", "/accounts?page_size=1000")
    assert too_big.status_code == 422
    assert too_big.json()["code"] == "validation_error"
    assert "page_size" in too_big.json()["fields"]


def test_list_only_shows_visible_accounts(api, make_user) -> None:  # type: ignore[no-untyped-def]
    user, call, _raw = api
    other = make_user()
    mine = create_account(actor=user, name="自分の会社")
    theirs = create_account(actor=other, name="他人の会社")
    ids = [item["id"] for item in call("get", "/accounts").json()["items"]]
    assert ids == [mine.pk]
    # Invisible and missing look the same: no probing of ids.
    for pk in (theirs.pk, 999_999):
        response = call("get", f"/accounts/{pk}")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": response.json()["message"],
                                   "fields": {}}


def test_create_validation_error_names_the_field(api) -> None:  # type: ignore[no-untyped-def]
    _user, call, _raw = api
    response = call("post", "/accounts", {"name": ""})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["fields"]) == ["name"]
    assert not Account.objects.exists()


def test_create_update_delete_with_optimistic_locking(api) -> None:  # type: ignore[no-untyped-def]
    user, call, _raw = api
    created = call("post", "/accounts", {"name": "鈴木商事", "name_kana": "スズキショウジ"})
    assert created.status_code == 201
    account = created.json()
    assert account["owner_id"] == user.pk and account["version"] == 1

    updated = call("patch", f"/accounts/{account['id']}", {"version": 1, "name": "鈴木商事㈱"})
    assert updated.status_code == 200 and updated.json()["version"] == 2

    stale = call("patch", f"/accounts/{account['id']}", {"version": 1, "name": "上書き"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert Account.objects.get().name == "鈴木商事㈱"

    assert call("delete", f"/accounts/{account['id']}?version=1").status_code == 409
    assert call("delete", f"/accounts/{account['id']}?version=2").status_code == 204
    assert not Account.objects.exists()


def test_viewer_cannot_write(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    owner = make_user(Role.MEMBER, teams=[team])
    viewer = make_user(Role.VIEWER, teams=[team])
    account = create_account(actor=owner, name="共有先", team=team)
    _token, raw = create_api_token(actor=viewer, name="ro")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/v1/accounts/{account.pk}").status_code == 200
    response = client.patch(f"/api/v1/accounts/{account.pk}", {"version": 1, "name": "x"},
                            content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.post("/api/v1/accounts", {"name": "新規"},
                       content_type="application/json").status_code == 403


def test_openapi_document(db) -> None:  # type: ignore[no-untyped-def]
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Kizuna API"
    assert "/api/v1/accounts" in schema["paths"]
    assert "/api/v1/me" in schema["paths"]
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_session_alone_does_not_open_the_api(admin_user) -> None:  # type: ignore[no-untyped-def]
    # The API is for tokens; a browser session must not make cross-site API writes possible.
    client = Client()
    client.force_login(admin_user)
    assert client.get("/api/v1/me").status_code == 401
