"""The pipeline page in a real browser: Plotly draws the Sankey under our CSP (no inline
script), the stage table drills down to the leads, and a lead moves to recycle with its reason.

Assertions use data-testid hooks and the data the test created, not translated text.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import Lead, LeadStage
from kizuna.pipeline.services import create_default_stages, create_lead, move_lead

pytestmark = pytest.mark.browser


def test_sankey_drill_down_and_move_to_recycle(page, new_user, log_in) -> None:  # type: ignore[no-untyped-def]
    create_default_stages(actor=None)  # transactional tests start from an emptied database
    rep = new_user(Role.MEMBER, username="suzuki")
    now = timezone.now()
    account = create_account(actor=rep, name="株式会社緑茶商事")
    for i, (name, codes) in enumerate((("山田", ["promising", "accepted"]),
                                       ("佐藤", ["nurturing"]), ("高橋", []))):
        contact = create_contact(actor=rep, account=account, family_name=name)
        lead = create_lead(actor=rep, contact=contact, lead_source="exhibition",
                           acquired_at=now - dt.timedelta(days=20 - i))
        for day, code in enumerate(codes, start=1):
            lead.refresh_from_db()
            move_lead(actor=rep, lead=lead, to_stage=LeadStage.objects.get(code=code),
                      expected_version=lead.version,
                      at=now - dt.timedelta(days=20 - i - day))
    log_in("suzuki")

    page.goto("/pipeline/")
    chart = page.get_by_test_id("sankey")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator("g.sankey-node").first).to_be_visible()
    assert chart.locator("g.sankey-node").count() >= 5  # new leads + the 4 stages used
    assert chart.locator("g.sankey-link, path.sankey-link").count() == 4
    nurturing = page.locator("[data-testid=stage-row][data-stage=nurturing]")
    expect(nurturing.get_by_test_id("balance")).to_have_text("1")

    nurturing.get_by_test_id("balance").click()
    page.wait_for_url(re.compile(r"/pipeline/leads/\?stage=nurturing$"))
    rows = page.get_by_test_id("lead-row")
    expect(rows).to_have_count(1)
    rows.locator("a").first.click()
    page.wait_for_url(re.compile(r"/pipeline/leads/\d+/$"))

    recycle = LeadStage.objects.get(code="recycle")
    form = page.get_by_test_id("move-form")
    form.locator("[name=to_stage]").select_option(str(recycle.pk))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("move-form").locator(".has-error .error")).to_be_visible()
    form = page.get_by_test_id("move-form")
    form.locator("[name=reason]").fill("今期は予算なし")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/pipeline/leads/\d+/$"))
    expect(page.get_by_test_id("transition-row")).to_have_count(3)
    lead = Lead.objects.get(contact__family_name="佐藤")
    assert lead.stage.code == "recycle"
    assert lead.transitions.get(to_stage=recycle).reason == "今期は予算なし"
