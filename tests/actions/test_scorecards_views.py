"""Scorecard and whitespace pages: create, rate, correct, priority list, gaps; the matrix with
an htmx cell update; the KPI summary; who may do what."""

from __future__ import annotations

import json

import pytest

from kizuna.actions import scorecards as sc
from kizuna.actions.models import CellStatus, Score, Scorecard, ScoreCorrection, WhitespaceCell
from kizuna.commerce.models import Product
from kizuna.customers.services import create_account, create_department
from tests.actions.test_scorecards import ITEMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(team):  # type: ignore[no-untyped-def]
    return sc.create_scorecard(actor=team["manager"], key="fit", name="有望度", items=ITEMS)


@pytest.fixture
def account(team):  # type: ignore[no-untyped-def]
    return create_account(actor=team["rep"], name="山田製作所", team=team["team"])


def test_managers_create_scorecards_with_json_items(team, client_for) -> None:
    client = client_for(team["manager"])
    assert client.get("/scorecards/new/").status_code == 200
    bad = client.post("/scorecards/new/", {"key": "fit", "name": "有望度", "items": "[{",
                                           "band_a": 70, "band_b": 40})
    assert bad.status_code == 200 and "JSON" in bad.content.decode()
    response = client.post("/scorecards/new/", {
        "key": "fit", "name": "有望度", "purpose": "優先順位", "band_a": 70, "band_b": 40,
        "items": json.dumps(ITEMS, ensure_ascii=False)})
    card = Scorecard.objects.get(key="fit")
    assert response.status_code == 302 and card.owner == team["manager"]
    page = client.get(f"/scorecards/{card.pk}/").content.decode()
    assert "score.fit" in page and "課題認識" in page
    edit = client.post(f"/scorecards/{card.pk}/edit/", {
        "name": "有望度2", "purpose": "", "band_a": 60, "band_b": 30, "active": "on",
        "items": json.dumps(ITEMS[:2], ensure_ascii=False), "version": card.version})
    assert edit.status_code == 302 and card.versions.count() == 2
    assert client_for(team["rep"]).get("/scorecards/new/").status_code == 403
    assert client_for(team["rep"]).get(f"/scorecards/{card.pk}/edit/").status_code == 403
    assert "有望度2" in client_for(team["rep"]).get("/scorecards/").content.decode()


def test_rate_correct_priority_list_and_gaps(team, card, account, client_for) -> None:
    rep = client_for(team["rep"])
    url = f"/scorecards/{card.pk}/records/{account.pk}/"
    assert 'data-testid="rate"' in rep.get(url).content.decode()
    response = rep.post(url, {"version": 0, "item-awareness": 5, "item-competitor": 3,
                              "item-budget": 4, "item-dm_access": 2, "note-budget": "来期"})
    assert response.status_code == 302
    assert Score.objects.get(account=account).total == 69
    stale = rep.post(url, {"version": 0, "item-awareness": 1})
    assert stale.status_code == 422 and 'data-testid="rate-errors"' in stale.content.decode()
    # The manager corrects one item; the rep's rating stays in the history.
    manager = client_for(team["manager"])
    rating = sc.item_states(card, account)[0].rating
    page = manager.get(url).content.decode()
    assert 'data-testid="correct-awareness"' in page
    response = manager.post(f"{url}correct/{rating.pk}/", {"version": 1, "value": 3,
                                                           "reason": "現場レベル"})
    assert response.status_code == 302 and ScoreCorrection.objects.count() == 1
    page = rep.get(url).content.decode()
    assert "現場レベル" in page and 'data-testid="correct-awareness"' not in page
    assert rep.post(f"{url}correct/{rating.pk}/", {"version": 2, "value": 1,
                                                   "reason": "x"}).status_code == 403
    # Priority list, filtered (htmx gives the table only).
    listing = rep.get(f"/scorecards/{card.pk}/?band=B&owner={team['rep'].pk}").content.decode()
    assert "山田製作所" in listing and ">50<" in listing
    fragment = rep.get(f"/scorecards/{card.pk}/?band=A", HTTP_HX_REQUEST="true")
    assert "山田製作所" not in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    gaps = manager.get(f"/scorecards/gaps/?scorecard={card.pk}").content.decode()
    assert "2.00" in gaps  # |5 − 3|
    scores = rep.get(f"/scorecards/accounts/{account.pk}/").content.decode()
    assert "有望度" in scores and ">50<" in scores
    assert client_for(team["outsider"]).get(url).status_code == 404
    other = client_for(team["rep2"])  # sees the shared account, cannot rate it
    assert 'data-testid="rate"' not in other.get(url).content.decode()
    assert other.post(url, {"version": 2, "item-awareness": 1}).status_code == 403


def test_whitespace_matrix_cell_update_with_htmx_and_summary(team, account, client_for) -> None:
    Product.objects.create(code="P1", name="緑茶", category="緑茶")
    Product.objects.create(code="P2", name="茶器", category="茶器")
    department = create_department(actor=team["rep"], account=account, name="総務部")
    rep = client_for(team["rep"])
    detail = rep.get(f"/accounts/{account.pk}/").content.decode()
    assert f"/whitespace/accounts/{account.pk}/" in detail
    page = rep.get(f"/whitespace/accounts/{account.pk}/").content.decode()
    assert page.count('data-testid="cell"') == 2 and "総務部" in page
    response = rep.post(f"/whitespace/accounts/{account.pk}/set/", {
        "row": department.pk, "category": "緑茶", "status": CellStatus.NEED, "version": 0,
        "note": "需要あり"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200 and fragment.strip().startswith("<td")
    assert 'data-status="need"' in fragment and "<html" not in fragment
    stale = rep.post(f"/whitespace/accounts/{account.pk}/set/", {
        "row": department.pk, "category": "緑茶", "status": CellStatus.NO_NEED, "version": 0},
        HTTP_HX_REQUEST="true")
    assert stale.status_code == 422 and 'role="alert"' in stale.content.decode()
    plain = rep.post(f"/whitespace/accounts/{account.pk}/set/", {
        "row": department.pk, "category": "茶器", "status": CellStatus.APPROACHED,
        "version": 0})
    assert plain.status_code == 302 and WhitespaceCell.objects.count() == 2
    history = rep.get(f"/whitespace/accounts/{account.pk}/history/?row={department.pk}"
                      "&category=緑茶").content.decode()
    assert "需要あり" in history
    summary = rep.get("/whitespace/").content.decode()
    assert "100.0%" in summary and "山田製作所" in summary  # both cells touched
    assert client_for(team["rep2"]).post(f"/whitespace/accounts/{account.pk}/set/", {
        "row": department.pk, "category": "緑茶", "status": "approached",
        "version": 1}).status_code == 403
    assert client_for(team["outsider"]).get(
        f"/whitespace/accounts/{account.pk}/").status_code == 404


def test_priority_list_and_whitespace_summary_query_counts_do_not_grow(team, card,
                                                                       client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Product.objects.create(code="P1", name="緑茶", category="緑茶")
    rep = team["rep"]
    client = client_for(rep)

    def add(n: int) -> None:
        for i in range(n):
            account = create_account(actor=rep, name=f"取引先{i}", team=team["team"])
            sc.rate(actor=rep, scorecard=card, record=account, expected_version=0,
                    values={"budget": 1 + i % 5})
            create_department(actor=rep, account=account, name=f"部{i}")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(2)
    few = (count(f"/scorecards/{card.pk}/"), count("/whitespace/"))
    add(6)
    assert (count(f"/scorecards/{card.pk}/"), count("/whitespace/")) == few
