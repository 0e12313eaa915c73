"""Pipeline pages: the funnel page (Sankey data, stage table, drill-down), lead lists per stage,
a lead's history and "move to stage"; access rules, htmx fragments and query counts."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import LeadStage
from kizuna.pipeline.services import create_lead, move_lead

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


def stage(code: str) -> LeadStage:
    return LeadStage.objects.get(code=code)


@pytest.fixture
def rep(make_user):  # type: ignore[no-untyped-def]
    return make_user(language="en")


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def build(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return build


def make_lead(actor, name: str, moves: list[tuple[str, str, str]] = (), *,  # type: ignore[no-untyped-def,assignment]
              acquired: str = "2025-01-06", account=None):
    account = account or create_account(actor=actor, name=f"{name}株式会社")
    contact = create_contact(actor=actor, account=account, family_name=name)
    lead = create_lead(actor=actor, contact=contact, lead_source="seminar",
                       acquired_at=at(acquired), interest=f"{name}の案件")
    for code, day, reason in moves:
        lead.refresh_from_db()
        move_lead(actor=actor, lead=lead, to_stage=stage(code), expected_version=lead.version,
                  at=at(day), reason=reason)
    lead.refresh_from_db()
    return lead


@pytest.fixture
def leads(rep):  # type: ignore[no-untyped-def]
    """Three leads in January–February 2025: a fast pass, a recycle, a dead end."""
    return [
        make_lead(rep, "山田", [("promising", "2025-01-08", ""), ("accepted", "2025-02-03", "")]),
        make_lead(rep, "鈴木", [("nurturing", "2025-01-10", ""),
                               ("recycle", "2025-02-05", "予算なし")]),
        make_lead(rep, "田中", [("dead_end", "2025-02-07", "学生")], acquired="2025-02-06"),
    ]


# --- the funnel page ---------------------------------------------------------------------------


def test_funnel_page_shows_the_stage_table_and_sankey_data(rep, leads, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    page = client.get("/pipeline/?period=month&until=2025-02-15&periods=2")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-current="page">Pipeline<' in html  # the nav entry
    rows = {m[0]: m[1] for m in re.findall(
        r'data-stage="(\w+)">.*?data-testid="flow">(\d+)<', html, re.S)}
    assert rows == {"acquired": "1", "nurturing": "0", "promising": "0", "accepted": "1",
                    "won": "0", "recycle": "1", "dead_end": "1"}
    assert "/pipeline/leads/?entered=accepted&amp;entered_from=2025-02-01&amp;entered_to=" \
        "2025-02-28" in html
    assert "/pipeline/leads/?stage=recycle" in html
    # Sankey data in a JSON block (CSP: no inline script), the chart code from static files.
    data = json.loads(re.search(
        r'<script id="funnel-sankey-data" type="application/json">(.*?)</script>', html,
        re.S)[1])
    assert data["nodes"][:3] == ["New leads", "Acquired", "Nurturing"]
    links = dict(zip(data["link_labels"], data["values"], strict=True))
    assert links["Acquired → Promising (Fast pass)"] == 1
    assert links["Nurturing → Recycle (Recycle)"] == 1
    assert links["Acquired → Dead end (Dead end)"] == 1
    assert links["New leads → Acquired (New leads)"] == 3
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html) == []
    assert "/static/plotly/plotly.min.js" in html and "/static/pipeline/funnel.js" in html


def test_funnel_page_for_weeks_quarters_and_no_data(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    empty = client.get("/pipeline/").content.decode()
    assert 'data-testid="no-flows"' in empty and 'data-testid="stage-table"' in empty
    make_lead(rep, "佐藤", [("nurturing", "2025-01-07", "")])
    weeks = client.get("/pipeline/?period=week&until=2025-01-08&periods=4").content.decode()
    assert "2025-01-06〜01-12" in weeks and 'data-testid="sankey"' in weeks
    quarters = client.get("/pipeline/?period=quarter&until=2025-01-08").content.decode()
    assert "2025-01-01〜03-31" in quarters
    bad = client.get("/pipeline/?period=year&until=someday")  # ignored, not an error
    assert bad.status_code == 200


def test_the_funnel_counts_only_visible_leads_and_its_query_count_is_flat(  # type: ignore[no-untyped-def]
        rep, make_user, leads, client_for) -> None:
    stranger = make_user(language="en")
    html = client_for(stranger).get("/pipeline/?until=2025-02-15").content.decode()
    assert 'data-testid="no-flows"' in html
    client = client_for(rep)
    with CaptureQueriesContext(connection) as few:
        client.get("/pipeline/?until=2025-02-15")
    for i in range(5):
        make_lead(rep, f"追加{i}", [("nurturing", "2025-02-10", "")])
    with CaptureQueriesContext(connection) as many:
        client.get("/pipeline/?until=2025-02-15")
    assert len(many) == len(few)


# --- lead lists --------------------------------------------------------------------------------


def test_lead_list_filters_by_stage_and_by_entries_in_a_period(rep, leads, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)

    def names(query: str = "", **headers: str) -> list[str]:
        html = client.get(f"/pipeline/leads/{query}", **headers).content.decode()
        row = r'data-testid="lead-row"><td><a href="/pipeline/leads/\d+/">([^<]+?)(?:様)?</a>'
        return re.findall(row, html)

    assert sorted(names()) == ["山田", "田中", "鈴木"]
    assert names("?stage=recycle") == ["鈴木"]
    assert names("?entered=promising&entered_from=2025-01-01&entered_to=2025-01-31") == ["山田"]
    assert names("?entered=promising&entered_from=2025-02-01&entered_to=2025-02-28") == []
    assert names("?entered=acquired&entered_from=2025-01-01&entered_to=2025-01-31") == [
        "鈴木", "山田"]  # newest in their current stage first
    assert names("?sort=waiting&entered=acquired") == ["山田", "鈴木", "田中"]
    assert names("?q=鈴木") == ["鈴木"] and names("?q=山田の案件") == ["山田"]
    assert names("?lead_source=referral") == []
    fragment = client.get("/pipeline/leads/?stage=dead_end", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and 'data-testid="lead-table"' in body and "田中" in body


def test_lead_list_query_count_does_not_grow_with_rows(rep, leads, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    with CaptureQueriesContext(connection) as few:
        client.get("/pipeline/leads/")
    for i in range(6):
        make_lead(rep, f"追加{i}", [("promising", "2025-02-10", "")])
    with CaptureQueriesContext(connection) as many:
        client.get("/pipeline/leads/")
    assert len(many) == len(few)


def test_a_member_lists_only_their_leads_a_manager_their_teams(  # type: ignore[no-untyped-def]
        rep, make_user, make_team, leads, client_for) -> None:
    team = make_team()
    rep.teams.add(team)
    outsider = make_user()
    assert "山田" not in client_for(outsider).get("/pipeline/leads/").content.decode()
    manager = make_user(Role.MANAGER, teams=[team])
    assert "山田" in client_for(manager).get("/pipeline/leads/").content.decode()
    assert client_for(outsider).get(f"/pipeline/leads/{leads[0].pk}/").status_code == 404


# --- a lead ------------------------------------------------------------------------------------


def test_lead_detail_shows_the_history_with_fast_passes_and_reasons(  # type: ignore[no-untyped-def]
        rep, leads, client_for) -> None:
    html = client_for(rep).get(f"/pipeline/leads/{leads[0].pk}/").content.decode()
    assert html.count('data-testid="transition-row"') == 3
    assert html.count('data-testid="fast-pass"') == 1
    assert 'data-testid="move-form"' in html and 'name="version" value="3"' in html
    assert '<span class="badge" data-testid="lead-stage">Sales-accepted</span>' in html
    recycled = client_for(rep).get(f"/pipeline/leads/{leads[1].pk}/").content.decode()
    assert "予算なし" in recycled


def test_lead_detail_query_count_does_not_grow_with_history(rep, leads, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    lead = leads[1]
    with CaptureQueriesContext(connection) as few:
        client.get(f"/pipeline/leads/{lead.pk}/")
    for code, day in (("nurturing", "2025-03-01"), ("promising", "2025-03-02"),
                      ("accepted", "2025-03-03")):
        lead.refresh_from_db()
        move_lead(actor=rep, lead=lead, to_stage=stage(code), expected_version=lead.version,
                  at=at(day))
    with CaptureQueriesContext(connection) as many:
        client.get(f"/pipeline/leads/{lead.pk}/")
    assert len(many) == len(few)


def test_move_to_stage_from_the_lead_page(rep, leads, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    lead = leads[0]  # sales-accepted, version 3
    url = f"/pipeline/leads/{lead.pk}/move/"
    refused = client.post(url, {"to_stage": stage("recycle").pk, "reason": "", "version": 3})
    assert refused.status_code == 200
    assert "Say why" in refused.content.decode()
    moved = client.post(url, {"to_stage": stage("won").pk, "at": "2025-02-20T15:00",
                              "version": 3}, follow=True)
    assert moved.redirect_chain == [(f"/pipeline/leads/{lead.pk}/", 302)]
    assert "The lead moved to Won." in moved.content.decode()
    lead.refresh_from_db()
    assert (lead.stage.code, lead.stage_entered_at) == ("won", at("2025-02-20", 15))
    stale = client.post(url, {"to_stage": stage("recycle").pk, "reason": "解約", "version": 3})
    assert "Someone else changed this record" in stale.content.decode()
    assert client.get(url).status_code == 405


def test_a_fast_pass_is_announced(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(rep, "高橋")
    response = client_for(rep).post(f"/pipeline/leads/{lead.pk}/move/", {
        "to_stage": stage("accepted").pk, "version": lead.version}, follow=True)
    assert "recorded as a fast pass" in response.content.decode()


def test_viewers_see_a_shared_lead_but_cannot_move_it(  # type: ignore[no-untyped-def]
        rep, make_user, make_team, client_for) -> None:
    team = make_team()
    rep.teams.add(team)
    account = create_account(actor=rep, name="共有商事", team=team)
    lead = make_lead(rep, "共有", account=account)
    viewer = make_user(Role.VIEWER, teams=[team], language="en")
    client = client_for(viewer)
    page = client.get(f"/pipeline/leads/{lead.pk}/").content.decode()
    assert "共有" in page and 'data-testid="move-form"' not in page
    denied = client.post(f"/pipeline/leads/{lead.pk}/move/", {
        "to_stage": stage("nurturing").pk, "version": lead.version})
    assert denied.status_code == 403


def test_administrators_see_the_audit_trail_in_japanese(admin_user, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(admin_user, "伊藤", [("nurturing", "2025-01-07", "")])
    html = client_for(admin_user).get(f"/pipeline/leads/{lead.pk}/").content.decode()
    assert 'data-testid="lead-stage">育成<' in html
    assert f"/audit/pipeline.lead/{lead.pk}/" in html
