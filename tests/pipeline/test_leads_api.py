"""Leads API: stages (read), acquire, list with filters and pages, get with transitions, move
(fast pass, recycle, dead end by the service's rules), revive, access rules, optimistic locking
(409) and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact, create_customer
from kizuna.pipeline.models import Lead, LeadStage
from kizuna.pipeline.services import create_lead
from tests.customers.test_api import (
    assert_field_error,
    assert_same_queries_for_2_and_20,
    client_for,
)

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def stage(code: str) -> LeadStage:
    return LeadStage.objects.get(code=code)


@pytest.fixture
def desk(make_user, make_team):  # type: ignore[no-untyped-def]
    team = make_team("東京営業")
    user = make_user(Role.MEMBER, teams=[team], last_name="青木")
    account = create_account(actor=user, name="株式会社緑茶商事", team=team)
    return user, team, account, client_for(user)


def test_lead_stages_in_path_order(desk) -> None:  # type: ignore[no-untyped-def]
    *_rest, call = desk
    stages = call("get", "/lead-stages").json()
    assert [(s["code"], s["kind"]) for s in stages] == [
        ("acquired", "main"), ("nurturing", "main"), ("promising", "main"),
        ("accepted", "main"), ("won", "main"), ("recycle", "recycle"),
        ("dead_end", "dead_end")]


def test_acquire_get_move_recycle_revive_and_locking(desk) -> None:  # type: ignore[no-untyped-def]
    user, team, account, call = desk
    contact = create_contact(actor=user, account=account, family_name="山田")
    created = call("post", "/leads", {
        "contact_id": contact.pk, "lead_source": "seminar", "interest": "給茶機",
        "acquired_at": "2026-01-05T09:30:00+09:00", "acquisition_cost": 12_000})
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert (body["contact_id"], body["account_id"], body["customer_id"]) == (
        contact.pk, account.pk, None)
    assert (body["stage_code"], body["acquisition_cost"], body["owner_id"], body["team_id"]) == (
        "acquired", 12_000, user.pk, team.pk)
    assert body["acquired_at"] == "2026-01-05T09:30:00+09:00"
    assert [(t["from_stage_id"], t["to_stage_id"]) for t in body["transitions"]] == [
        (None, stage("acquired").pk)]
    assert call("get", f"/leads/{pk}").json() == body

    again = call("post", "/leads", {"contact_id": contact.pk, "lead_source": "inquiry"})
    assert again.status_code == 422  # the user's language: Japanese by default
    assert "既にリードです" in again.json()["fields"]["__all__"][0]

    fast = call("post", f"/leads/{pk}/move", {"version": 1, "to_stage_id": stage("promising").pk,
                                              "at": "2026-01-10T10:00:00+09:00"})
    assert fast.status_code == 200, fast.content
    moved = fast.json()
    assert moved["stage_code"] == "promising" and moved["version"] == 2
    assert moved["transitions"][-1]["is_fast_pass"] is True
    assert moved["stage_entered_at"] == "2026-01-10T10:00:00+09:00"

    stale = call("post", f"/leads/{pk}/move", {"version": 1, "to_stage_id": stage("recycle").pk,
                                               "reason": "予算なし"})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    no_reason = call("post", f"/leads/{pk}/move", {"version": 2,
                                                   "to_stage_id": stage("recycle").pk})
    assert_field_error(no_reason, "reason")
    recycled = call("post", f"/leads/{pk}/move", {"version": 2,
                                                  "to_stage_id": stage("recycle").pk,
                                                  "reason": "予算なし"}).json()
    assert recycled["stage_code"] == "recycle"
    assert recycled["transitions"][-1]["reason"] == "予算なし"

    back = call("post", f"/leads/{pk}/revive", {"version": 3, "reason": "セミナーに再来場"})
    assert back.status_code == 200, back.content
    revived = back.json()
    assert revived["stage_code"] == "nurturing" and revived["acquisition_cost"] == 12_000
    assert revived["acquired_at"] == "2026-01-05T09:30:00+09:00"
    assert len(revived["transitions"]) == 4
    not_recycled = call("post", f"/leads/{pk}/revive", {"version": 4})
    assert_field_error(not_recycled, "__all__")
    assert call("post", f"/leads/{pk}/move", {"version": 4,
                                              "to_stage_id": 999_999}).status_code == 404


def test_list_filters_pages_and_no_query_per_row(desk, make_user) -> None:  # type: ignore[no-untyped-def]
    user, _team, account, call = desk
    other = make_user(Role.MANAGER, teams=[user.teams.get()])

    def add(i: int) -> Lead:
        contact = create_contact(actor=user, account=account, family_name=f"担当{i}")
        return create_lead(actor=user, contact=contact, lead_source="seminar",
                           acquired_at=dt.datetime(2026, 1, 1 + i, 9, tzinfo=TOKYO))

    assert_same_queries_for_2_and_20(call, "/leads", add)
    customer = create_customer(actor=user, family_name="佐藤", team=user.teams.get())
    web = create_lead(actor=other, customer=customer, lead_source="web_form", owner=other,
                      acquired_at=dt.datetime(2026, 2, 1, 9, tzinfo=TOKYO))
    page = call("get", "/leads?page_size=5&page=2").json()
    assert (page["count"], page["pages"], len(page["items"])) == (21, 5, 5)
    assert call("get", "/leads").json()["items"][0]["id"] == web.pk  # newest stage entry first
    assert [i["id"] for i in call("get", "/leads?lead_source=web_form").json()["items"]] == [
        web.pk]
    assert call("get", f"/leads?owner_id={other.pk}").json()["count"] == 1
    assert call("get", "/leads?stage=acquired").json()["count"] == 21
    assert call("get", "/leads?stage=nurturing").json()["count"] == 0
    assert call("get", "/leads?entered_after=2026-01-19").json()["count"] == 3  # 19, 20, 2/1
    assert call("get", f"/leads?customer_id={customer.pk}").json()["count"] == 1
    assert_field_error(call("get", "/leads?lead_source=telepathy"), "lead_source")


def test_access_rules(desk, make_user) -> None:  # type: ignore[no-untyped-def]
    user, _team, account, call = desk
    contact = create_contact(actor=user, account=account, family_name="山田")
    lead = create_lead(actor=user, contact=contact, lead_source="seminar")
    stranger = client_for(make_user(Role.MEMBER))
    assert stranger("get", "/leads").json()["count"] == 0
    assert stranger("get", f"/leads/{lead.pk}").status_code == 404
    assert stranger("post", f"/leads/{lead.pk}/move", {
        "version": 1, "to_stage_id": stage("nurturing").pk}).status_code == 404
    assert stranger("post", "/leads", {"contact_id": contact.pk,
                                       "lead_source": "seminar"}).status_code == 404
    viewer = client_for(make_user(Role.VIEWER, teams=[user.teams.get()]))
    assert viewer("get", f"/leads/{lead.pk}").status_code == 200
    assert viewer("post", f"/leads/{lead.pk}/move", {
        "version": 1, "to_stage_id": stage("nurturing").pk}).status_code in (403, 404)
    member = make_user(Role.MEMBER, teams=[user.teams.get()])
    assigned = call("post", "/leads", {"customer_id": create_customer(
        actor=user, family_name="佐藤").pk, "lead_source": "inquiry", "owner_id": member.pk})
    assert assigned.status_code == 403  # members own what they create
    assert Lead.objects.count() == 1


def test_openapi_lists_lead_paths(db) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/lead-stages", "/api/v1/leads", "/api/v1/leads/{lead_id}",
                 "/api/v1/leads/{lead_id}/move", "/api/v1/leads/{lead_id}/revive"):
        assert path in paths, path
    assert set(paths["/api/v1/leads"]) == {"get", "post"}
    params = {p["name"] for p in paths["/api/v1/leads"]["get"]["parameters"]}
    assert {"stage", "lead_source", "owner_id", "entered_after", "page",
            "page_size"} <= params
