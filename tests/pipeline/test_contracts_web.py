"""Contracts on the web and in the API: list filters and the 90-day highlight, the contract page
with move / renew / churn (a stale version is refused), the customer-success summary, the API
(list, get, create, move, renew, churn, 409 on a stale version, 404 outside one's scope)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kizuna.core.models import Role
from kizuna.customers.services import create_account
from kizuna.pipeline.contracts import add_months, create_contract, renew_contract
from kizuna.pipeline.models import Contract, SuccessStage
from tests.customers.test_api import assert_field_error, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(make_user, make_team):  # type: ignore[no-untyped-def]
    team = make_team("CS")
    user = make_user(Role.MEMBER, teams=[team], last_name="青木")
    account = create_account(actor=user, name="株式会社緑茶商事", name_kana="リョクチャショウジ",
                             team=team)
    return user, account


def login(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def make(user, account, renewal: dt.date, name: str = "保守") -> Contract:  # type: ignore[no-untyped-def]
    return create_contract(actor=user, name=name, account=account,
                           start_date=add_months(renewal, -12), amount=120_000)


def test_list_filters_and_highlight(client, desk) -> None:  # type: ignore[no-untyped-def]
    user, account = desk
    today = timezone.localdate()
    soon = make(user, account, today + dt.timedelta(days=30), "近い更新")
    later = make(user, account, today + dt.timedelta(days=200), "遠い更新")
    login(client, user)
    page = client.get(reverse("pipeline:contract_list")).content.decode()
    assert "近い更新" in page and "遠い更新" in page
    assert page.count('data-testid="renewal-soon"') == 1
    month = later.renewal_date.strftime("%Y-%m")
    page = client.get(reverse("pipeline:contract_list"), {"renewal_month": month}).content.decode()
    assert "遠い更新" in page and "近い更新" not in page
    renew_contract(actor=user, contract=soon, expected_version=1)
    page = client.get(reverse("pipeline:contract_list"), {"status": "renewed"}).content.decode()
    assert page.count('data-testid="contract-row"') == 1 and "近い更新" in page
    stage = SuccessStage.objects.get(code="renewal")
    page = client.get(reverse("pipeline:contract_list"), {"stage": stage.pk}).content.decode()
    assert 'data-testid="contract-row"' not in page
    assert reverse("pipeline:contract_list") in client.get(reverse("core:home")).content.decode()


def test_detail_move_renew_churn(client, desk, make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    user, account = desk
    c = make(user, account, dt.date(2027, 4, 1))
    login(client, user)
    url = reverse("pipeline:contract_detail", args=[c.pk])
    assert 'data-testid="move-form"' in client.get(url).content.decode()
    adoption = SuccessStage.objects.get(code="adoption")
    moved = client.post(reverse("pipeline:contract_move", args=[c.pk]),
                        {"to_stage": adoption.pk, "version": 1})
    assert moved.status_code == 302
    stale = client.post(reverse("pipeline:contract_renew", args=[c.pk]),
                        {"amount": 130_000, "term_months": 12, "version": 1})
    assert stale.status_code == 200 and Contract.objects.get(pk=c.pk).status == "active"
    renewed = client.post(reverse("pipeline:contract_renew", args=[c.pk]),
                          {"amount": 130_000, "term_months": 12, "version": 2})
    following = Contract.objects.get(previous=c)
    assert renewed["Location"] == reverse("pipeline:contract_detail", args=[following.pk])
    assert (following.amount, following.renewal_date) == (130_000, dt.date(2028, 4, 1))
    assert 'data-testid="next-term"' in client.get(url).content.decode()
    empty = client.post(reverse("pipeline:contract_churn", args=[following.pk]),
                        {"reason": "", "version": 1})
    assert empty.status_code == 200 and Contract.objects.get(pk=following.pk).status == "active"
    client.post(reverse("pipeline:contract_churn", args=[following.pk]),
                {"reason": "予算削減", "version": 1})
    page = client.get(reverse("pipeline:contract_detail", args=[following.pk])).content.decode()
    assert "予算削減" in page and 'data-testid="move-form"' not in page
    outsider = make_user(Role.MEMBER, teams=[make_team("大阪")])
    client.logout()
    login(client, outsider)
    assert client.get(url).status_code == 404
    assert client.post(reverse("pipeline:contract_churn", args=[c.pk]),
                       {"reason": "x", "version": 3}).status_code == 404


def test_summary_page(client, desk) -> None:  # type: ignore[no-untyped-def]
    user, account = desk
    c1 = make(user, account, dt.date(2026, 1, 15))
    make(user, account, dt.date(2026, 2, 15))
    renew_contract(actor=user, contract=c1, expected_version=1)
    login(client, user)
    page = client.get(reverse("pipeline:success_summary"),
                      {"period": "quarter", "day": "2026-02-01"}).content.decode()
    assert 'data-testid="renewal-rate">50%' in page
    assert 'data-testid="churn-rate">0%' in page


def test_api(desk, make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    user, account = desk
    call = client_for(user)
    stages = call("get", "/success-stages").json()
    assert [s["code"] for s in stages][:4] == ["onboarding", "adoption", "utilisation",
                                               "renewal"]
    created = call("post", "/contracts", {"name": "給茶機 保守", "account_id": account.pk,
                                          "start_date": "2026-04-01", "amount": 240_000})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["renewal_date"], body["status"], len(body["stage_changes"])) == (
        "2027-04-01", "active", 1)
    cid = body["id"]
    adoption = next(s["id"] for s in stages if s["code"] == "adoption")
    moved = call("post", f"/contracts/{cid}/move", {"to_stage_id": adoption, "version": 1})
    assert moved.status_code == 200 and moved.json()["stage_id"] == adoption
    assert call("post", f"/contracts/{cid}/renew", {"version": 1}).status_code == 409
    renewed = call("post", f"/contracts/{cid}/renew", {"version": 2, "amount": 250_000})
    assert renewed.status_code == 201
    nxt = renewed.json()
    assert (nxt["previous_id"], nxt["start_date"], nxt["amount"]) == (cid, "2027-04-01",
                                                                     250_000)
    assert call("get", f"/contracts/{cid}").json()["status"] == "renewed"
    assert_field_error(call("post", f"/contracts/{nxt['id']}/churn",
                            {"version": 1, "reason": " "}), "reason")
    churned = call("post", f"/contracts/{nxt['id']}/churn", {"version": 1, "reason": "移転"})
    assert churned.json()["status"] == "churned"
    listed = call("get", "/contracts?status=renewed").json()
    assert [c["id"] for c in listed["items"]] == [cid]
    outsider = client_for(make_user(Role.MEMBER, teams=[make_team("大阪")]))
    assert outsider("get", f"/contracts/{cid}").status_code == 404
    assert outsider("get", "/contracts").json()["count"] == 0
    assert outsider("post", "/contracts", {"name": "x", "account_id": account.pk,
                                           "start_date": "2026-04-01",
                                           "amount": 1}).status_code == 404


def test_api_expansion_attribution(desk, make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    user, account = desk
    call = client_for(user)
    c = make(user, account, dt.date(2027, 4, 1))
    deal = call("post", "/deals", {"name": "追加フィルター", "account_id": account.pk,
                                   "expected_close_date": "2030-06-30", "amount": 50_000}).json()
    body = {"deal_id": deal["id"], "version": deal["version"],
            "originating_division": "customer_success"}
    done = call("post", f"/contracts/{c.pk}/expansions", body)
    assert done.status_code == 200, done.content
    assert done.json()["originating_division"] == "customer_success"
    got = call("get", f"/deals/{deal['id']}").json()
    assert (got["expansion_of_id"], got["originating_division"]) == (c.pk, "customer_success")
    assert call("post", f"/contracts/{c.pk}/expansions", body).status_code == 409
    outsider = client_for(make_user(Role.MEMBER, teams=[make_team("大阪")]))
    assert outsider("post", f"/contracts/{c.pk}/expansions", body).status_code == 404
