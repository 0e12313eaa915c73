"""/api/v1/actions/: criteria (managers write), previews, alerts (done, snooze, reassign)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.actions import services
from kizuna.actions.models import Alert
from kizuna.core.services import create_api_token

CONDITION = {"field": "prefecture", "op": "eq", "value": "東京都"}


@pytest.fixture
def call(team):  # type: ignore[no-untyped-def]
    tokens = {name: create_api_token(actor=team[name], name="t")[1]
              for name in ("manager", "rep", "rep2")}

    def request(who: str, method: str, path: str, data: object = None):  # type: ignore[no-untyped-def]
        return getattr(Client(), method)(f"/api/v1/actions{path}", data=data,
                                          content_type="application/json",
                                          HTTP_AUTHORIZATION=f"Bearer {tokens[who]}")

    return request


def test_criteria_crud_for_managers_read_for_members(call, customers) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "東京", "purpose": "地域", "entity": "customer", "condition": CONDITION,
            "title_template": "{name}様に電話"}
    assert call("rep", "post", "/criteria", body).status_code == 403
    created = call("manager", "post", "/criteria", body)
    assert created.status_code == 201
    criterion = created.json()
    assert (criterion["revision"], criterion["enabled"], criterion["version"]) == (1, False, 1)
    listed = call("rep", "get", "/criteria").json()
    assert listed["count"] == 1 and listed["items"][0]["condition"] == CONDITION
    path = f"/criteria/{criterion['id']}"
    bad = call("manager", "patch", path, {"version": 1, "condition": {
        "all": [{"field": "prefecture", "op": "gt", "value": 3}]}})
    assert bad.status_code == 422
    assert bad.json()["fields"]["condition"][0].startswith("all[0].op:")
    changed = call("manager", "patch", path, {"version": 1, "condition": {
        "field": "prefecture", "op": "eq", "value": "大阪府"}, "enabled": True}).json()
    assert (changed["revision"], changed["enabled"], changed["version"]) == (2, True, 3)
    assert call("manager", "patch", path, {"version": 1, "name": "x"}).status_code == 409
    assert call("rep", "patch", path, {"version": 3, "name": "x"}).status_code == 403
    assert call("rep", "get", "/criteria/99999").status_code == 404


def test_preview_saved_and_unsaved(call, customers, team, make_criterion) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"])
    found = call("manager", "get", f"/criteria/{criterion.pk}/preview?limit=1").json()
    assert (found["count"], found["new"], len(found["records"])) == (2, 2, 1)
    assert call("rep", "get", f"/criteria/{criterion.pk}/preview").status_code == 403
    unsaved = call("manager", "post", "/preview", {
        "entity": "customer", "condition": {"field": "prefecture", "op": "eq",
                                            "value": "大阪府"}}).json()
    assert unsaved["count"] == 1 and unsaved["new"] is None
    assert unsaved["records"][0]["name"].startswith("鈴木")
    invalid = call("manager", "post", "/preview", {"entity": "account", "condition": {
        "aggregate": "nope", "op": "eq", "value": 1}})
    assert invalid.status_code == 422 and "aggregate" in invalid.json()["fields"]["__all__"][0]
    run = call("manager", "post", f"/criteria/{criterion.pk}/run")
    assert run.status_code == 202 and run.json()["job_id"]


def test_alerts_list_and_actions(call, customers, team, make_criterion) -> None:  # type: ignore[no-untyped-def]
    services.run_criterion(criterion=make_criterion(team["manager"]))
    listed = call("rep", "get", "/alerts?status=open").json()
    assert listed["count"] == 2
    first = listed["items"][0]
    assert first["purpose"] == "テストのため" and first["revision"] == 1
    assert first["record_id"] == customers[0].pk and first["entity"] == "customer"
    path = f"/alerts/{first['id']}"
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    snoozed = call("rep", "post", f"{path}/snooze", {"version": 1, "until": tomorrow,
                                                      "reason": "不在"}).json()
    assert snoozed["snoozed_until"] == tomorrow and snoozed["version"] == 2
    assert call("rep", "post", f"{path}/done", {"version": 1,
                                                "outcome_code": "order"}).status_code == 409
    assert call("rep", "post", f"{path}/reassign", {
        "version": 2, "assignee_id": team["rep2"].pk}).status_code == 403
    moved = call("manager", "post", f"{path}/reassign", {
        "version": 2, "assignee_id": team["rep2"].pk}).json()
    assert moved["assignee_id"] == team["rep2"].pk
    done = call("rep2", "post", f"{path}/done", {"version": 3, "outcome_code": "order",
                                                 "outcome_note": "受注"}).json()
    assert (done["status"], done["outcome_code"], done["acted_by_id"]) == (
        "done", "order", team["rep2"].pk)
    assert call("rep2", "post", f"{path}/done", {
        "version": 4, "outcome_code": "nope"}).status_code == 422
    assert Alert.objects.filter(status="done").count() == 1
