"""The bottleneck page in a real browser: its four trend charts are drawn (Plotly from our own
static files, under our CSP). A script error in the page's JavaScript leaves them empty, which
no server-side test can see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import LeadStage
from kizuna.pipeline.services import create_default_stages, create_lead, move_lead

pytestmark = pytest.mark.browser


def test_trend_charts_are_drawn(page, new_user, log_in) -> None:  # type: ignore[no-untyped-def]
    create_default_stages(actor=None)  # transactional tests start from an emptied database
    manager = new_user(Role.MANAGER, username="kato")
    now = timezone.now()
    account = create_account(actor=manager, name="株式会社朝日精機")
    for i in range(4):
        contact = create_contact(actor=manager, account=account, family_name=f"田中{i}")
        lead = create_lead(actor=manager, contact=contact, lead_source="seminar",
                           acquired_at=now - dt.timedelta(days=80 - 15 * i))
        if i % 2:
            move_lead(actor=manager, lead=lead, to_stage=LeadStage.objects.get(code="nurturing"),
                      expected_version=lead.version, at=now - dt.timedelta(days=70 - 15 * i))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in("kato")

    page.goto("/pipeline/bottleneck/")
    for chart in ("chart-balance", "chart-flow", "chart-conversion", "chart-days"):
        expect(page.get_by_test_id(chart)).to_have_attribute("data-drawn", "true")
        expect(page.get_by_test_id(chart).locator(".main-svg").first).to_be_visible()
    assert errors == []
