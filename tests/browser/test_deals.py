"""Deals in a real browser: create a deal with the form, drag its card to the next stage on
the kanban board (HTML5 drag and drop from pipeline/board.js, under our CSP), and see the
weighted forecast change; a drop on 失注 asks for the lost reason first.

Assertions use data-testid hooks and the data the test created, not translated text.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kizuna.core.models import Role
from kizuna.customers.services import create_account
from kizuna.pipeline.models import Deal, LostReason
from kizuna.pipeline.services import create_default_pipeline

pytestmark = pytest.mark.browser


def column(page, code: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid=board-column][data-stage-code={code}]")


def test_create_a_deal_drag_it_on_the_board_and_see_the_forecast_change(  # type: ignore[no-untyped-def]
        page, new_user, log_in) -> None:
    create_default_pipeline(actor=None)  # transactional tests start from an emptied database
    rep = new_user(Role.MEMBER, username="aoki", last_name="青木")
    account = create_account(actor=rep, name="株式会社緑茶商事")
    close = timezone.localdate() + dt.timedelta(days=20)
    log_in("aoki")

    page.goto("/deals/new/")
    form = page.get_by_test_id("deal-form")
    form.locator("[name=name]").fill("本社 給茶機入替")
    form.locator("[name=account]").select_option(str(account.pk))
    form.locator("[name=expected_close_date]").fill(close.isoformat())
    form.locator("[name=amount]").fill("1000000")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/deals/\d+/$"))
    expect(page.get_by_test_id("deal-amount")).to_have_text("¥1,000,000")
    deal = Deal.objects.get()
    assert deal.stage.code == "first_visit"

    forecast_url = f"/deals/forecast/?start={close:%Y-%m}&months=1"
    page.goto(forecast_url)
    total = page.get_by_test_id("forecast-total")
    expect(total.get_by_test_id("weighted")).to_have_text("¥100,000")  # 10% of ¥1,000,000
    expect(total.get_by_test_id("pipeline")).to_have_text("¥1,000,000")

    page.goto("/deals/board/")
    card = column(page, "first_visit").get_by_test_id("deal-card")
    expect(card).to_have_count(1)
    card.drag_to(column(page, "hearing"))
    expect(column(page, "hearing").get_by_test_id("deal-card")).to_have_count(1)
    expect(column(page, "hearing").get_by_test_id("column-count")).to_have_text("1")
    expect(column(page, "first_visit").get_by_test_id("column-count")).to_have_text("0")
    deal.refresh_from_db()
    assert deal.stage.code == "hearing" and deal.stage_changes.count() == 2

    page.goto(forecast_url)
    total = page.get_by_test_id("forecast-total")
    expect(total.get_by_test_id("weighted")).to_have_text("¥200,000")  # now 20%

    # Dropped on 失注, the card asks why before it moves.
    page.goto("/deals/board/")
    column(page, "hearing").get_by_test_id("deal-card").drag_to(column(page, "lost"))
    dialog = page.get_by_test_id("lost-dialog")
    expect(dialog).to_be_visible()
    reason = LostReason.objects.get(code="competitor")
    dialog.locator("select").select_option(str(reason.pk))
    dialog.locator("textarea").fill("A社に決定")
    dialog.get_by_test_id("lost-dialog-move").click()
    expect(column(page, "lost").get_by_test_id("column-count")).to_have_text("1")
    deal.refresh_from_db()
    assert (deal.stage.code, deal.lost_reason, deal.lost_note) == ("lost", reason, "A社に決定")
    page.goto(forecast_url)
    expect(page.get_by_test_id("forecast-total").get_by_test_id("weighted")).to_have_text("¥0")
