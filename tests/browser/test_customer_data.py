"""Customer data in a real browser: the everyday flow of a B2B rep.

Create an account with postal-code autofill, add a contact with a buying role, log a visit with
its outcome, and find the contact again by a kana search typed in another script and width.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kizuna.core.models import Role
from kizuna.customers.models import Account, BuyingRole, Contact
from kizuna.pipeline.models import Activity, OutcomeCode

pytestmark = pytest.mark.browser


def test_account_contact_visit_and_kana_search(page, new_user, log_in) -> None:  # type: ignore[no-untyped-def]
    new_user(Role.MEMBER, username="tanaka")
    log_in("tanaka")

    # 1. An account: typing the postal code fills the prefecture and city.
    page.goto("/accounts/new/")
    page.locator("[name=name]").fill("株式会社東邦精機")
    page.locator("[name=name_kana]").fill("ﾄｳﾎｳｾｲｷ")  # half-width, as business-card apps export
    page.locator("[name=postal_code]").fill("〒１００－０００１")
    expect(page.locator("[name=prefecture]")).to_have_value("東京都")
    expect(page.locator("[name=city]")).to_have_value("千代田区")
    page.locator("[name=address_line2]").fill("丸の内ビル 5F")
    page.locator("[name=phone]").fill("03-1234-5678")
    page.locator("main form button.primary[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/\d+/$"))
    account = Account.objects.get()
    assert (account.postal_code, account.prefecture, account.city) == ("1000001", "東京都",
                                                                        "千代田区")
    assert account.name_kana == "トウホウセイキ" and account.legal_form == "株式会社"
    assert account.phone == "+81312345678"

    # 2. A contact with a buying role, from the account page.
    page.locator("main a[href*='/contacts/new/']").first.click()
    page.locator("[name=family_name]").fill("佐藤")
    page.locator("[name=given_name]").fill("一郎")
    page.locator("[name=family_name_kana]").fill("さとう")
    page.locator("[name=given_name_kana]").fill("いちろう")
    page.locator("[name=title]").fill("部長")
    page.locator("[name=buying_role]").select_option(BuyingRole.DECISION_MAKER)
    page.locator("main form button.primary[type=submit]").click()
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    contact = Contact.objects.get()
    assert (contact.account, contact.buying_role) == (account, BuyingRole.DECISION_MAKER)
    assert contact.full_name_kana == "サトウ イチロウ"

    # The account's buying centre shows him as the decision maker.
    page.goto(f"/accounts/{account.pk}/")
    expect(page.locator("main")).to_contain_text("佐藤")

    # 3. A visit with its outcome.
    page.get_by_test_id("log-activity").click()
    page.locator("[name=kind]").select_option("visit")
    page.locator("[name=subject]").fill("保守契約の提案")
    if page.locator("[name=contact]").count():
        page.locator("[name=contact]").select_option(str(contact.pk))
    page.locator("[name=outcome_code]").select_option(OutcomeCode.PROPOSAL_MADE)
    page.locator("[name=outcome]").fill("見積依頼あり。来週提出。")
    page.locator("[name=next_step]").fill("見積書を提出")
    page.locator("main form button.primary[type=submit]").click()
    page.wait_for_load_state()
    visit = Activity.objects.get()
    assert (visit.kind, visit.outcome_code, visit.account) == ("visit", "proposal_made", account)
    page.goto(f"/accounts/{account.pk}/")
    expect(page.locator("main")).to_contain_text("保守契約の提案")

    # 4. Find the contact by kana typed in half-width katakana.
    page.goto("/contacts/")
    search = page.locator("main input[type=search]").first
    search.fill("ｻﾄｳ ｲﾁ")
    search.press("Enter")
    expect(page.locator("main table")).to_contain_text("佐藤")
    expect(page.locator(f"main table a[href$='/contacts/{contact.pk}/']")).to_have_count(1)
