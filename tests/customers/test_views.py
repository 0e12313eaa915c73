"""Account pages: full page and htmx fragment, forms, locking, export, access, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kizuna.commerce.models import Channel, Product
from kizuna.commerce.services import LineInput, create_master, place_order
from kizuna.core import lists
from kizuna.core.models import Role
from kizuna.customers.models import Account, Contact, Customer
from kizuna.customers.services import (
    create_account,
    create_contact,
    create_customer,
    create_department,
    update_account,
    update_contact,
)
from kizuna.pipeline.services import log_activity


@pytest.fixture
def rep(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER)


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def build(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return build


def test_list_full_page_and_htmx_fragment(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    create_account(actor=rep, name="山田製作所", name_kana="ヤマダセイサクショ")
    client = client_for(rep)
    page = client.get("/accounts/")
    assert page.status_code == 200
    assert "<html" in page.content.decode() and "山田製作所" in page.content.decode()
    fragment = client.get("/accounts/?q=ヤマダ", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "山田製作所" in fragment.content.decode()
    other = client.get("/accounts/?q=鈴木", HTTP_HX_REQUEST="true").content.decode()
    assert "山田製作所" not in other


def test_list_query_count_does_not_grow_with_rows(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    create_account(actor=rep, name="一社目")
    with CaptureQueriesContext(connection) as one:
        client.get("/accounts/")
    for i in range(20):
        create_account(actor=rep, name=f"会社{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/accounts/")
    assert len(many) == len(one), "N+1 on the account list"


def test_detail_query_count(rep, client_for, admin_user) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="詳細")
    for i in range(5):
        account = update_account(actor=rep, account=account, expected_version=account.version,
                                 name=f"詳細{i}")
    client = client_for(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/accounts/{account.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="ledger-row"') == 6
    assert len(queries) <= 10, [q["sql"] for q in queries]


def test_create_then_edit_with_stale_version_is_refused(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    response = client.post("/accounts/new/", {"name": "佐藤商店", "name_kana": "サトウショウテン"})
    account = Account.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/accounts/{account.pk}/"
    assert account.owner == rep

    edit = client.post(f"/accounts/{account.pk}/edit/",
                       {"name": "佐藤商店本店", "name_kana": "", "version": 1})
    assert edit.status_code == 302
    stale = client.post(f"/accounts/{account.pk}/edit/",
                        {"name": "上書きしたい", "name_kana": "", "version": 1})
    assert stale.status_code == 200
    assert "reload" in stale.content.decode() or "再読み込み" in stale.content.decode()
    account.refresh_from_db()
    assert (account.name, account.version) == ("佐藤商店本店", 2)


def test_form_errors_are_shown_in_the_users_language(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    ja = client.post("/accounts/new/", {"name": ""}, HTTP_ACCEPT_LANGUAGE="ja")
    assert "この項目は必須です。" in ja.content.decode()
    rep.language = "en"
    rep.save()
    en = client.post("/accounts/new/", {"name": ""})
    assert "This field is required." in en.content.decode()
    assert not Account.objects.exists()


def test_invisible_is_404_and_read_only_is_403(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    alice, bob = make_user(teams=[team]), make_user(teams=[team])
    private = create_account(actor=alice, name="非公開")
    shared = create_account(actor=alice, name="共有", team=team)
    client = client_for(bob)
    assert client.get(f"/accounts/{private.pk}/").status_code == 404
    assert client.get(f"/accounts/{shared.pk}/").status_code == 200
    assert client.get(f"/accounts/{shared.pk}/edit/").status_code == 403
    assert client.post(f"/accounts/{shared.pk}/delete/", {"version": 1}).status_code == 403
    assert Account.objects.filter(pk=shared.pk).exists()


def test_delete(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="消す会社")
    client = client_for(rep)
    assert client.get(f"/accounts/{account.pk}/delete/").status_code == 200
    assert client.post(f"/accounts/{account.pk}/delete/", {"version": 1}).status_code == 302
    assert not Account.objects.exists()


def test_export_is_excel_ready_and_respects_access(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    create_account(actor=alice, name="株式会社髙橋", name_kana="タカハシ")
    create_account(actor=bob, name="他人の会社")
    response = client_for(alice).get("/accounts/export/")
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # BOM: Excel opens UTF-8 correctly
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][3:5] == ["株式会社髙橋", "タカハシ"]  # after Kizuna ID, source, external ID


def test_anonymous_is_sent_to_login(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- lists: search, filters, keyset pages -------------------------------------------------------


KANA_VARIANTS = ["山田", "ヤマダ", "やまだ", "ﾔﾏﾀﾞ"]


def _rows(response, testid: str) -> int:  # type: ignore[no-untyped-def]
    return response.content.decode().count(f'data-testid="{testid}"')


@pytest.mark.parametrize("word", KANA_VARIANTS)
def test_every_list_finds_kana_variants(rep, client_for, word) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="山田製作所", name_kana="ヤマダセイサクショ")
    create_account(actor=rep, name="鈴木商事", name_kana="スズキショウジ")
    create_contact(actor=rep, account=account, family_name="山田", given_name="花子",
                   family_name_kana="ヤマダ", given_name_kana="ハナコ")
    create_contact(actor=rep, account=account, family_name="鈴木", family_name_kana="スズキ")
    create_customer(actor=rep, family_name="山田", given_name="太郎",
                    family_name_kana="やまだ", given_name_kana="たろう")
    create_customer(actor=rep, family_name="佐藤", family_name_kana="サトウ")
    client = client_for(rep)
    for url, testid in (("/accounts/", "account-row"), ("/contacts/", "contact-row"),
                        ("/customers/", "customer-row")):
        response = client.get(url, {"q": word}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "<html" not in response.content.decode()
        assert _rows(response, testid) == 1, (url, word)
        assert "山田" in response.content.decode()


def test_lists_render_full_page_and_fragment(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    for url, table in (("/accounts/", "account-table"), ("/contacts/", "contact-table"),
                       ("/customers/", "customer-table")):
        page = client.get(url).content.decode()
        assert "<html" in page and f'data-testid="{table}"' in page
        assert 'data-testid="list-filters"' in page and 'hx-push-url="true"' in page
        fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in fragment and f'data-testid="{table}"' in fragment
        assert 'data-testid="list-filters"' not in fragment
        boosted = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
        assert "<html" in boosted.content.decode()


def test_account_filters_and_sort(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    manager = make_user(Role.MANAGER, teams=[team])
    other = make_user(Role.MEMBER, teams=[team])
    a = create_account(actor=manager, name="あ社", name_kana="アシャ", prefecture="東京都",
                       industry="製造業", relationship_level=5)
    b = create_account(actor=manager, name="い社", name_kana="イシャ", prefecture="大阪府",
                       industry="小売業", relationship_level=2, owner=other)
    client = client_for(manager)

    def names(**params: object) -> list[str]:
        html = client.get("/accounts/", params, HTTP_HX_REQUEST="true").content.decode()
        return [n for n in ("あ社", "い社") if n in html]

    assert names() == ["あ社", "い社"]
    assert names(prefecture="東京都") == ["あ社"]
    assert names(industry="小売") == ["い社"]
    assert names(owner=other.pk) == ["い社"]
    assert names(relationship_level=5) == ["あ社"]
    assert names(prefecture="not-a-prefecture") == ["あ社", "い社"]  # bad filter ignored
    # あいうえお順 by default; "recently updated" puts the last change first.
    update_account(actor=manager, account=a, expected_version=a.version, industry="商社")
    default = client.get("/accounts/", HTTP_HX_REQUEST="true").content.decode()
    assert default.index("あ社") < default.index("い社")
    recent = client.get("/accounts/", {"sort": "recent"}, HTTP_HX_REQUEST="true")
    html = recent.content.decode()
    assert html.index("あ社") < html.index("い社")
    b.refresh_from_db()
    update_account(actor=manager, account=b, expected_version=b.version, industry="IT")
    html = client.get("/accounts/", {"sort": "recent"}, HTTP_HX_REQUEST="true").content.decode()
    assert html.index("い社") < html.index("あ社")


def test_contact_and_customer_filters(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    one = create_account(actor=rep, name="一番商事", name_kana="イチバンショウジ")
    two = create_account(actor=rep, name="二番物産", name_kana="ニバンブッサン")
    create_contact(actor=rep, account=one, family_name="決裁", buying_role="decision_maker")
    create_contact(actor=rep, account=two, family_name="利用", buying_role="user")
    client = client_for(rep)

    def html(url: str, **params: object) -> str:
        return client.get(url, params, HTTP_HX_REQUEST="true").content.decode()

    assert "決裁" in html("/contacts/", buying_role="decision_maker")
    assert "利用" not in html("/contacts/", buying_role="decision_maker")
    assert "利用" in html("/contacts/", account=two.pk) and "決裁" not in html(
        "/contacts/", account=two.pk)
    assert "決裁" in html("/contacts/", account_name="いちばん")
    assert "利用" not in html("/contacts/", account_name="いちばん")

    ec = Channel.objects.create(code="ec", name="ECサイト")
    create_customer(actor=rep, family_name="東京", prefecture="東京都", gender="female",
                    acquisition_channel=ec)
    create_customer(actor=rep, family_name="大阪", prefecture="大阪府", gender="male")
    assert "東京" in html("/customers/", prefecture="東京都")
    assert "大阪" not in html("/customers/", prefecture="東京都")
    assert "大阪" in html("/customers/", gender="male")
    assert "大阪" not in html("/customers/", acquisition_channel=ec.pk)


def test_keyset_pages_follow_the_next_link_without_counting(rep, client_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lists, "PAGE_SIZE", 3)
    for i in range(7):
        create_account(actor=rep, name=f"会社{i}", name_kana=f"カイシャ{'アイウエオカキ'[i]}")
    client = client_for(rep)
    seen: list[str] = []
    url = "/accounts/?q=%E4%BC%9A%E7%A4%BE"  # 会社
    pages = 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        if pages == 0:
            assert 'data-testid="row-count"' in html
            assert all("LIMIT" in sql.upper() for sql in counts), counts  # capped count
        else:
            assert counts == [], "later pages must not count"
            assert 'rel="first"' in html
        seen += [f"会社{i}" for i in range(7) if f"会社{i}<" in html]
        pages += 1
        marker = 'data-testid="next-page"'
        if marker not in html:
            break
        start = html.index('href="', html.rindex("<a", 0, html.index(marker))) + 6
        url = "/accounts/" + html[start:html.index('"', start)].replace("&amp;", "&")
        assert "q=%E4%BC%9A%E7%A4%BE" in url  # the search is kept
    assert pages == 3
    assert seen == [f"会社{i}" for i in range(7)]  # in kana order, none twice, none lost


def test_list_query_counts_do_not_grow(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    account = create_account(actor=rep, name="数える")
    dept = create_department(actor=rep, account=account, name="本社")
    ec = Channel.objects.create(code="ec", name="EC")

    def counts() -> list[int]:
        out = []
        for url in ("/accounts/", "/contacts/", "/customers/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    create_contact(actor=rep, account=account, family_name="一人", department=dept)
    create_customer(actor=rep, family_name="一人", acquisition_channel=ec)
    before = counts()
    for i in range(10):
        create_account(actor=rep, name=f"追加{i}")
        create_contact(actor=rep, account=account, family_name=f"追加{i}", department=dept)
        create_customer(actor=rep, family_name=f"追加{i}", acquisition_channel=ec)
    assert counts() == before


# --- details ------------------------------------------------------------------------------------


def _product(admin_user, code: str = "P1", price: int = 1200) -> Product:  # type: ignore[no-untyped-def]
    return create_master(actor=admin_user, model=Product, code=code, name=f"商品{code}",
                         list_price=price)


def test_account_detail_buying_centre_timeline_and_queries(rep, client_for, admin_user) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="山田製作所", postal_code="1000001",
                             phone="0312345678")
    dept = create_department(actor=rep, account=account, name="購買部")
    boss = create_contact(actor=rep, account=account, family_name="社長", department=dept,
                          buying_role="decision_maker")
    create_contact(actor=rep, account=account, family_name="部長", department=dept,
                   buying_role="approver", reports_to=boss)
    create_contact(actor=rep, account=account, family_name="担当", buying_role="purchaser")
    now = timezone.now()
    log_activity(actor=rep, kind="visit", occurred_at=now - dt.timedelta(days=2),
                 subject="初回訪問", account=account)
    place_order(actor=rep, account=account, ordered_at=now - dt.timedelta(days=1),
                lines=[LineInput(product=_product(admin_user), quantity=3)], number="A-1")
    client = client_for(rep)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/accounts/{account.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "〒100-0001" in html and "03-1234-5678" in html
    assert html.count('data-testid="buying-centre-contact"') == 3
    assert "購買部" in html and "決裁者" in html and "承認者" in html
    assert "社長" in html[html.index("部長"):]  # 部長 reports to 社長
    assert html.index('data-testid="timeline-order"') < html.index(
        'data-testid="timeline-activity"')  # newest first
    assert "¥3,600" in html
    assert 'data-testid="ledger"' not in html  # audit trail for administrators only
    first = len(queries)
    for i in range(5):
        create_contact(actor=rep, account=account, family_name=f"追加{i}", department=dept,
                       reports_to=boss)
        log_activity(actor=rep, kind="call", occurred_at=now, subject=f"電話{i}",
                     account=account)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/accounts/{account.pk}/")
    assert len(queries) == first, "N+1 on the account page"
    assert first <= 16, [q["sql"] for q in queries]
    admin_page = client_for(admin_user).get(f"/accounts/{account.pk}/").content.decode()
    assert 'data-testid="ledger"' in admin_page


def test_contact_detail_and_private_contact_is_404(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    alice, bob = make_user(teams=[team]), make_user(teams=[team])
    shared = create_account(actor=alice, name="共有社", team=team)
    boss = create_contact(actor=alice, account=shared, family_name="上司",
                          family_name_kana="ジョウシ", phone="09012345678", email_opt_in=True)
    private = create_contact(actor=alice, account=shared, family_name="非公開", team=None,
                             reports_to=boss)
    Contact.objects.filter(pk=private.pk).update(team=None)
    log_activity(actor=alice, kind="call", occurred_at=timezone.now(), subject="電話した",
                 contact=boss)
    page = client_for(alice).get(f"/contacts/{boss.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "090-1234-5678" in html and "上司 様</h1>" in html and ">ジョウシ</p>" in html
    assert "電話した" in html and "非公開" in html  # direct report
    bob_client = client_for(bob)
    assert bob_client.get(f"/contacts/{private.pk}/").status_code == 404
    assert bob_client.get(f"/contacts/{boss.pk}/").status_code == 200
    assert "非公開" not in bob_client.get(f"/contacts/{boss.pk}/").content.decode()
    assert "非公開" not in bob_client.get("/contacts/").content.decode()


def test_customer_detail_totals_orders_and_queries(rep, client_for, admin_user) -> None:  # type: ignore[no-untyped-def]
    customer = create_customer(actor=rep, family_name="山田", given_name="花子",
                               family_name_kana="ヤマダ", given_name_kana="ハナコ",
                               email_opt_in=True)
    product = _product(admin_user, price=1234)
    for i in range(2):
        place_order(actor=rep, customer=customer, number=f"D-{i}",
                    ordered_at=timezone.now() - dt.timedelta(days=i),
                    lines=[LineInput(product=product, quantity=1000)])
    log_activity(actor=rep, kind="email", occurred_at=timezone.now(), subject="お礼メール",
                 customer=customer)
    client = client_for(rep)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/customers/{customer.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "山田 花子 様" in html
    assert '<dd data-testid="order-count">2</dd>' in html
    assert "¥2,468,000" in html and "¥1,234,000" in html
    assert html.count('data-testid="order-row"') == 2 and "お礼メール" in html
    first = len(queries)
    for i in range(3):
        place_order(actor=rep, customer=customer, ordered_at=timezone.now(),
                    lines=[LineInput(product=_product(admin_user, code=f"X{i}"), quantity=1)])
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/customers/{customer.pk}/")
    assert len(queries) == first, "N+1 on the customer page"


# --- forms --------------------------------------------------------------------------------------


def test_account_form_saves_all_fields_and_shows_errors_in_japanese(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    fields = {"name": "株式会社山田製作所", "name_kana": "やまだせいさくしょ",
              "corporate_number": "", "industry": "製造業", "employee_band": "10-49",
              "relationship_level": "4", "phone": "03-1234-5678", "website": "https://example.jp",
              "postal_code": "〒１００ー０００１", "prefecture": "東京都", "city": "千代田区",
              "address_line1": "千代田1-1", "address_line2": "山田ビル3F"}
    bad = client.post("/accounts/new/", {**fields, "postal_code": "〒12-34"})
    html = bad.content.decode()
    assert bad.status_code == 200
    assert "郵便番号は7桁です" in html
    assert html.index("郵便番号は7桁です") > html.index('name="postal_code"')  # on its field
    assert not Account.objects.exists()
    bad_phone = client.post("/accounts/new/", {**fields, "phone": "12"}).content.decode()
    assert "は電話番号として認識できません" in bad_phone
    assert bad_phone.index("電話番号として") > bad_phone.index('name="phone"')  # on its field
    ok = client.post("/accounts/new/", fields)
    assert ok.status_code == 302
    account = Account.objects.get()
    assert (account.postal_code, account.phone, account.name_kana, account.relationship_level,
            account.address_line2) == ("1000001", "+81312345678", "ヤマダセイサクショ", 4,
                                       "山田ビル3F")
    edit = client.get(f"/accounts/{account.pk}/edit/").content.decode()
    assert 'name="version"' in edit and "hx-get=\"/postal-code/\"" in edit
    assert 'id="postal-hint"' in edit


def test_postal_code_lookup_fills_the_address(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    response = client.get("/postal-code/", {"postal_code": "1000001", "prefecture": "",
                                            "city": "", "address_line1": ""},
                          HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    for name, value in (("prefecture", "東京都"), ("city", "千代田区"),
                        ("address_line1", "千代田")):
        assert f'name="{name}" id="id_{name}"' in html
        assert f'value="{value}" hx-swap-oob="true"' in html
    typed = client.get("/postal-code/", {"postal_code": "100-0001", "prefecture": "",
                                         "address_line1": "丸の内1-1"}).content.decode()
    assert 'id="id_address_line1"' not in typed  # what the user typed stays
    assert 'id="id_city"' not in typed  # the customer form has no city field
    assert 'value="東京都"' in typed
    unknown = client.get("/postal-code/", {"postal_code": "0000000"}).content.decode()
    assert "hx-swap-oob" not in unknown and 'class="error"' in unknown


def test_contact_form_limits_choices_and_refuses_a_stale_version(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    mine = create_account(actor=alice, name="私の会社")
    dept = create_department(actor=alice, account=mine, name="営業部")
    theirs = create_account(actor=bob, name="他人の会社")
    other_dept = create_department(actor=bob, account=theirs, name="見えない部")
    client = client_for(alice)
    form = client.get(f"/contacts/new/?account={mine.pk}").content.decode()
    assert "営業部" in form and "見えない部" not in form and "他人の会社" not in form
    invisible = client.post("/contacts/new/", {"account": theirs.pk, "family_name": "侵入"})
    assert invisible.status_code == 200 and not Contact.objects.exists()
    wrong_dept = client.post("/contacts/new/", {"account": mine.pk, "family_name": "田中",
                                                "department": other_dept.pk})
    assert wrong_dept.status_code == 200 and not Contact.objects.exists()
    created = client.post("/contacts/new/", {
        "account": mine.pk, "family_name": "田中", "given_name": "一郎",
        "family_name_kana": "たなか", "department": dept.pk, "buying_role": "influencer",
        "phone": "090-1234-5678"})
    contact = Contact.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/contacts/{contact.pk}/"
    assert (contact.family_name_kana, contact.department, contact.buying_role) == (
        "タナカ", dept, "influencer")
    update_contact(actor=alice, contact=contact, expected_version=1, title="課長")
    stale = client.post(f"/contacts/{contact.pk}/edit/", {"family_name": "上書き", "version": 1})
    assert stale.status_code == 200 and "再読み込み" in stale.content.decode()
    contact.refresh_from_db()
    assert contact.family_name == "田中"
    ok = client.post(f"/contacts/{contact.pk}/edit/", {"family_name": "田中", "given_name": "次郎",
                                                       "version": 2, "department": dept.pk})
    assert ok.status_code == 302
    contact.refresh_from_db()
    assert contact.given_name == "次郎"


def test_contact_form_takes_further_emails_and_phones_one_per_line(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="連絡先工業")
    client = client_for(rep)
    bad = client.post("/contacts/new/", {
        "account": account.pk, "family_name": "田中",
        "emails_other": "tanaka@example.jp\r\nたなか＠example", "phones_other": "03-1234-5678"})
    assert bad.status_code == 200 and not Contact.objects.exists()
    errors = bad.context["form"].errors
    assert list(errors) == ["emails_other"] and "たなか＠example" in errors["emails_other"][0]
    created = client.post("/contacts/new/", {
        "account": account.pk, "family_name": "田中",
        "emails_other": "ｔａｎａｋａ＠example.jp\r\n\r\nsales@Example.JP",
        "phones_other": "03-1234-5678\n０９０－１２３４－５６７８"})
    assert created.status_code == 302
    contact = Contact.objects.get()
    assert contact.emails_other == ["tanaka@example.jp", "sales@example.jp"]
    assert contact.phones_other == ["+81312345678", "+819012345678"]
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert 'href="mailto:sales@example.jp"' in page and 'href="tel:+819012345678"' in page
    edit = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert "tanaka@example.jp\nsales@example.jp" in edit


def test_customer_form_create_edit_and_errors(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    assert 'hx-get="/postal-code/"' in client.get("/customers/new/").content.decode()
    bad = client.post("/customers/new/", {"family_name": "山田", "postal_code": "123"})
    assert "郵便番号は7桁です" in bad.content.decode()
    ok = client.post("/customers/new/", {"family_name": "山田", "given_name": "花子",
                                         "family_name_kana": "ﾔﾏﾀﾞ", "postal_code": "100-0001",
                                         "prefecture": "東京都", "gender": "female",
                                         "birth_year": "1985", "email_opt_in": "on"})
    customer = Customer.objects.get()
    assert ok.status_code == 302
    assert (customer.family_name_kana, customer.postal_code, customer.email_opt_in) == (
        "ヤマダ", "1000001", True)
    edit = client.post(f"/customers/{customer.pk}/edit/", {"family_name": "山田",
                                                           "birth_year": "1800", "version": 1})
    assert edit.status_code == 200 and 'class="error"' in edit.content.decode()
    assert client.post(f"/customers/{customer.pk}/edit/", {
        "family_name": "山田", "given_name": "春子", "version": 1}).status_code == 302


def test_viewer_sees_no_edit_buttons_and_gets_403(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    rep, viewer = make_user(teams=[team]), make_user(Role.VIEWER, teams=[team])
    account = create_account(actor=rep, name="見るだけ社", team=team)
    contact = create_contact(actor=rep, account=account, family_name="見る")
    customer = create_customer(actor=rep, family_name="見る", team=team)
    client = client_for(viewer)
    for url in (f"/accounts/{account.pk}/", f"/contacts/{contact.pk}/",
                f"/customers/{customer.pk}/"):
        html = client.get(url).content.decode()
        assert 'data-testid="edit"' not in html and 'data-testid="log-activity"' not in html
        assert client.get(url + "edit/").status_code == 403
        assert client.post(url + "edit/", {"family_name": "x", "name": "x"}).status_code == 403
    for url in ("/accounts/new/", "/contacts/new/", "/customers/new/"):
        assert client.get(url).status_code == 403
    assert "/accounts/new/" not in client.get("/accounts/").content.decode()


def test_navigation_lists_the_new_pages(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    member_nav = client_for(make_user()).get("/").content.decode()
    for url in ("/contacts/", "/customers/", "/orders/", "/activities/"):
        assert f'href="{url}"' in member_nav
    assert 'href="/products/"' not in member_nav
    assert 'href="/products/"' in client_for(make_user(Role.MANAGER)).get("/").content.decode()


def test_custom_fields_in_form_detail_and_export(rep, admin_user, client_for) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.models import CustomFieldDefinition
    from kizuna.customers.services import define_custom_field

    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.ACCOUNT,
                        key="budget_month", label_ja="予算月", label_en="Budget month",
                        field_type="choice", choices=[str(m) for m in range(1, 13)])
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.ACCOUNT,
                        key="install_date", label_ja="導入日", label_en="Installed on",
                        field_type="date")
    client = client_for(rep)
    form_page = client.get("/accounts/new/").content.decode()
    assert "予算月" in form_page and 'name="custom__budget_month"' in form_page
    response = client.post("/accounts/new/", {"name": "予算管理", "custom__budget_month": "4",
                                              "custom__install_date": "2021-10-01"})
    assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.get()
    assert account.custom == {"budget_month": "4", "install_date": "2021-10-01"}
    detail = client.get(f"/accounts/{account.pk}/").content.decode()
    assert detail.count('data-testid="custom-value"') == 2
    # Editing another field keeps the custom values; clearing one removes it.
    client.post(f"/accounts/{account.pk}/edit/", {"name": "予算管理2", "version": 1,
                                                  "custom__budget_month": "4",
                                                  "custom__install_date": ""})
    account.refresh_from_db()
    assert account.custom == {"budget_month": "4"}
    rows = list(csv.reader(io.StringIO(
        client.get("/accounts/export/").content.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["予算月", "導入日"]
    assert rows[1][-2:] == ["4", ""]


def test_tags_are_typed_in_one_box_and_shown_on_the_account(rep, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    response = client.post("/accounts/new/", {"name": "タグ商事",
                                              "tags": "重点先、関東, 重点先 ;新規"})
    assert response.status_code == 302, response.content.decode()[:2000]
    account = Account.objects.get()
    assert account.tags == ["重点先", "関東", "新規"]  # split the Japanese way, duplicates dropped
    detail = client.get(f"/accounts/{account.pk}/").content.decode()
    assert detail.count('class="badge tag"') == 3
    form = client.get(f"/accounts/{account.pk}/edit/").content.decode()
    assert 'value="重点先、関東、新規"' in form
    client.post(f"/accounts/{account.pk}/edit/", {"name": "タグ商事", "tags": "", "version": 1})
    account.refresh_from_db()
    assert account.tags == []
