"""Importing customer data: Japanese files in, validated all-or-nothing, upserted, exported back."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from kizuna.core import jobs
from kizuna.core.imports import import_file, start_import, store_upload
from kizuna.core.models import LedgerEntry, Role
from kizuna.customers.models import Account, Contact, Customer, CustomFieldDefinition, Department
from kizuna.customers.services import create_customer, define_custom_field
from kizuna.tabular import open_table

pytestmark = pytest.mark.django_db

# What an EC platform's customer export looks like after a trip through Excel: CP932, 氏名 in one
# column, フリガナ in half-width kana, 和暦 and slash dates, phones and postal codes every way.
EC_HEADER = ("会員番号,氏名,フリガナ,メールアドレス,電話番号,郵便番号,性別,生年月日,初回購入日,"
             "メルマガ")
EC_ROWS = [
    "C001,髙橋 一郎,ﾀｶﾊｼ ｲﾁﾛｳ,Ichiro@Example.co.jp,03-1234-5678,〒100-0001,男性,S60.4.1,"
    "2024/4/1,可",
    "C002,山﨑花子,ヤマザキ ハナコ,hanako@example.jp,０９０１２３４５６７８,5300001,女,"
    "平成2年12月31日,令和6年5月1日,不可",
    "C003,ｻﾄｳ ｹﾝ,,ken@example.com,+81 6 1234 5678,,,1990/1/2,,",
]


def ec_file(*rows: str, encoding: str = "cp932") -> bytes:
    return "\r\n".join([EC_HEADER, *rows]).encode(encoding) + b"\r\n"


@pytest.fixture
def rep(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER)


def test_a_cp932_ec_export_is_imported_the_japanese_way(rep) -> None:  # type: ignore[no-untyped-def]
    result, report = import_file(actor=rep, kind="customers", data=ec_file(*EC_ROWS), source="ec")
    assert (result.encoding, result.rows, result.imported, result.rejected) == ("cp932", 3, 3, 0)
    assert report is None and not result.refused
    c1 = Customer.objects.get(source="ec", external_id="C001")
    assert (c1.family_name, c1.given_name) == ("髙橋", "一郎")
    assert (c1.family_name_kana, c1.given_name_kana) == ("タカハシ", "イチロウ")
    assert c1.email == "Ichiro@example.co.jp"
    assert (c1.phone, c1.postal_code, c1.prefecture) == ("+81312345678", "1000001", "東京都")
    assert (c1.gender, c1.birth_year, str(c1.first_purchase_date)) == ("male", 1985, "2024-04-01")
    assert c1.email_opt_in is True and c1.owner == rep
    c2 = Customer.objects.get(external_id="C002")
    # No space in 氏名: split after the known family name 山﨑 (variant kanji kept as written).
    assert (c2.family_name, c2.given_name) == ("山﨑", "花子")
    assert (c2.birth_year, str(c2.first_purchase_date), c2.email_opt_in) == (1990, "2024-05-01",
                                                                            False)
    assert (c2.phone, c2.prefecture) == ("+819012345678", "大阪府")
    c3 = Customer.objects.get(external_id="C003")
    assert (c3.family_name, c3.given_name) == ("サトウ", "ケン")  # half-width kana widened
    # Kana search finds imported records like any other.
    from kizuna.customers.queries import search_customers

    assert list(search_customers(rep, "たかはし")) == [c1]


BAD_ROWS = [
    "B001,田中 太郎,タナカ タロウ,taro@example.jp,03-1234-5678,100-0001,男,2023/02/30,,",
    "B002,鈴木 次郎,スズキ ジロウ,not-an-email,12,100-0001,宇宙人,昭和65年1月1日,,たぶん",
    "B003,佐藤 三郎,サトウ サブロウ,saburo@example.jp,03-1234-5678,100-0001,男,1980/1/1,,",
]


def test_every_problem_is_reported_with_line_column_and_reason_and_nothing_is_written(rep) -> None:  # type: ignore[no-untyped-def]
    result, report = import_file(actor=rep, kind="customers", data=ec_file(*BAD_ROWS),
                                 source="ec")
    assert result.refused and (result.rows, result.rejected) == (3, 2)
    assert Customer.objects.count() == 0 and not LedgerEntry.objects.filter(action="import")
    problems = {(e.line, e.column) for e in result.errors}
    assert problems == {(2, "生年月日"), (3, "メールアドレス"), (3, "電話番号"), (3, "性別"),
                        (3, "生年月日"), (3, "メルマガ")}
    reasons = {(e.line, e.column): e.message for e in result.errors}
    assert "2023/02/30" in reasons[(2, "生年月日")]
    # The report holds every rejected row with its original cells, ready to fix in Excel.
    assert report is not None
    rows = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert {r[0] for r in rows[1:]} == {"2", "3"}
    assert rows[1][3:] == BAD_ROWS[0].split(",")


def test_valid_rows_only_imports_the_rest_and_a_dry_run_writes_nothing(rep) -> None:  # type: ignore[no-untyped-def]
    data = ec_file(*BAD_ROWS)
    dry, _report = import_file(actor=rep, kind="customers", data=data, source="ec",
                               valid_rows_only=True, dry_run=True)
    assert (dry.imported, dry.rejected, dry.refused) == (1, 2, False)
    assert Customer.objects.count() == 0
    result, report = import_file(actor=rep, kind="customers", data=data, source="ec",
                                 valid_rows_only=True)
    assert (result.imported, result.rejected) == (1, 2) and report is not None
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["B003"]


def test_reimporting_updates_instead_of_duplicating(rep) -> None:  # type: ignore[no-untyped-def]
    import_file(actor=rep, kind="customers", data=ec_file(*EC_ROWS), source="ec")
    again, _ = import_file(actor=rep, kind="customers", data=ec_file(*EC_ROWS), source="ec")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    changed = [EC_ROWS[0].replace("03-1234-5678", "03-9999-0000"), *EC_ROWS[1:]]
    before = LedgerEntry.objects.filter(action="update").count()
    third, _ = import_file(actor=rep, kind="customers", data=ec_file(*changed), source="ec")
    assert (third.imported, third.updated, third.unchanged) == (0, 1, 2)
    c1 = Customer.objects.get(external_id="C001")
    assert (c1.phone, c1.version) == ("+81399990000", 2)
    entry = LedgerEntry.objects.filter(action="update").exclude(
        pk__in=LedgerEntry.objects.filter(action="update")[:before]).get()
    assert entry.object_id == str(c1.pk)
    assert entry.changes["phone"] == ["+81312345678", "+81399990000"]
    # Another source with the same IDs is another system: new records.
    other, _ = import_file(actor=rep, kind="customers", data=ec_file(*EC_ROWS), source="pos")
    assert other.imported == 3 and Customer.objects.count() == 6
    from kizuna.core.ledger import verify_chain

    assert verify_chain().ok


def test_the_same_id_twice_in_one_file_is_an_error(rep) -> None:  # type: ignore[no-untyped-def]
    result, _ = import_file(actor=rep, kind="customers", data=ec_file(EC_ROWS[0], EC_ROWS[0]),
                            source="ec")
    assert result.refused
    assert [(e.line, e.column) for e in result.errors] == [(3, "会員番号")]
    assert "2" in result.errors[0].message


def test_a_record_someone_else_owns_is_not_changed_by_an_import(make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(Role.MEMBER), make_user(Role.MEMBER)
    import_file(actor=alice, kind="customers", data=ec_file(EC_ROWS[0]), source="ec")
    result, _ = import_file(actor=bob, kind="customers",
                            data=ec_file(EC_ROWS[0].replace("一郎", "二郎")), source="ec")
    assert result.refused and result.errors[0].line == 2
    assert Customer.objects.get().given_name == "一郎"
    viewer = make_user(Role.VIEWER)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_file(actor=viewer, kind="customers", data=ec_file(EC_ROWS[0]), source="x")


def test_a_mapping_corrects_the_guess_and_a_bad_mapping_is_refused(rep) -> None:  # type: ignore[no-untyped-def]
    data = "番号,お名前,備考\n7,山田 太郎,VIP\n".encode()
    result, _ = import_file(actor=rep, kind="customers", data=data, source="crm",
                            mapping={"番号": "external_id", "備考": None})
    assert result.mapping == {"番号": "external_id", "お名前": "full_name", "備考": None}
    assert Customer.objects.get().external_id == "7"
    bad, _ = import_file(actor=rep, kind="customers", data=data, source="crm",
                         mapping={"番号": "no_such_field"})
    assert bad.refused and "no_such_field" in bad.errors[0].message
    missing, _ = import_file(actor=rep, kind="customers", data=b"ID,memo\n1,x\n", source="crm")
    assert missing.refused and missing.errors[0].line == 0


def test_custom_fields_are_imported_by_their_label(admin_user) -> None:  # type: ignore[no-untyped-def]
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.CUSTOMER,
                        key="rank", label_ja="会員ランク", label_en="Member rank",
                        field_type="choice", choices=["gold", "silver"])
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.CUSTOMER,
                        key="joined", label_ja="入会日", label_en="Joined", field_type="date")
    data = ("会員番号,氏名,会員ランク,入会日\n"
            "1,山田 太郎,gold,令和5年4月1日\n2,鈴木,bronze,\n").encode()
    result, _ = import_file(actor=admin_user, kind="customers", data=data, source="ec",
                            valid_rows_only=True)
    assert (result.imported, result.rejected) == (1, 1)
    assert result.errors[0].line == 3 and result.errors[0].column == "会員ランク"
    assert Customer.objects.get().custom == {"rank": "gold", "joined": "2023-04-01"}


def test_accounts_and_contacts_from_a_business_card_app(rep) -> None:  # type: ignore[no-untyped-def]
    accounts = ("取引先ID,会社名,会社名カナ,法人番号,郵便番号,住所,電話番号,従業員数\n"
                "A1,㈱髙橋製作所,ﾀｶﾊｼｾｲｻｸｼﾖ,7000012050002,100-0001,千代田1-1,03-1234-5678,"
                "120名\n").encode("cp932")
    result, _ = import_file(actor=rep, kind="accounts", data=accounts, source="cards")
    assert result.imported == 1, result.errors
    account = Account.objects.get()
    assert (account.name, account.legal_form) == ("㈱髙橋製作所", "株式会社")  # as typed
    assert (account.prefecture, account.city, account.employee_band) == ("東京都", "千代田区",
                                                                         "50-299")
    contacts = ("名刺ID,会社名,部署名,役職,氏名,フリガナ,役割\n"
                "K1,株式会社髙橋製作所,購買部,部長,佐藤 花子,サトウ ハナコ,決裁者\n"
                "K2,髙橋製作所,購買部,,鈴木 一郎,スズキ イチロウ,利用者\n"
                "K3,存在しない商事,,,田中 次郎,,\n").encode("cp932")
    result, _ = import_file(actor=rep, kind="contacts", data=contacts, source="cards",
                            valid_rows_only=True)
    assert (result.imported, result.rejected) == (2, 1)
    assert result.errors[0].line == 4 and result.errors[0].column == "会社名"
    department = Department.objects.get()
    assert department.name == "購買部" and department.account == account
    hanako = Contact.objects.get(external_id="K1")
    assert (hanako.account, hanako.department, hanako.buying_role, hanako.title) == (
        account, department, "decision_maker", "部長")
    assert Contact.objects.get(external_id="K2").department == department


def test_cli_prints_json_and_exits_1_when_refused(rep, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "customers.csv"
    good.write_bytes(ec_file(*EC_ROWS))
    call_command("import_file", "customers", str(good), "--as", rep.username, "--json")
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("rows", "imported", "updated", "rejected", "encoding")} == {
        "rows": 3, "imported": 3, "updated": 0, "rejected": 0, "encoding": "cp932"}
    assert out["source"] == "customers"  # the file name, so the next import of it upserts
    bad = tmp_path / "bad.csv"
    bad.write_bytes(ec_file(*BAD_ROWS))
    report = tmp_path / "rejected.csv"
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_file", "customers", str(bad), "--as", rep.username, "--json",
                     "--report", str(report))
    assert exit_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["rejected"], out["imported"]) == (2, 1)  # 1 would have been imported
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"source": "ec", "columns": {"会員番号": "external_id"}}))
    call_command("import_file", "customers", str(good), "--as", rep.username, "--json",
                 "--mapping", str(mapping), "--dry-run")
    out = json.loads(capsys.readouterr().out)
    assert (out["source"], out["imported"], out["dry_run"]) == ("ec", 3, True)


def test_the_import_job_checks_then_imports_and_serves_the_report(rep) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(rep)
    upload = store_upload(ec_file(*EC_ROWS, BAD_ROWS[0]))
    check = start_import(actor=rep, kind="customers", upload=upload, source="ec", mapping=None,
                         dry_run=True, file_name="members.csv")
    jobs.run_job.call(str(check.pk))
    check.refresh_from_db()
    assert check.status == "succeeded", check.error
    assert (check.result["imported"], check.result["rejected"]) == (3, 1)
    assert Customer.objects.count() == 0
    page = client.get(f"/jobs/{check.pk}/")
    assert page.status_code == 200
    assert "2023/02/30" in page.content.decode()
    report = client.get(f"/imports/{check.pk}/report.csv")
    assert report.status_code == 200 and b"B001" in b"".join(report.streaming_content)
    response = client.post(f"/imports/{check.pk}/confirm/", {"valid_rows_only": "1"})
    assert response.status_code == 302
    from kizuna.core.models import Job

    run = Job.objects.exclude(pk=check.pk).get()
    jobs.run_job.call(str(run.pk))
    run.refresh_from_db()
    assert (run.result["imported"], run.result["rejected"], run.result["dry_run"]) == (3, 1,
                                                                                      False)
    assert Customer.objects.count() == 3


def test_upload_and_mapping_pages(rep) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(rep)
    assert client.get("/imports/new/?kind=customers").status_code == 200
    upload = SimpleUploadedFile("members.csv", ec_file(*EC_ROWS), content_type="text/csv")
    page = client.post("/imports/new/", {"kind": "customers", "file": upload,
                                         "encoding": "auto"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "髙橋 一郎" in html and 'value="full_name" selected' in html
    name = page.context["upload"]
    response = client.post("/imports/run/", {
        "upload": name, "kind": "customers", "encoding": "auto", "source": "ec",
        "action": "import", "save_as": "EC会員",
        **{f"map-{i}": target or "" for i, _h, target, _s in page.context["headers"]}})
    assert response.status_code == 302
    from kizuna.core.models import ImportMapping

    assert ImportMapping.objects.get().columns["会員番号"] == "external_id"
    # Someone else's upload cannot be named.
    other = Client()
    other.force_login(make_other(rep))
    assert other.post("/imports/run/", {"upload": name, "kind": "customers"}).status_code == 404


def make_other(user):  # type: ignore[no-untyped-def]
    from kizuna.core.models import User

    return User.objects.create_user(username=f"{user.username}-other", password="x",
                                    role=Role.MEMBER)


# --- export -> import round trip -------------------------------------------------------------


def test_export_edit_in_excel_and_import_back_updates_the_same_records(rep) -> None:  # type: ignore[no-untyped-def]
    import_file(actor=rep, kind="customers", data=ec_file(*EC_ROWS), source="ec")
    made_here = create_customer(actor=rep, family_name="手入力", given_name="花子",
                                family_name_kana="テニュウリョク")
    client = Client()
    client.force_login(rep)
    for fmt in ("csv", "csv-cp932", "xlsx"):
        exported = client.get(f"/customers/export/?format={fmt}")
        assert exported.status_code == 200, fmt
        result, _ = import_file(actor=rep, kind="customers", data=exported.content,
                                source="roundtrip")
        assert (result.rows, result.imported, result.updated, result.unchanged,
                result.rejected) == (4, 0, 0, 4, 0), (fmt, result.errors)
    # Change one cell the way a user would in Excel, and import it back.
    exported = client.get("/customers/export/?format=csv").content.decode("utf-8-sig")
    edited = exported.replace("手入力", "手書き")
    result, _ = import_file(actor=rep, kind="customers", data=edited.encode("utf-8-sig"),
                            source="roundtrip")
    assert (result.updated, result.unchanged) == (1, 3)
    made_here.refresh_from_db()
    assert made_here.family_name == "手書き" and Customer.objects.count() == 4


def test_cp932_export_lists_characters_that_do_not_fit(rep) -> None:  # type: ignore[no-untyped-def]
    create_customer(actor=rep, family_name="𠮷田", given_name="🍵")
    client = Client()
    client.force_login(rep)
    response = client.get("/customers/export/?format=csv-cp932")
    assert response.status_code == 409
    html = response.content.decode()
    assert "𠮷" in html and "🍵" in html
    forced = client.get("/customers/export/?format=csv-cp932&confirm=1")
    assert forced.status_code == 200
    table = open_table(forced.content)
    assert table.encoding == "cp932"


def test_export_only_holds_what_the_user_may_see(make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(Role.MEMBER), make_user(Role.MEMBER)
    create_customer(actor=alice, family_name="アリス")
    create_customer(actor=bob, family_name="ボブ")
    client = Client()
    client.force_login(alice)
    text = client.get("/customers/export/?format=csv").content.decode("utf-8-sig")
    assert "アリス" in text and "ボブ" not in text
    assert client.get("/customers/export/?format=csv&q=ボブ").content.decode(
        "utf-8-sig").count("\n") == 1  # the header only
