"""Hand-off feedback between divisions: the rules (a reason for a poor lead, another division,
who may give it), the form on the lead page, and the counts per lead source and campaign (good,
poor, share poor, poor by reason) checked exactly, with the access rules and the filters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kizuna.commerce.models import Campaign
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import LeadFeedback
from kizuna.pipeline.queries import feedback_counts
from kizuna.pipeline.services import create_lead, give_lead_feedback

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=TOKYO)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rep(make_user, make_team):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER, teams=[make_team("東京営業")], language="en")


@pytest.fixture
def account(rep):  # type: ignore[no-untyped-def]
    return create_account(actor=rep, name="株式会社緑茶商事", team=rep.teams.get())


_names = iter(range(1000))


def lead_for(actor, account, source: str, campaign=None):  # type: ignore[no-untyped-def]
    contact = create_contact(actor=actor, account=account, family_name=f"担当{next(_names)}")
    return create_lead(actor=actor, contact=contact, lead_source=source, campaign=campaign,
                       acquired_at=at("2026-01-05"))


def judge(actor, lead, quality: str, reason: str = "", *, day: str = "2026-02-10",  # type: ignore[no-untyped-def]
          frm: str = "field_sales", to: str = "inside_sales"):
    return give_lead_feedback(actor=actor, lead=lead, from_division=frm, to_division=to,
                              quality=quality, reason=reason, at=at(day))


@pytest.fixture
def judged(rep, account, make_user):  # type: ignore[no-untyped-def]
    """9 visible feedbacks on 8 leads, and 1 on a lead the rep may not see."""
    expo = Campaign.objects.create(code="EXPO26", name="お茶の展示会2026")
    judge(rep, lead_for(rep, account, "seminar"), "good")
    judge(rep, lead_for(rep, account, "seminar"), "poor", "no_budget", day="2026-01-20")
    judge(rep, lead_for(rep, account, "seminar"), "poor", "no_budget")
    judge(rep, lead_for(rep, account, "exhibition", expo), "poor", "bad_contact_data")
    judge(rep, lead_for(rep, account, "exhibition", expo), "poor", "student_or_competitor")
    judge(rep, lead_for(rep, account, "exhibition", expo), "good")
    judge(rep, lead_for(rep, account, "exhibition"), "good")
    twice = lead_for(rep, account, "web_form")
    judge(rep, twice, "poor", "wrong_timing")
    judge(rep, twice, "good", frm="inside_sales", to="marketing")
    stranger = make_user(Role.MEMBER)
    other = create_account(actor=stranger, name="他社株式会社")
    judge(stranger, lead_for(stranger, other, "seminar"), "poor", "other")
    return expo


def table(rows) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(r.source, r.campaign, r.good, r.poor, r.reasons) for r in rows]


def test_counts_per_source_and_campaign_exactly(rep, judged) -> None:  # type: ignore[no-untyped-def]
    rows, total = feedback_counts(rep)
    assert table(rows) == [
        ("web_form", "", 1, 1, {"wrong_timing": 1}),
        ("seminar", "", 1, 2, {"no_budget": 2}),
        ("exhibition", "", 1, 0, {}),
        ("exhibition", "お茶の展示会2026", 1, 2, {"bad_contact_data": 1,
                                            "student_or_competitor": 1}),
    ]
    assert [r.share_poor for r in rows] == [0.5, 2 / 3, 0.0, 2 / 3]
    assert (total.good, total.poor, total.share_poor) == (4, 5, 5 / 9)
    assert total.reason_counts() == [2, 0, 0, 1, 1, 1, 0]  # in FeedbackReason order

    rows, total = feedback_counts(rep, to_division="marketing")
    assert table(rows) == [("web_form", "", 1, 0, {})]
    rows, total = feedback_counts(rep, start=at("2026-02-01"))
    assert (rows[1].source, rows[1].poor, total.good, total.poor) == ("seminar", 1, 4, 4)


def test_feedback_page_linked_from_the_pipeline_page(rep, judged) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    assert 'href="/pipeline/feedback/"' in client.get("/pipeline/").content.decode()
    page = client.get("/pipeline/feedback/").content.decode()
    assert page.count('data-testid="feedback-count-row"') == 4
    assert "お茶の展示会2026" in page and "Share poor" in page
    assert '<td class="num" data-testid="share-poor">56%</td>' in page  # 5 of 9, total
    only = client.get("/pipeline/feedback/?to_division=marketing").content.decode()
    assert only.count('data-testid="feedback-count-row"') == 1
    empty = client.get("/pipeline/feedback/?date_to=2025-12-31").content.decode()
    assert 'data-testid="no-feedback"' in empty


def test_rules(rep, account, make_user) -> None:  # type: ignore[no-untyped-def]
    lead = lead_for(rep, account, "seminar")
    with pytest.raises(ValidationError) as poor:
        judge(rep, lead, "poor")
    assert "reason" in poor.value.message_dict
    with pytest.raises(ValidationError) as same:
        judge(rep, lead, "good", frm="marketing", to="marketing")
    assert "to_division" in same.value.message_dict
    with pytest.raises(ValidationError):
        judge(rep, lead, "good", day="2099-01-01")
    good = judge(rep, lead, "good", "no_need")
    assert good.reason == "" and good.by == rep  # a good lead keeps no reason
    with pytest.raises(PermissionDenied):
        judge(make_user(Role.VIEWER, teams=[rep.teams.get()]), lead, "good")
    with pytest.raises(PermissionDenied):
        judge(make_user(Role.MEMBER), lead, "good")
    assert LeadFeedback.objects.count() == 1


def test_form_on_the_lead_page(rep, account, make_user) -> None:  # type: ignore[no-untyped-def]
    lead = lead_for(rep, account, "seminar")
    client = client_for(rep)
    page = client.get(f"/pipeline/leads/{lead.pk}/").content.decode()
    assert 'data-testid="feedback-form"' in page
    url = f"/pipeline/leads/{lead.pk}/feedback/"
    missing = client.post(url, {"from_division": "field_sales", "to_division": "marketing",
                                "quality": "poor", "reason": ""})
    assert missing.status_code == 200 and "Say why the lead was poor." in missing.content.decode()
    rep.language = "ja"
    rep.save()
    client = client_for(rep)
    ok = client.post(url, {"from_division": "field_sales", "to_division": "marketing",
                           "quality": "poor", "reason": "no_authority",
                           "note": "担当者に決裁権なし"})
    assert ok.status_code == 302 and ok["Location"] == f"/pipeline/leads/{lead.pk}/#feedback"
    saved = LeadFeedback.objects.get()
    assert (saved.lead, saved.quality, saved.reason, saved.note, saved.by) == (
        lead, "poor", "no_authority", "担当者に決裁権なし", rep)
    assert client.get(f"/pipeline/leads/{lead.pk}/").content.decode().count(
        'data-testid="feedback-row"') == 1
    stranger = client_for(make_user(Role.MEMBER))
    assert stranger.post(url, {"from_division": "field_sales", "to_division": "marketing",
                               "quality": "good"}).status_code == 404
    assert LeadFeedback.objects.count() == 1
