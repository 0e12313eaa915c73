"""Customer data API: accounts, departments, contacts and D2C customers over /api/v1/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kizuna.core.models import Role, User
from kizuna.core.services import create_api_token
from kizuna.customers.models import Account, Contact, Customer, Department
from kizuna.customers.services import (
    create_account,
    create_contact,
    create_customer,
    create_department,
)

Call = Callable[..., Any]


def client_for(user: User) -> Call:
    """call(method, path, data=None) as ``user`` with a fresh API token."""
    _token, raw = create_api_token(actor=user, name="tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def call(method: str, path: str, data: object = None) -> Any:
        return getattr(client, method)(f"/api/v1{path}", data=data,
                                       content_type="application/json")

    return call


def assert_field_error(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"], body


def assert_same_queries_for_2_and_20(call: Call, path: str, add: Callable[[int], object]) -> None:
    """A list of 20 costs as many queries as a list of 2 (no query per row)."""
    for i in range(2):
        add(i)
    call("get", path)  # warm-up: the token's last-used stamp is written on first use
    with CaptureQueriesContext(connection) as two:
        assert len(call("get", path).json()["items"]) == 2
    for i in range(2, 20):
        add(i)
    with CaptureQueriesContext(connection) as twenty:
        assert len(call("get", path).json()["items"]) == 20
    assert len(twenty) == len(two), [q["sql"] for q in twenty.captured_queries]


@pytest.fixture
def member(make_user, make_team):  # type: ignore[no-untyped-def]
    team = make_team()
    user = make_user(Role.MEMBER, teams=[team])
    return user, team, client_for(user)


# --- accounts ------------------------------------------------------------------------------------

FULL_ACCOUNT = {
    "name": "株式会社山田製作所", "name_kana": "ﾔﾏﾀﾞｾｲｻｸｼｮ", "corporate_number": "",
    "industry": "製造業", "employee_band": "50-299", "postal_code": "１００－０００１",
    "prefecture": "東京都", "city": "千代田区", "address_line1": "千代田1-1",
    "address_line2": "皇居ビル3F", "phone": "03-1234-5678", "website": "https://example.jp",
    "relationship_level": 3, "tags": ["重点"], "custom": {}, "source": "crm",
    "external_id": "A-1",
}


def test_account_crud_with_all_fields(member) -> None:  # type: ignore[no-untyped-def]
    user, team, call = member
    created = call("post", "/accounts", {**FULL_ACCOUNT, "team_id": team.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    # Japanese input is cleaned by the service: kana, postal code, E.164, legal form.
    assert body["name_kana"] == "ヤマダセイサクショ"
    assert body["postal_code"] == "1000001"
    assert body["phone"] == "+81312345678"
    assert body["legal_form"] == "株式会社"
    assert (body["owner_id"], body["team_id"], body["version"]) == (user.pk, team.pk, 1)
    assert body["tags"] == ["重点"] and body["relationship_level"] == 3
    assert body["created_at"].endswith("+09:00")  # ISO 8601, in Tokyo time with its offset

    pk = body["id"]
    assert call("get", f"/accounts/{pk}").json() == body
    assert [a["id"] for a in call("get", "/accounts").json()["items"]] == [pk]

    patched = call("patch", f"/accounts/{pk}", {"version": 1, "phone": "090-1111-2222",
                                                 "relationship_level": 5})
    assert patched.status_code == 200
    assert patched.json()["phone"] == "+819011112222"
    assert patched.json()["relationship_level"] == 5
    assert patched.json()["name"] == FULL_ACCOUNT["name"]  # untouched fields stay
    assert patched.json()["version"] == 2

    assert call("patch", f"/accounts/{pk}", {"version": 1, "industry": "x"}).status_code == 409
    assert call("delete", f"/accounts/{pk}?version=1").status_code == 409
    assert call("delete", f"/accounts/{pk}?version=2").status_code == 204
    assert not Account.objects.exists()


def test_patch_requires_version(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    account = create_account(actor=user, name="版なし")
    assert_field_error(call("patch", f"/accounts/{account.pk}", {"name": "x"}), "version")


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "abc"),
    ("postal_code", "12"),
    ("corporate_number", "1234567890123"),
    ("relationship_level", 9),
    ("employee_band", "huge"),
    ("website", "not a url"),
])
def test_account_bad_input_names_the_field(member, field, value) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    assert_field_error(call("post", "/accounts", {"name": "入力確認", field: value}), field)
    account = create_account(actor=user, name="既存")
    assert_field_error(call("patch", f"/accounts/{account.pk}", {"version": 1, field: value}),
                       field)
    assert Account.objects.count() == 1


def test_account_access_rules(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    team, other_team = make_team(), make_team()
    member = make_user(Role.MEMBER, teams=[team])
    colleague = make_user(Role.MEMBER, teams=[team])
    stranger = make_user(Role.MEMBER, teams=[other_team])
    viewer = make_user(Role.VIEWER, teams=[team])
    own = create_account(actor=member, name="自分")
    shared = create_account(actor=colleague, name="共有", team=team)
    create_account(actor=colleague, name="非共有")
    hidden = create_account(actor=stranger, name="他チーム", team=other_team)

    call = client_for(member)
    ids = {a["id"] for a in call("get", "/accounts").json()["items"]}
    assert ids == {own.pk, shared.pk}
    assert call("get", f"/accounts/{hidden.pk}").status_code == 404
    assert call("patch", f"/accounts/{hidden.pk}", {"version": 1, "name": "x"}).status_code == 404
    assert call("delete", f"/accounts/{hidden.pk}?version=1").status_code == 404
    # A member sees a team-shared record but changes only their own.
    assert call("patch", f"/accounts/{shared.pk}", {"version": 1, "name": "x"}).status_code == 403
    # Assigning to an invisible/missing user is 404, to someone else 403 (service rule).
    assert call("post", "/accounts", {"name": "x", "owner_id": 999_999}).status_code == 404
    assert call("post", "/accounts", {"name": "x", "owner_id": colleague.pk}).status_code == 403

    read_only = client_for(viewer)
    assert {a["id"] for a in read_only("get", "/accounts").json()["items"]} == {shared.pk}
    assert read_only("post", "/accounts", {"name": "新規"}).status_code == 403
    assert read_only("delete", f"/accounts/{shared.pk}?version=1").status_code == 403


def test_account_search_is_kana_insensitive(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    yamada = create_account(actor=user, name="山田商店", name_kana="ヤマダショウテン")
    create_account(actor=user, name="鈴木商店", name_kana="スズキショウテン")
    for q in ("山田", "ヤマダ", "やまだ", "ﾔﾏﾀﾞ"):
        found = call("get", "/accounts", {"q": q}).json()["items"]
        assert [a["id"] for a in found] == [yamada.pk], q


def test_account_filters_and_sort(member, make_user) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    a = create_account(actor=user, name="あ社", name_kana="アシャ", prefecture="東京都",
                       industry="製造業", relationship_level=3)
    b = create_account(actor=user, name="い社", name_kana="イシャ", prefecture="大阪府",
                       industry="小売業", relationship_level=5)

    def ids(**params: object) -> list[int]:
        return [x["id"] for x in call("get", "/accounts", params).json()["items"]]

    assert ids() == [a.pk, b.pk]  # あいうえお順 by default
    assert ids(prefecture="大阪府") == [b.pk]
    assert ids(industry="製造業") == [a.pk]
    assert ids(relationship_level=5) == [b.pk]
    assert ids(owner_id=user.pk) == [a.pk, b.pk]
    call("patch", f"/accounts/{a.pk}", {"version": 1, "city": "港区"})
    assert ids(sort="-updated_at") == [a.pk, b.pk]
    call("patch", f"/accounts/{b.pk}", {"version": 1, "city": "北区"})
    assert ids(sort="-updated_at") == [b.pk, a.pk]
    assert_field_error(call("get", "/accounts", {"sort": "name"}), "sort")


def test_account_list_query_count(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    assert_same_queries_for_2_and_20(
        call, "/accounts", lambda i: create_account(actor=user, name=f"会社{i}"))


# --- departments ---------------------------------------------------------------------------------


def test_department_crud_nested_and_flat(member) -> None:  # type: ignore[no-untyped-def]
    user, team, call = member
    account = create_account(actor=user, name="山田製作所", team=team)
    created = call("post", f"/accounts/{account.pk}/departments",
                   {"name": "大阪支店", "name_kana": "おおさかしてん", "phone": "06-1234-5678"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["account_id"] == account.pk and body["name_kana"] == "オオサカシテン"
    assert body["team_id"] == team.pk  # follows the account
    child = call("post", f"/accounts/{account.pk}/departments",
                 {"name": "梅田営業所", "parent_id": body["id"]}).json()
    assert child["parent_id"] == body["id"]

    listed = call("get", f"/accounts/{account.pk}/departments").json()
    assert {d["id"] for d in listed["items"]} == {body["id"], child["id"]}
    assert call("get", f"/departments/{body['id']}").json()["name"] == "大阪支店"
    patched = call("patch", f"/departments/{body['id']}", {"version": 1, "name": "関西支社"})
    assert patched.json()["name"] == "関西支社" and patched.json()["version"] == 2
    assert call("patch", f"/departments/{body['id']}",
                {"version": 1, "name": "x"}).status_code == 409
    assert_field_error(call("patch", f"/departments/{body['id']}",
                            {"version": 2, "phone": "abc"}), "phone")


def test_department_parent_loops_are_refused(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    account = create_account(actor=user, name="階層工業")
    head = create_department(actor=user, account=account, name="本社")
    branch = create_department(actor=user, account=account, name="支社", parent=head)
    for parent in (head, branch):
        assert_field_error(call("patch", f"/departments/{head.pk}",
                                {"version": 1, "parent_id": parent.pk}), "parent")
    head.refresh_from_db()
    assert head.parent_id is None and head.version == 1


def test_department_access_rules(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    owner = make_user(Role.MEMBER, teams=[team])
    viewer = make_user(Role.VIEWER, teams=[team])
    outsider = make_user(Role.MEMBER)
    account = create_account(actor=owner, name="共有先", team=team)
    department = create_department(actor=owner, account=account, name="本社")

    read_only = client_for(viewer)
    assert read_only("get", f"/departments/{department.pk}").status_code == 200
    assert read_only("patch", f"/departments/{department.pk}",
                     {"version": 1, "name": "x"}).status_code == 403
    assert read_only("post", f"/accounts/{account.pk}/departments",
                     {"name": "x"}).status_code == 403
    stranger = client_for(outsider)
    assert stranger("get", f"/departments/{department.pk}").status_code == 404
    assert stranger("get", f"/accounts/{account.pk}/departments").status_code == 404
    assert stranger("post", f"/accounts/{account.pk}/departments",
                    {"name": "x"}).status_code == 404
    assert Department.objects.count() == 1


def test_department_list_query_count(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    account = create_account(actor=user, name="本体")
    assert_same_queries_for_2_and_20(
        call, f"/accounts/{account.pk}/departments",
        lambda i: create_department(actor=user, account=account, name=f"支店{i}"))


# --- contacts ------------------------------------------------------------------------------------


def test_contact_crud(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    account = create_account(actor=user, name="山田製作所")
    department = create_department(actor=user, account=account, name="購買部")
    boss = create_contact(actor=user, account=account, family_name="山田", given_name="一郎")
    created = call("post", "/contacts", {
        "account_id": account.pk, "department_id": department.pk, "reports_to_id": boss.pk,
        "family_name": "佐藤", "given_name": "花子", "family_name_kana": "さとう",
        "given_name_kana": "ﾊﾅｺ", "title": "課長", "buying_role": "approver",
        "email": "hanako@example.jp", "phone": "090-1234-5678",
        "emails_other": ["h.sato@example.com"], "phones_other": ["03-1234-5678"],
        "email_opt_in": True, "custom": {},
    })
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["family_name_kana"], body["given_name_kana"]) == ("サトウ", "ハナコ")
    assert body["phone"] == "+819012345678" and body["phones_other"] == ["+81312345678"]
    assert body["reports_to_id"] == boss.pk and body["department_id"] == department.pk
    assert body["buying_role"] == "approver" and body["email_opt_in"] is True

    pk = body["id"]
    assert call("get", f"/contacts/{pk}").json()["title"] == "課長"
    patched = call("patch", f"/contacts/{pk}", {"version": 1, "buying_role": "decision_maker",
                                                "phone_opt_in": True})
    assert patched.json()["buying_role"] == "decision_maker"
    assert patched.json()["phone_opt_in"] is True
    assert call("patch", f"/contacts/{pk}", {"version": 1, "title": "x"}).status_code == 409
    assert_field_error(call("patch", f"/contacts/{pk}", {"version": 2, "phone": "abc"}), "phone")
    assert_field_error(call("patch", f"/contacts/{pk}", {"version": 2, "buying_role": "ceo"}),
                       "buying_role")
    assert call("delete", f"/contacts/{pk}?version=2").status_code == 204
    assert list(Contact.objects.all()) == [boss]


def test_contact_filters_and_search(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    a = create_account(actor=user, name="A社")
    b = create_account(actor=user, name="B社")
    yamada = create_contact(actor=user, account=a, family_name="山田", family_name_kana="ヤマダ",
                            buying_role="decision_maker")
    suzuki = create_contact(actor=user, account=b, family_name="鈴木", family_name_kana="スズキ",
                            buying_role="user")

    def ids(**params: object) -> list[int]:
        return [x["id"] for x in call("get", "/contacts", params).json()["items"]]

    assert ids(account_id=b.pk) == [suzuki.pk]
    assert ids(buying_role="decision_maker") == [yamada.pk]
    for q in ("山田", "ヤマダ", "やまだ", "ﾔﾏﾀﾞ"):
        assert ids(q=q) == [yamada.pk], q


def test_contact_links_must_be_visible(make_user) -> None:  # type: ignore[no-untyped-def]
    me, other = make_user(), make_user()
    mine = create_account(actor=me, name="自社担当")
    theirs = create_account(actor=other, name="他人の取引先")
    their_contact = create_contact(actor=other, account=theirs, family_name="秘密")
    call = client_for(me)
    assert call("post", "/contacts", {"account_id": theirs.pk,
                                      "family_name": "x"}).status_code == 404
    assert call("post", "/contacts", {"account_id": mine.pk, "family_name": "x",
                                      "reports_to_id": their_contact.pk}).status_code == 404
    assert call("get", f"/contacts/{their_contact.pk}").status_code == 404
    assert Contact.objects.count() == 1


def test_contact_other_emails_are_validated(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    account = create_account(actor=user, name="連絡先商事")
    created = call("post", "/contacts", {"account_id": account.pk, "family_name": "佐藤",
                                         "emails_other": ["ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ"]})
    assert created.status_code == 201, created.content
    assert created.json()["emails_other"] == ["sato@example.jp"]
    refused = call("patch", f"/contacts/{created.json()['id']}",
                   {"version": 1, "emails_other": ["sato@example.jp", "sato at example"]})
    assert_field_error(refused, "emails_other")
    [message] = refused.json()["fields"]["emails_other"]  # the bad address only, by name
    assert "sato at example" in message


def test_contact_viewer_cannot_write(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    owner = make_user(Role.MEMBER, teams=[team])
    account = create_account(actor=owner, name="共有", team=team)
    contact = create_contact(actor=owner, account=account, family_name="山田")
    read_only = client_for(make_user(Role.VIEWER, teams=[team]))
    assert read_only("get", f"/contacts/{contact.pk}").status_code == 200
    assert read_only("post", "/contacts", {"account_id": account.pk,
                                           "family_name": "x"}).status_code == 403
    assert read_only("delete", f"/contacts/{contact.pk}?version=1").status_code == 403


def test_contact_list_query_count(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    account = create_account(actor=user, name="本体")
    assert_same_queries_for_2_and_20(
        call, "/contacts",
        lambda i: create_contact(actor=user, account=account, family_name=f"担当{i}"))


# --- D2C customers -------------------------------------------------------------------------------


def test_customer_crud_filters_and_search(member, make_user) -> None:  # type: ignore[no-untyped-def]
    from kizuna.commerce.models import Channel
    from kizuna.commerce.services import create_master

    user, _team, call = member
    manager = make_user(Role.MANAGER)
    ec = create_master(actor=manager, model=Channel, code="ec", name="ECサイト")
    created = call("post", "/customers", {
        "family_name": "山田", "given_name": "花子", "family_name_kana": "ﾔﾏﾀﾞ",
        "gender": "female", "birth_year": 1985, "postal_code": "530-0001",
        "prefecture": "大阪府", "acquisition_channel_id": ec.pk, "phone": "06-1234-5678",
        "postal_mail_opt_in": True,
    })
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["family_name_kana"] == "ヤマダ" and body["postal_code"] == "5300001"
    assert body["acquisition_channel_id"] == ec.pk and body["first_purchase_date"] is None
    other = create_customer(actor=user, family_name="鈴木", prefecture="東京都", gender="male")

    def ids(**params: object) -> list[int]:
        return [x["id"] for x in call("get", "/customers", params).json()["items"]]

    for q in ("山田", "ヤマダ", "やまだ", "ﾔﾏﾀﾞ"):
        assert ids(q=q) == [body["id"]], q
    assert ids(prefecture="東京都") == [other.pk]
    assert ids(gender="female") == [body["id"]]
    assert ids(channel="ec") == [body["id"]]

    pk = body["id"]
    patched = call("patch", f"/customers/{pk}", {"version": 1, "birth_year": 1986})
    assert patched.json()["birth_year"] == 1986 and patched.json()["version"] == 2
    assert call("patch", f"/customers/{pk}", {"version": 1,
                                              "prefecture": "京都府"}).status_code == 409
    assert_field_error(call("patch", f"/customers/{pk}", {"version": 2, "postal_code": "12"}),
                       "postal_code")
    assert call("post", "/customers", {"family_name": "x",
                                       "acquisition_channel_id": 999_999}).status_code == 404
    assert call("delete", f"/customers/{pk}?version=2").status_code == 204
    assert list(Customer.objects.all()) == [other]


def test_customer_access_rules(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    owner = make_user(Role.MEMBER, teams=[team])
    colleague = make_user(Role.MEMBER, teams=[team])
    shared = create_customer(actor=owner, family_name="共有", team=team)
    private = create_customer(actor=owner, family_name="非共有")
    call = client_for(colleague)
    assert [c["id"] for c in call("get", "/customers").json()["items"]] == [shared.pk]
    assert call("get", f"/customers/{private.pk}").status_code == 404
    assert call("patch", f"/customers/{shared.pk}",
                {"version": 1, "given_name": "x"}).status_code == 403
    read_only = client_for(make_user(Role.VIEWER, teams=[team]))
    assert read_only("post", "/customers", {"family_name": "x"}).status_code == 403


def test_customer_list_query_count(member) -> None:  # type: ignore[no-untyped-def]
    user, _team, call = member
    assert_same_queries_for_2_and_20(
        call, "/customers", lambda i: create_customer(actor=user, family_name=f"顧客{i}"))


def test_openapi_lists_every_customer_data_path(db) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path, methods in {
        "/api/v1/accounts": {"get", "post"},
        "/api/v1/accounts/{account_id}": {"get", "patch", "delete"},
        "/api/v1/accounts/{account_id}/departments": {"get", "post"},
        "/api/v1/departments/{department_id}": {"get", "patch"},
        "/api/v1/contacts": {"get", "post"},
        "/api/v1/contacts/{contact_id}": {"get", "patch", "delete"},
        "/api/v1/customers": {"get", "post"},
        "/api/v1/customers/{customer_id}": {"get", "patch", "delete"},
    }.items():
        assert methods <= set(paths[path]), path
