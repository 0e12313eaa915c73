"""The application shell in a real browser: sign-in, language, API tokens, audit trail, IME guard
and record-level access.

Assertions use the ``lang`` attribute, data-testid hooks and data the test itself created, not
translated text, so they hold before and after the Japanese catalogue is compiled.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from kizuna.core.models import ApiToken, Job, JobStatus, LedgerAction, LedgerEntry, Role
from kizuna.core.services import create_team
from kizuna.customers.models import Account
from kizuna.customers.services import create_account

pytestmark = pytest.mark.browser


def ledger_changes(row) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(field label, old, new) for each change shown in one audit-trail row, as text."""
    return [tuple(change) for change in row.locator("dl.changes").evaluate(
        """dl => [...dl.querySelectorAll("dt")].map(dt => [
             dt.textContent,
             dt.nextElementSibling.querySelector("del").textContent,
             dt.nextElementSibling.querySelector("ins").textContent])"""
    )]


def ledger_action(row) -> str:  # type: ignore[no-untyped-def]
    return row.locator("td").nth(3).inner_text()


def shown_in_japanese(name: str, label: object) -> set[str]:
    """How the ledger may show a stored name (an action, a field) on a Japanese page: as it is
    stored, or as its label in the catalogue, compiled or not."""
    with translation.override("ja"):
        return {name, str(label)}


# --- sign-in -------------------------------------------------------------------------------------


def test_login_lands_on_home_in_japanese(page, new_user, log_in, url):  # type: ignore[no-untyped-def]
    new_user(username="tanaka")

    page.goto("/")
    expect(page).to_have_url(url("/login/?next=/"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    log_in("tanaka")

    expect(page).to_have_url(url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_contain_text("tanaka")
    expect(page.get_by_test_id("user-menu")).to_have_text("tanaka")
    expect(page.get_by_test_id("lang-ja")).to_have_attribute("aria-pressed", "true")


def test_wrong_password_shows_the_error_and_stays(page, new_user, url):  # type: ignore[no-untyped-def]
    new_user(username="tanaka")

    page.goto("/login/")
    page.locator("input[name=username]").fill("tanaka")
    page.locator("input[name=password]").fill("not-the-password-at-all")
    page.locator("button.primary[type=submit]").click()

    expect(page.locator("form .error[role=alert]")).to_be_visible()
    expect(page).to_have_url(url("/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("input[name=username]")).to_have_value("tanaka")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    # Not signed in: the home page still sends us to the login form.
    page.goto("/")
    expect(page).to_have_url(url("/login/?next=/"))


# --- language ------------------------------------------------------------------------------------


def test_language_choice_is_remembered_on_the_user(  # type: ignore[no-untyped-def]
    page, new_user, log_in, log_out, url,
):
    user = new_user(username="sato")
    log_in("sato")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ja")

    page.get_by_test_id("lang-en").click()

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(url("/"))  # back where we were
    expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")
    user.refresh_from_db()
    assert user.language == "en"

    page.reload()
    expect(html).to_have_attribute("lang", "en")

    # Sign out, forget this device's cookies (the browser still asks for Japanese), sign in
    # again: the language comes from the user, not from the cookie.
    log_out()
    page.context.clear_cookies()
    page.goto("/login/")
    expect(html).to_have_attribute("lang", "ja")
    log_in("sato")
    expect(html).to_have_attribute("lang", "en")
    # Signing in also remembers it on this device, so the login page matches next time.
    log_out()
    expect(html).to_have_attribute("lang", "en")

    log_in("sato")
    page.get_by_test_id("lang-ja").click()
    expect(html).to_have_attribute("lang", "ja")
    user.refresh_from_db()
    assert user.language == "ja"


# --- API tokens ----------------------------------------------------------------------------------


def test_create_use_and_revoke_an_api_token(  # type: ignore[no-untyped-def]
    page, new_user, log_in, api_get, url,
):
    user = new_user(username="suzuki")
    log_in("suzuki")
    page.goto("/account/tokens/")

    page.locator("input[name=name]").fill("Excel取り込み")
    page.locator("form.inline-form button.primary[type=submit]").click()

    secret = page.get_by_test_id("new-token-value").input_value()
    assert secret.startswith("kzn_")
    token = ApiToken.objects.get(user=user)
    assert token.name == "Excel取り込み"
    assert secret not in token.key_hash  # only a hash is stored

    answer = api_get("/api/v1/me", secret)
    assert answer.status == 200
    assert answer.body["username"] == "suzuki"

    row = page.get_by_test_id("token-row").filter(has_text="Excel取り込み")
    revoke = row.locator("button[data-confirm]")
    confirm_text = revoke.get_attribute("data-confirm")
    assert confirm_text

    # Cancelling the confirmation keeps the token.
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    revoke.click()
    assert dialogs == [confirm_text]
    expect(page).to_have_url(url("/account/tokens/"))
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_get("/api/v1/me", secret).status == 200

    # Accepting it revokes the token: the same call is now refused.
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    revoke.click()
    expect(page.locator(".messages")).to_contain_text("Excel取り込み")
    expect(row.locator("button[data-confirm]")).to_have_count(0)
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # the secret is shown only once
    assert dialogs == [confirm_text, confirm_text]
    token.refresh_from_db()
    assert token.revoked_at is not None

    answer = api_get("/api/v1/me", secret)
    assert answer.status == 401
    assert answer.body["code"] == "unauthenticated"
    assert answer.body["message"]


def test_api_docs_linked_from_the_tokens_page_work_offline(  # type: ignore[no-untyped-def]
    page, new_user, log_in, browser_guard, url,
):
    new_user(username="ito")
    log_in("ito")
    page.goto("/account/tokens/")

    page.locator("main a[href$='/api/v1/docs']").click()

    expect(page).to_have_url(url("/api/v1/docs"))
    rendered = page.locator(".swagger-ui .info")
    for _ in range(100):  # until swagger-ui renders or the browser reports a problem
        if browser_guard.problems() or rendered.count():
            break
        page.wait_for_timeout(50)
    assert browser_guard.take_problems() == []
    expect(rendered).to_contain_text("Kizuna API")


# --- audit trail ---------------------------------------------------------------------------------


def test_account_changes_show_in_the_audit_trail_and_the_chain_verifies(  # type: ignore[no-untyped-def]
    page, new_user, log_in, run_jobs, url,
):
    admin = new_user(Role.ADMINISTRATOR, username="kanri")
    team = create_team(actor=None, name="営業1課")
    log_in("kanri")

    page.goto("/accounts/new/")
    page.locator("input[name=name]").fill("山田製作所")
    page.locator("input[name=name_kana]").fill("ヤマダセイサクショ")
    page.locator("select[name=owner]").select_option(str(admin.pk))
    page.locator("select[name=team]").select_option(str(team.pk))
    page.locator("button.primary[type=submit]").click()

    account = Account.objects.get(name="山田製作所")
    assert (account.owner_id, account.team_id, account.version) == (admin.pk, team.pk, 1)
    expect(page).to_have_url(url(f"/accounts/{account.pk}/"))

    page.locator(f"a[href='/accounts/{account.pk}/edit/']").click()
    expect(page.locator("input[name=name]")).to_have_value("山田製作所")
    page.locator("input[name=name]").fill("山田製作所ホールディングス")
    page.locator("button.primary[type=submit]").click()
    expect(page).to_have_url(url(f"/accounts/{account.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("山田製作所ホールディングス")

    # The record's own audit trail: newest first, the update with old → new name.
    updated = shown_in_japanese(LedgerAction.UPDATE, LedgerAction.UPDATE.label)
    created = shown_in_japanese(LedgerAction.CREATE, LedgerAction.CREATE.label)
    rows = page.get_by_test_id("ledger").get_by_test_id("ledger-row")
    expect(rows).to_have_count(2)
    assert ledger_action(rows.nth(0)) in updated
    assert ledger_action(rows.nth(1)) in created
    update = {(old, new): label for label, old, new in ledger_changes(rows.nth(0))}
    assert update.keys() == {("山田製作所", "山田製作所ホールディングス"), ("1", "2")}
    assert update["山田製作所", "山田製作所ホールディングス"] in shown_in_japanese(
        "name", Account._meta.get_field("name").verbose_name
    )
    create = ledger_changes(rows.nth(1))
    assert {old for _label, old, _new in create} == {"—"}  # nothing before
    assert {"山田製作所", "ヤマダセイサクショ"} <= {new for _label, _old, new in create}
    for row in (rows.nth(0), rows.nth(1)):
        expect(row).to_contain_text("kanri")  # who did it

    # The whole ledger lists both entries of this account.
    page.goto("/audit/")
    ledger_rows = page.get_by_test_id("ledger").get_by_test_id("ledger-row")
    expect(ledger_rows).to_have_count(LedgerEntry.objects.count())
    history_url = reverse("core:record_history", args=["customers.account", account.pk])
    mine = ledger_rows.filter(has=page.locator(f"a[href='{history_url}']"))
    expect(mine).to_have_count(2)
    assert ledger_action(mine.nth(0)) in updated
    assert ledger_action(mine.nth(1)) in created

    # Verifying the chain is a job on the database queue; its page follows it to the end.
    page.locator("form[action$='/audit/verify/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
    status = page.get_by_test_id("job-status")
    expect(status).to_have_attribute("data-status", JobStatus.QUEUED)
    job = Job.objects.get(kind="core.verify_ledger")
    assert job.created_by == admin
    assert page.url == url(f"/jobs/{job.pk}/")

    page.wait_for_load_state("networkidle")  # the page's first requests (nav badge) are done
    run_jobs()

    expect(status).to_have_attribute("data-status", JobStatus.SUCCEEDED)  # htmx polls every 1s
    job.refresh_from_db()
    checked = LedgerEntry.objects.count()
    assert job.result == {"ok": True, "checked": checked}
    expect(status).to_contain_text(f"{{'checked': {checked}, 'ok': True}}")
    expect(status).to_contain_text(f"OK: {checked} entries")  # the job's log
    expect(status).not_to_have_attribute("hx-get", re.compile(".*"))  # polling stopped


# --- Japanese input ------------------------------------------------------------------------------


def dispatch_enter(field, *, composing: bool = False, key_code: int | None = None) -> bool:  # type: ignore[no-untyped-def]
    """Dispatch a keydown Enter on ``field``; True if a listener prevented its default."""
    return field.evaluate(
        """(el, [composing, keyCode]) => {
             const event = new KeyboardEvent("keydown", {
               key: "Enter", code: "Enter", isComposing: composing,
               bubbles: true, cancelable: true});
             if (keyCode !== null) Object.defineProperty(event, "keyCode", {value: keyCode});
             el.dispatchEvent(event);
             return event.defaultPrevented;
           }""",
        [composing, key_code],
    )


def test_ime_enter_does_not_submit_but_a_plain_enter_does(  # type: ignore[no-untyped-def]
    page, new_user, log_in, url,
):
    member = new_user(username="yamamoto")
    log_in("yamamoto")
    page.goto("/accounts/new/")
    name = page.locator("input[name=name]")
    name.fill("テスト株式会社")

    # The Enter that confirms an IME conversion is swallowed, and the one right after it that
    # Chrome and Safari report with keyCode 229.
    assert dispatch_enter(name, composing=True) is True
    assert dispatch_enter(name, key_code=229) is True
    # A plain Enter is left alone (the guard is not simply eating every Enter).
    assert dispatch_enter(name) is False
    expect(page).to_have_url(url("/accounts/new/"))
    expect(name).to_have_value("テスト株式会社")

    # A real composition, as an IME drives it through the browser: chromium would submit the
    # form on this Enter (isComposing is true) if the guard did not stop it.
    name.evaluate(
        "el => el.form.addEventListener('submit', () => { window.kizunaSubmitted = true; })"
    )
    name.fill("")
    name.focus()
    ime = page.context.new_cdp_session(page)
    ime.send("Input.imeSetComposition", {"text": "やまだ", "selectionStart": 3, "selectionEnd": 3})
    page.keyboard.press("Enter")
    assert page.evaluate("() => window.kizunaSubmitted === undefined")
    expect(page).to_have_url(url("/accounts/new/"))
    ime.send("Input.insertText", {"text": "山田商店"})  # the conversion is committed
    expect(name).to_have_value("山田商店")
    assert not Account.objects.exists()

    # Once the text is committed, Enter submits the form as usual.
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/accounts/\d+/$"))
    account = Account.objects.get()
    assert (account.name, account.owner_id) == ("山田商店", member.pk)
    expect(page).to_have_url(url(f"/accounts/{account.pk}/"))


# --- record-level access -------------------------------------------------------------------------


def test_member_does_not_see_another_members_private_account(  # type: ignore[no-untyped-def]
    page, new_user, log_in, browser_guard, url,
):
    alice = new_user(Role.MEMBER, username="alice")
    bob = new_user(Role.MEMBER, username="bob")
    mine = create_account(actor=alice, name="アリス商事", name_kana="アリスショウジ")
    theirs = create_account(actor=bob, name="ボブ工業", name_kana="ボブコウギョウ")
    log_in("alice")

    page.goto("/accounts/")
    table = page.get_by_test_id("account-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("アリス商事")
    expect(table).not_to_contain_text("ボブ工業")

    # Searching for it finds nothing either (the htmx search swaps the table in place).
    page.locator("#account-q").fill("ボブ")
    expect(page).to_have_url(url("/accounts/?q=%E3%83%9C%E3%83%96"))
    expect(table.locator("tbody tr td.muted")).to_have_count(1)
    expect(table).not_to_contain_text("ボブ工業")

    # The export holds only her rows.
    export = page.request.get("/accounts/export/")
    assert export.ok
    assert "アリス商事" in export.text()
    assert "ボブ工業" not in export.text()

    # Bob's record answers "not found", exactly like a record that does not exist.
    browser_guard.allow_console_error(r"status of 404")
    for path in (f"/accounts/{theirs.pk}/", f"/accounts/{theirs.pk}/edit/",
                 f"/accounts/{theirs.pk}/delete/"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        expect(page.locator("body")).not_to_contain_text("ボブ工業")

    response = page.goto(f"/accounts/{mine.pk}/")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("アリス商事")
    # Members do not get the audit trail.
    expect(page.get_by_test_id("ledger")).to_have_count(0)
