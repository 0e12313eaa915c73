"""The action loop in a real browser: a manager writes a rule in the criterion form, previews
its hits, saves, enables and runs it; the rep sees the task in the inbox and the nav badge and
closes it with an outcome; the effectiveness page then shows it as acted on.

Assertions use data-testid hooks and the data the test created, not translated text.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from kizuna.actions.models import Alert, Criterion
from kizuna.core.models import Role, Team
from kizuna.customers.services import create_customer

pytestmark = pytest.mark.browser


def test_rule_to_task_to_outcome_to_effectiveness(page, new_user, log_in, log_out,
                                                  run_jobs) -> None:  # type: ignore[no-untyped-def]
    team = Team.objects.create(name="営業1課")
    new_user(Role.MANAGER, username="tanaka", teams=[team], last_name="田中")
    rep = new_user(Role.MEMBER, username="sasaki", teams=[team], last_name="佐々木")
    for name, prefecture in (("山田", "静岡県"), ("佐藤", "大阪府")):
        create_customer(actor=rep, family_name=name, prefecture=prefecture, team=team)

    # The manager writes the rule and previews it before saving.
    log_in("tanaka")
    page.goto("/criteria/new/")
    form = page.locator("form:has([name=condition])")
    form.locator("[name=name]").fill("静岡の顧客に新茶の案内")
    form.locator("[name=purpose]").fill("新茶の季節に静岡のお客様へ案内するため")
    form.locator("[name=entity]").select_option("customer")
    form.locator("[name=condition]").fill(json.dumps(
        {"field": "prefecture", "op": "eq", "value": "静岡県"}, ensure_ascii=False))
    form.locator("[name=title_template]").fill("{name}様に新茶のご案内")
    form.locator("[name=due_in_days]").fill("0")
    form.locator("[name=next_step]").fill("電話で案内する")
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("preview-count")).to_contain_text("1")
    expect(page.get_by_test_id("preview-records")).to_contain_text("山田")
    expect(page.get_by_test_id("preview-records")).not_to_contain_text("佐藤")
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r"/criteria/\d+/$"))
    criterion = Criterion.objects.get(name="静岡の顧客に新茶の案内")
    assert not criterion.enabled  # new criteria start disabled

    page.get_by_test_id("enable").click()
    expect(page.get_by_test_id("criterion-status")).to_have_text(re.compile(r"\S"))
    expect(page.get_by_test_id("disable")).to_be_visible()
    page.get_by_test_id("run").click()
    page.wait_for_url(re.compile(r"/jobs/"))
    # The job page's own requests (the nav badge, status polling) must not meet the worker's
    # writes in this thread: the in-memory SQLite of the live server refuses such overlaps
    # ("database schema is locked") instead of waiting.
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")
    run_jobs()
    alert = Alert.objects.get(criterion=criterion)
    assert alert.assignee == rep and alert.status == "open"
    page.goto("/criteria/")
    log_out()

    # The rep sees it: the badge in the navigation, the task marked as new in the inbox.
    log_in("sasaki")
    page.goto("/inbox/")
    expect(page.get_by_test_id("nav-badge-inbox")).to_have_text("1")
    row = page.get_by_test_id("inbox-today").get_by_test_id("inbox-alert")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("山田様に新茶のご案内")
    expect(row).to_contain_text("新茶の季節に静岡のお客様へ案内するため")
    expect(row).to_have_attribute("data-new", "true")
    row.get_by_test_id("alert-link").click()
    page.wait_for_url(re.compile(rf"/alerts/{alert.pk}/$"))
    done = page.get_by_test_id("done-form")
    done.locator("[name=outcome_code]").select_option("order")
    done.locator("[name=outcome_note]").fill("5kg のご注文をいただいた")
    done.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/inbox/$"))
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    expect(page.get_by_test_id("nav-badge-inbox")).to_have_count(0)
    alert.refresh_from_db()
    assert (alert.status, alert.outcome_code) == ("done", "order")
    log_out()

    # The manager sees it acted on, with its outcome, on the effectiveness page.
    log_in("tanaka")
    page.goto("/criteria/")
    page.get_by_test_id("effectiveness-link").click()
    page.wait_for_url(re.compile(r"/criteria/effectiveness/$"))
    effect = page.locator(f"[data-testid=effect-row][data-criterion='{criterion.pk}']")
    expect(effect.get_by_test_id("fired")).to_have_text("1")
    expect(effect.get_by_test_id("acted")).to_contain_text("1 (100%)")
    expect(effect.get_by_test_id("median-days")).to_have_text("0")
    expect(effect.locator("[data-outcome=order]")).to_contain_text("1")
    page.locator("#effect-window").select_option("90")
    page.get_by_test_id("window-form").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"window=90"))
    effect.get_by_test_id("retire").click()
    page.wait_for_url(re.compile(r"/criteria/effectiveness/$"))
    expect(effect.get_by_test_id("retire")).to_have_count(0)
    criterion.refresh_from_db()
    assert not criterion.enabled
