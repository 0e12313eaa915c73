"""Whitespace in a real browser: from the account page to its matrix, set a cell (htmx swaps
only the cell, no inline script), see "won" from an order, and rate the account on a scorecard.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kizuna.actions import scorecards as sc
from kizuna.actions.models import Score, WhitespaceCell
from kizuna.commerce.models import Order, OrderLine, Product
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_department

pytestmark = pytest.mark.browser


def test_matrix_cell_update_and_rating(page, new_user, log_in) -> None:  # type: ignore[no-untyped-def]
    rep = new_user(Role.MEMBER, username="sasaki")
    manager = new_user(Role.MANAGER, username="tanaka")
    tea = Product.objects.create(code="P1", name="緑茶", category="緑茶")
    Product.objects.create(code="P2", name="茶器", category="茶器")
    account = create_account(actor=rep, name="山田製作所")
    general = create_department(actor=rep, account=account, name="総務部")
    order = Order.objects.create(account=account, department=general,
                                 ordered_at="2026-01-05T10:00+09:00")
    OrderLine.objects.create(order=order, product=tea, unit_price=1000)
    sc.create_scorecard(actor=manager, key="fit", name="有望度", items=[
        {"key": "budget", "label": "予算", "weight": 1, "levels": {"5": "確保済み"}}])
    log_in("sasaki")

    page.goto(f"/accounts/{account.pk}/")
    page.get_by_test_id("whitespace").click()
    cells = page.get_by_test_id("cell")
    expect(cells).to_have_count(2)
    expect(page.locator('[data-category="緑茶"]')).to_have_attribute("data-status", "won")
    teaware = page.locator('[data-category="茶器"]')
    page.evaluate("window.kizunaSamePage = true")  # gone if the form reloaded the page
    teaware.locator("select[name=status]").select_option("need")
    teaware.locator("input[name=note]").fill("来期に更新")
    teaware.get_by_test_id("set-cell").click()
    expect(page.locator('[data-category="茶器"]')).to_have_attribute("data-status", "need")
    assert WhitespaceCell.objects.get().status == "need"
    assert page.evaluate("window.kizunaSamePage === true")  # htmx swapped the cell only

    page.goto(f"/scorecards/accounts/{account.pk}/")
    page.get_by_test_id("account-score-row").get_by_role("link").click()
    page.locator("input[name=item-budget][value='5']").check()
    page.get_by_test_id("rate").click()
    expect(page.get_by_test_id("total")).to_contain_text("100")
    assert Score.objects.get().total == 100
