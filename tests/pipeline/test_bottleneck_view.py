"""The bottleneck page: the flagged stage and its explanation from the visible leads, the
trend data for the charts, access rules and both languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import LeadStage
from kizuna.pipeline.services import create_lead, move_lead

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
QUERY = "?period=month&until=2025-04-15&periods=4&window=3"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=TOKYO)


def lead_with(actor, name: str, moves: list[tuple[str, str]], acquired: str):  # type: ignore[no-untyped-def]
    account = create_account(actor=actor, name=f"{name}株式会社")
    contact = create_contact(actor=actor, account=account, family_name=name)
    lead = create_lead(actor=actor, contact=contact, lead_source="seminar",
                       acquired_at=at(acquired))
    for code, day in moves:
        lead.refresh_from_db()
        move_lead(actor=actor, lead=lead, to_stage=LeadStage.objects.get(code=code),
                  expected_version=lead.version, at=at(day))
    return lead


@pytest.fixture
def pipeline(make_user):  # type: ignore[no-untyped-def]
    """January to April 2025: each month 3 leads of the rep are acquired and move to nurturing;
    only one a month moves on to promising and then straight to sales-accepted and won.
    Another member's leads (two a month) all pass on to promising at once and stay there."""
    rep = make_user(Role.MEMBER, language="en")
    other = make_user(Role.MEMBER, language="en")
    for month in range(1, 5):
        for i in range(3):
            moves = [("nurturing", f"2025-{month:02d}-{10 + i}")]
            if i == 0:
                moves += [("promising", f"2025-{month:02d}-20"),
                          ("accepted", f"2025-{month:02d}-21"), ("won", f"2025-{month:02d}-22")]
            lead_with(rep, f"山田{month}{i}", moves, f"2025-{month:02d}-0{i + 1}")
        for i in range(2):
            lead_with(other, f"佐藤{month}{i}", [("nurturing", f"2025-{month:02d}-05"),
                                                ("promising", f"2025-{month:02d}-06")],
                      f"2025-{month:02d}-04")
    return {"rep": rep, "other": other}


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_nurturing_is_the_bottleneck_of_the_reps_leads(pipeline) -> None:  # type: ignore[no-untyped-def]
    response = client_for(pipeline["rep"]).get(f"/pipeline/bottleneck/{QUERY}")
    assert response.status_code == 200
    page = response.content.decode()
    verdict = re.search(r'data-testid="bottleneck-verdict">(.*?)</section>', page, re.S)[1]
    assert "The bottleneck is Nurturing" in verdict
    # February to April: 9 came in, 3 went out, so the balance went from 2 to 8.
    assert "9 leads came in and 3 went out" in verdict
    assert "grew from 2 to 8 (67% of the inflow stuck)" in verdict
    assert "in 3 of those 3 periods" in verdict
    rows = re.findall(r'<tr data-testid="bottleneck-row" data-stage="(\w+)"([^>]*)>', page)
    assert [code for code, _ in rows] == ["acquired", "nurturing", "promising", "accepted"]
    assert [("data-bottleneck" in attrs) for _, attrs in rows] == [False, True, False, False]
    data = json.loads(re.search(r'id="bottleneck-data" type="application/json">(.*?)</script>',
                                page, re.S)[1])
    assert data["periods"] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert data["bottleneck"] == 1 and data["window"] == 3
    assert data["series"]["balance"][1] == [2, 4, 6, 8]
    assert data["series"]["inflow"][1] == [3, 3, 3, 3]
    assert data["series"]["outflow"][1] == [1, 1, 1, 1]


def test_another_members_leads_are_not_counted(pipeline) -> None:  # type: ignore[no-untyped-def]
    # The other member's leads pile up in promising; the rep does not see them, they do.
    page = client_for(pipeline["other"]).get(f"/pipeline/bottleneck/{QUERY}").content.decode()
    assert "The bottleneck is Promising" in page
    rep_page = client_for(pipeline["rep"]).get(f"/pipeline/bottleneck/{QUERY}").content.decode()
    assert "Promising" in rep_page and "The bottleneck is Promising" not in rep_page


def test_no_leads_no_bottleneck_in_japanese(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.MEMBER)
    client = client_for(user)
    page = client.get("/pipeline/bottleneck/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "ボトルネックはありません" in page
    assert client.get("/pipeline/").content.decode().count("/pipeline/bottleneck/") == 1


def test_login_required(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/pipeline/bottleneck/")
    assert response.status_code == 302 and "/login" in response["Location"]
