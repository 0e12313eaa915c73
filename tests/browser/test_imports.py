"""Importing a CP932 customer list in the browser: upload, check the columns, check the file,
see every problem by line, import the valid rows, download the report; then export."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kizuna.core.models import Role
from kizuna.customers.models import Customer

pytestmark = pytest.mark.browser

FILE = ("会員番号,お名前,ﾌﾘｶﾞﾅ,電話番号,郵便番号,生年月日\r\n"
        "M1,髙橋 一郎,ﾀｶﾊｼ ｲﾁﾛｳ,03-1234-5678,〒100-0001,S60.4.1\r\n"
        "M2,山﨑花子,ヤマザキ ハナコ,090-1234-5678,530-0001,2023/02/30\r\n"
        "M3,佐藤 健,さとう けん,06-1234-5678,,令和元年5月1日\r\n").encode("cp932")


def test_import_a_cp932_list_with_a_bad_row(page, new_user, log_in, run_jobs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    new_user(Role.MEMBER, username="eigyo")
    log_in("eigyo")
    page.goto("/customers/")
    page.get_by_role("link", name="取り込み").click()
    path = tmp_path / "会員一覧.csv"
    path.write_bytes(FILE)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="次へ: 列を確認").click()

    # The columns were recognised from their Japanese names (half-width ﾌﾘｶﾞﾅ included).
    mapping = page.get_by_test_id("import-mapping")
    expect(mapping).to_contain_text("髙橋 一郎")
    expect(page.locator("#map-1")).to_have_value("full_name")
    expect(page.locator("#map-2")).to_have_value("full_name_kana")
    page.get_by_role("button", name="ファイルをチェック").click()

    page.wait_for_load_state("networkidle")  # the page's first requests (nav badge) are done
    run_jobs()
    result = page.get_by_test_id("import-result")
    expect(result).to_be_visible()
    expect(page.get_by_test_id("import-new")).to_have_text("2")
    expect(page.get_by_test_id("import-rejected")).to_have_text("1")
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("2023/02/30")
    expect(errors).to_contain_text("生年月日")
    assert Customer.objects.count() == 0  # a check writes nothing

    with page.expect_download() as download:
        page.get_by_role("link", name="エラーの行をダウンロード（CSV）").click()
    report = download.value.path().read_bytes().decode("utf-8-sig")
    assert "M2" in report and "M1" not in report

    page.get_by_role("button", name="正しい2行を取り込む").click()
    page.wait_for_load_state("networkidle")  # the page's first requests (nav badge) are done
    run_jobs()
    expect(page.get_by_test_id("import-result")).to_contain_text("取り込みました。")
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["M1", "M3"]
    assert Customer.objects.get(external_id="M3").family_name_kana == "サトウ"

    # The list exports to Shift_JIS for Excel, holding what was imported.
    page.goto("/customers/")
    page.get_by_test_id("export-menu").locator("summary").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV（Shift_JIS / CP932）").click()
    exported = download.value.path().read_bytes().decode("cp932")
    assert "髙橋" in exported and "佐藤" in exported
