"""/api/v1/actions/scorecards and /whitespace: managers write scorecards, reps rate (409 when
stale), managers correct (the rating is kept), priority lists, gaps, whitespace cells."""

from __future__ import annotations

import pytest
from django.test import Client

from kizuna.commerce.models import Product
from kizuna.core.services import create_api_token
from kizuna.customers.services import create_account
from tests.actions.test_scorecards import ITEMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(team):  # type: ignore[no-untyped-def]
    tokens = {name: create_api_token(actor=team[name], name="t")[1]
              for name in ("manager", "rep", "rep2", "outsider")}

    def request(who: str, method: str, path: str, data: object = None):  # type: ignore[no-untyped-def]
        return getattr(Client(), method)(f"/api/v1/actions{path}", data=data,
                                          content_type="application/json",
                                          HTTP_AUTHORIZATION=f"Bearer {tokens[who]}")

    return request


def test_scorecards_ratings_corrections_and_gaps(call, team) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=team["rep"], name="山田製作所", team=team["team"])
    body = {"key": "fit", "name": "有望度", "items": ITEMS}
    assert call("rep", "post", "/scorecards", body).status_code == 403
    created = call("manager", "post", "/scorecards", body)
    assert created.status_code == 201 and created.json()["revision"] == 1
    card = created.json()["id"]
    path = f"/scorecards/{card}/records/{account.pk}"
    values = {"awareness": 5, "competitor": 3, "budget": 4, "dm_access": 2}
    assert call("rep2", "post", f"{path}/ratings", {"version": 0, "values": values}) \
        .status_code == 403
    assert call("outsider", "get", path).status_code == 404
    rated = call("rep", "post", f"{path}/ratings", {"version": 0, "values": values})
    assert rated.status_code == 200 and (rated.json()["total"], rated.json()["band"]) == (69, "B")
    assert call("rep", "post", f"{path}/ratings", {"version": 0, "values": {"budget": 1}}) \
        .status_code == 409
    rating = rated.json()["items"][0]["ratings"][0]["id"]
    assert call("rep", "post", f"/scorecards/ratings/{rating}/corrections",
                {"version": 1, "value": 3, "reason": "x"}).status_code == 403
    corrected = call("manager", "post", f"/scorecards/ratings/{rating}/corrections",
                     {"version": 1, "value": 3, "reason": "現場レベル"})
    assert corrected.status_code == 201 and corrected.json()["total"] == 50
    item = corrected.json()["items"][0]
    assert item["value"] == 3 and item["ratings"][0]["value"] == 5
    assert item["ratings"][0]["corrections"][0]["reason"] == "現場レベル"
    listed = call("rep", "get", f"/scorecards/{card}/scores?band=B").json()
    assert listed["count"] == 1 and listed["items"][0]["total"] == 50
    gaps = call("manager", "get", f"/scorecards/gaps?scorecard_id={card}").json()
    assert [(g["corrections"], g["mean_abs"], g["mean_signed"]) for g in gaps] == [(1, 2.0, 2.0)]
    patched = call("manager", "patch", f"/scorecards/{card}",
                   {"version": 1, "band_a": 45})
    assert patched.json()["revision"] == 2
    assert call("rep", "get", f"/scorecards/{card}/scores?band=A").json()["count"] == 1


def test_whitespace_cells(call, team) -> None:  # type: ignore[no-untyped-def]
    Product.objects.create(code="P1", name="緑茶", category="緑茶")
    account = create_account(actor=team["rep"], name="山田製作所", team=team["team"])
    path = f"/whitespace/accounts/{account.pk}"
    matrix = call("rep", "get", path).json()
    assert [row["department_id"] for row in matrix["rows"]] == [None]  # the whole account
    assert matrix["cells"][0]["status"] == "not_approached"
    cell = {"category": "緑茶", "status": "need", "version": 0}
    assert call("rep2", "post", f"{path}/cells", cell).status_code == 403
    assert call("rep", "post", f"{path}/cells", cell).json()["version"] == 1
    assert call("rep", "post", f"{path}/cells", cell).status_code == 409
    assert call("rep", "post", f"{path}/cells", {**cell, "status": "won"}).status_code == 422
    summary = call("manager", "get", "/whitespace/summary").json()
    assert summary["total"]["coverage"] == 1.0 and summary["total"]["conversion"] == 0.0


def test_openapi_lists_the_scorecard_and_whitespace_paths(db) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path, methods in {
        "/api/v1/actions/scorecards": {"get", "post"},
        "/api/v1/actions/scorecards/{scorecard_id}": {"get", "patch"},
        "/api/v1/actions/scorecards/{scorecard_id}/scores": {"get"},
        "/api/v1/actions/scorecards/{scorecard_id}/records/{record_id}": {"get"},
        "/api/v1/actions/scorecards/{scorecard_id}/records/{record_id}/ratings": {"post"},
        "/api/v1/actions/scorecards/ratings/{rating_id}/corrections": {"post"},
        "/api/v1/actions/scorecards/gaps": {"get"},
        "/api/v1/actions/whitespace/accounts/{account_id}": {"get"},
        "/api/v1/actions/whitespace/accounts/{account_id}/cells": {"post"},
        "/api/v1/actions/whitespace/summary": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
