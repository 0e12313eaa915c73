"""Deals API: pipelines and lost reasons (read), deals CRUD with product lines, move, search,
filters and pages, the buying centre, access rules, optimistic locking (409) and the forecast."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.commerce.models import Product
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import Deal, DealStage, LostReason
from kizuna.pipeline.services import create_deal
from tests.customers.test_api import (
    assert_field_error,
    assert_same_queries_for_2_and_20,
    client_for,
)

pytestmark = pytest.mark.django_db


def stage(code: str) -> DealStage:
    return DealStage.objects.get(pipeline__code="new_business", code=code)


@pytest.fixture
def desk(make_user, make_team):  # type: ignore[no-untyped-def]
    team = make_team("東京営業")
    user = make_user(Role.MEMBER, teams=[team], last_name="青木")
    account = create_account(actor=user, name="株式会社緑茶商事", name_kana="リョクチャショウジ",
                             team=team)
    return user, team, account, client_for(user)


def test_pipelines_and_lost_reasons(desk) -> None:  # type: ignore[no-untyped-def]
    *_rest, call = desk
    pipelines = call("get", "/pipelines").json()
    assert [p["code"] for p in pipelines] == ["new_business"]
    stages = pipelines[0]["stages"]
    assert [(s["code"], s["kind"], s["probability"]) for s in stages] == [
        ("first_visit", "open", 10), ("hearing", "open", 20), ("proposal", "open", 40),
        ("quote", "open", 60), ("negotiation", "open", 80), ("won", "won", 100),
        ("lost", "lost", 0)]
    assert "price" in [r["code"] for r in call("get", "/lost-reasons").json()]


def test_deal_crud_move_and_locking(desk) -> None:  # type: ignore[no-untyped-def]
    user, team, account, call = desk
    machine = Product.objects.create(code="KZ-200", name="給茶機", list_price=480_000)
    boss = create_contact(actor=user, account=account, family_name="山田",
                          buying_role="decision_maker")
    created = call("post", "/deals", {
        "name": "本社 給茶機入替", "account_id": account.pk, "stage_id": stage("quote").pk,
        "expected_close_date": "2030-06-30", "amount": 1,
        "lines": [{"product_id": machine.pk, "quantity": 2}], "competitors": ["A社"],
        "demand_month": 3, "demand_period": "2030年度予算"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["amount"], body["probability"], body["weighted_amount"]) == (960_000, 60,
                                                                             576_000)
    assert body["forecast_category"] == "best_case" and body["team_id"] == team.pk
    assert body["lines"][0]["unit_price"] == 480_000 and body["competitors"] == ["A社"]
    pk = body["id"]
    assert call("get", f"/deals/{pk}").json() == body

    patched = call("patch", f"/deals/{pk}", {"version": 1, "probability_override": 85,
                                             "lines": []})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["probability"], patched.json()["forecast_category"]) == (85,
                                                                                 "commit")
    assert patched.json()["lines"] == [] and patched.json()["amount"] == 960_000
    assert call("patch", f"/deals/{pk}", {"version": 1, "name": "古い"}).status_code == 409
    assert_field_error(call("patch", f"/deals/{pk}", {"version": 2,
                                                      "probability_override": 101}),
                       "probability_override")

    lost = call("post", f"/deals/{pk}/move", {"version": 2, "to_stage_id": stage("lost").pk})
    assert_field_error(lost, "lost_reason")
    stale = call("post", f"/deals/{pk}/move", {"version": 1, "to_stage_id": stage("won").pk})
    assert stale.status_code == 409
    moved = call("post", f"/deals/{pk}/move", {
        "version": 2, "to_stage_id": stage("lost").pk,
        "lost_reason_id": LostReason.objects.get(code="competitor").pk, "lost_note": "A社"})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["probability"], moved.json()["forecast_category"]) == (0, "omitted")
    history = call("get", f"/deals/{pk}/stage-changes").json()
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history] == [
        (None, stage("quote").pk), (stage("quote").pk, stage("lost").pk)]

    link = call("post", f"/deals/{pk}/contacts", {"contact_id": boss.pk, "role": "approver"})
    assert link.status_code == 201 and link.json()["effective_role"] == "approver"
    assert call("get", f"/deals/{pk}").json()["contacts"] == [link.json()]
    assert call("delete", f"/deals/{pk}/contacts/{link.json()['id']}").status_code == 204

    # An activity filed on the deal, from the API: on the deal's buyer, listed by deal.
    logged = call("post", "/activities", {"kind": "call", "occurred_at": "2026-07-10T10:00:00",
                                          "subject": "失注の確認", "deal_id": pk})
    assert logged.status_code == 201, logged.content
    assert (logged.json()["account_id"], logged.json()["deal_id"]) == (account.pk, pk)
    assert call("get", f"/activities?deal_id={pk}").json()["count"] == 1

    version = moved.json()["version"]
    assert call("delete", f"/deals/{pk}?version=1").status_code == 409
    assert call("delete", f"/deals/{pk}?version={version}").status_code == 204
    assert not Deal.objects.exists()


def test_list_search_filters_and_query_count(desk) -> None:  # type: ignore[no-untyped-def]
    user, _team, account, call = desk

    def add(i: int) -> Deal:
        return create_deal(actor=user, name=f"商談{i}", account=account,
                           stage=stage("hearing" if i % 2 else "quote"), amount=i * 1000,
                           expected_close_date=dt.date(2030, 1 + i % 12, 1))

    assert_same_queries_for_2_and_20(call, "/deals", add)
    assert call("get", "/deals?q=りょくちゃ&page_size=5").json()["count"] == 20
    assert call("get", "/deals?q=商談13").json()["items"][0]["name"] == "商談13"
    hearing = call("get", f"/deals?stage_id={stage('hearing').pk}").json()
    assert hearing["count"] == 10
    april = call("get", "/deals?closes_from=2030-04-01&closes_to=2030-04-30").json()
    assert sorted(d["name"] for d in april["items"]) == ["商談15", "商談3"]
    assert call("get", "/deals?forecast_category=best_case").json()["count"] == 10


def test_access_rules(desk, make_user) -> None:  # type: ignore[no-untyped-def]
    user, team, account, call = desk
    deal = create_deal(actor=user, name="x", account=account,
                       expected_close_date=dt.date(2030, 1, 1))
    stranger = client_for(make_user(Role.MEMBER))
    colleague = client_for(make_user(Role.MEMBER, teams=[team]))
    assert stranger("get", f"/deals/{deal.pk}").status_code == 404
    assert stranger("get", "/deals").json()["count"] == 0
    assert colleague("get", f"/deals/{deal.pk}").status_code == 200
    assert colleague("patch", f"/deals/{deal.pk}", {"version": 1, "name": "y"}) \
        .status_code == 403
    assert colleague("post", f"/deals/{deal.pk}/move", {
        "version": 1, "to_stage_id": stage("hearing").pk}).status_code == 403
    # An account the caller cannot see is "not found", like any hidden id.
    hidden = create_account(actor=make_user(Role.MEMBER), name="見えない")
    assert call("post", "/deals", {"name": "z", "account_id": hidden.pk,
                                   "expected_close_date": "2030-01-01"}).status_code == 404
    assert_field_error(call("post", "/deals", {"name": "z",
                                               "expected_close_date": "2030-01-01"}),
                       "__all__")


def test_forecast_endpoint(desk) -> None:  # type: ignore[no-untyped-def]
    user, _team, account, call = desk
    create_deal(actor=user, name="a", account=account, stage=stage("negotiation"),
                amount=1_000_000, expected_close_date=dt.date(2030, 4, 10))
    create_deal(actor=user, name="b", account=account, stage=stage("proposal"),
                amount=333_333, expected_close_date=dt.date(2030, 5, 2),
                probability_override=35)
    body = call("get", "/forecast?start=2030-04-15&months=2").json()
    assert body["months"] == ["2030-04", "2030-05"]
    assert [(r["month"], r["group_id"], r["weighted"], r["commit"], r["pipeline"])
            for r in body["rows"]] == [("2030-04", user.pk, 800_000, 1_000_000, 0),
                                       ("2030-05", user.pk, 116_667, 0, 333_333)]
    assert body["total"]["weighted"] == 916_667
    assert body["win_rate_total"]["by_count"] is None
    by_team = call("get", "/forecast?start=2030-04-01&months=1&by=team").json()
    assert by_team["rows"][0]["group"] == "東京営業"
    assert call("get", "/forecast?start=2030-04-01&months=40").status_code == 422
    assert call("get", "/forecast?start=2030-04-01&pipeline_id=999").status_code == 404


def test_openapi_lists_deal_paths(db) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/pipelines", "/api/v1/lost-reasons", "/api/v1/deals",
                 "/api/v1/deals/{deal_id}", "/api/v1/deals/{deal_id}/move",
                 "/api/v1/deals/{deal_id}/stage-changes", "/api/v1/deals/{deal_id}/contacts",
                 "/api/v1/forecast"):
        assert path in paths, path
    assert set(paths["/api/v1/deals/{deal_id}"]) == {"get", "patch", "delete"}
