"""Deal pages: list (filters, kana search, htmx, keyset pages), detail, create and edit forms
(messages in the user's language, stale versions refused), the kanban board and its no-script
move form, the forecast page; access rules and query counts."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kizuna.commerce.models import Product
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import Activity, Deal, DealStage, LostReason
from kizuna.pipeline.services import create_deal, move_deal

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2025, 3, 1, 9, tzinfo=TOKYO)


def stage(code: str) -> DealStage:
    return DealStage.objects.get(pipeline__code="new_business", code=code)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team(make_team):  # type: ignore[no-untyped-def]
    return make_team("東京営業")


@pytest.fixture
def rep(make_user, team):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER, teams=[team], language="en", last_name="青木")


@pytest.fixture
def account(rep, team):  # type: ignore[no-untyped-def]
    return create_account(actor=rep, name="株式会社緑茶商事", name_kana="リョクチャショウジ",
                          team=team)


def new_deal(actor, account, code: str = "first_visit", **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("expected_close_date", dt.date(2030, 6, 30))
    return create_deal(actor=actor, name=fields.pop("name", "本社 給茶機入替"), account=account,
                       stage=stage(code), **fields)


def test_nav_list_filters_search_and_htmx(rep, account, make_user) -> None:  # type: ignore[no-untyped-def]
    new_deal(rep, account, "quote", name="本社 給茶機 KZ-200", amount=500_000,
             expected_close_date=dt.date(2030, 4, 10))
    new_deal(rep, account, "proposal", name="大阪 浄水器", amount=80_000,
             expected_close_date=dt.date(2030, 5, 10))
    client = client_for(rep)
    page = client.get("/deals/")
    html = page.content.decode()
    assert page.status_code == 200 and 'href="/deals/board/"' in html  # the nav entry
    assert html.count('data-testid="deal-row"') == 2
    assert "¥500,000" in html and "60%" in html

    def names(query: str, **headers: str) -> list[str]:
        body = client.get(f"/deals/?{query}", **headers).content.decode()
        return re.findall(r'data-testid="deal-row"><td><a href="/deals/\d+/">([^<]+)<', body)

    both = ["本社 給茶機 KZ-200", "大阪 浄水器"]
    assert names("q=ｋｚ２００") == both[:1]  # width and case folded
    assert names("q=りょくちゃ") == both  # the account's reading, in any kana
    assert names("q=ﾘｮｸﾁｬ 浄水") == both[1:]  # every word, in the deal or its buyer
    assert names(f"stage={stage('proposal').pk}") == both[1:]
    assert names("close_month=2030-04") == both[:1]
    assert names("sort=amount") == both
    assert names(f"owner={rep.pk}&team={account.team_id}") == both
    fragment = client.get("/deals/?q=浄水", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'data-testid="deal-table"' in fragment
    assert names("", HTTP_HX_REQUEST="true") == both
    # Someone outside the team sees none of them.
    stranger = make_user(Role.MEMBER)
    assert 'data-testid="deal-row"' not in client_for(stranger).get("/deals/").content.decode()


def test_list_pages_by_keyset_with_a_flat_query_count(rep, account) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    for i in range(51):  # more than a page: the first page counts them
        new_deal(rep, account, name=f"商談{i}", expected_close_date=dt.date(2030, 1, 1 + i % 28))
    client.get("/deals/")
    with CaptureQueriesContext(connection) as few:
        client.get("/deals/")
    for i in range(51, 60):
        new_deal(rep, account, name=f"商談{i}", expected_close_date=dt.date(2030, 3, 1))
    with CaptureQueriesContext(connection) as many:
        first = client.get("/deals/").content.decode()
    assert len(many) == len(few)
    assert first.count('data-testid="deal-row"') == 50
    after = re.search(r'\?after=(\d+)"', first)[1]
    second = client.get(f"/deals/?after={after}").content.decode()
    assert second.count('data-testid="deal-row"') == 10


def test_create_form_with_lines_and_messages_in_the_users_language(rep, account) -> None:  # type: ignore[no-untyped-def]
    machine = Product.objects.create(code="KZ-200", name="給茶機 KZ-200", list_price=480_000)
    client = client_for(rep)
    form = client.get("/deals/new/").content.decode()
    assert 'name="lines-0-product"' in form and "株式会社緑茶商事" in form
    empty = client.post("/deals/new/", {
        "name": "", "account": account.pk, "stage": stage("hearing").pk,
        "lines-TOTAL_FORMS": 3, "lines-INITIAL_FORMS": 0})
    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()  # the user's language: en
    rep.language = "ja"
    rep.save()
    client = client_for(rep)
    japanese = client.post("/deals/new/", {"name": "", "account": account.pk,
                                           "lines-TOTAL_FORMS": 0, "lines-INITIAL_FORMS": 0},
                           HTTP_ACCEPT_LANGUAGE="ja")
    assert "この項目は必須です。" in japanese.content.decode()
    created = client.post("/deals/new/", {
        "name": "本社 給茶機入替", "account": account.pk, "stage": stage("quote").pk,
        "expected_close_date": "2030-06-30", "amount": "", "competitors": "A社、B社",
        "demand_month": "3", "demand_period": "2030年度予算", "source": "seminar",
        "lines-TOTAL_FORMS": 3, "lines-INITIAL_FORMS": 0,
        "lines-0-product": machine.pk, "lines-0-quantity": 2, "lines-0-unit_price": "",
        "lines-1-product": "", "lines-1-quantity": 1})
    deal = Deal.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/deals/{deal.pk}/"
    assert (deal.amount, deal.stage.code, deal.probability) == (960_000, "quote", 60)
    assert deal.competitors == ["A社", "B社"] and deal.team == account.team
    detail = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "¥960,000" in detail and 'data-testid="move-form"' in detail
    assert "給茶機 KZ-200" in detail


def test_create_from_an_account_page_fixes_the_account(rep, account, make_user) -> None:  # type: ignore[no-untyped-def]
    client = client_for(rep)
    page = client.get(f"/deals/new/?account={account.pk}").content.decode()
    assert f'type="hidden" name="account" value="{account.pk}"' in page
    other = create_account(actor=rep, name="別会社")
    client.post(f"/deals/new/?account={account.pk}", {
        "name": "x", "account": other.pk, "stage": stage("hearing").pk,
        "expected_close_date": "2030-01-31", "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0})
    assert Deal.objects.get().account == account  # the page's account, not a tampered id
    stranger = make_user(Role.MEMBER)
    assert client_for(stranger).get(f"/deals/new/?account={account.pk}").status_code == 404


def test_edit_refuses_a_stale_version_and_deletes(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, amount=100_000)
    client = client_for(rep)
    page = client.get(f"/deals/{deal.pk}/edit/").content.decode()
    assert 'name="version"' in page and 'name="stage"' not in page  # moves are separate
    data = {"name": "改名", "account": account.pk, "expected_close_date": "2030-07-31",
            "amount": "200000", "version": deal.version, "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0}
    move_deal(actor=rep, deal=deal, to_stage=stage("hearing"), expected_version=deal.version)
    stale = client.post(f"/deals/{deal.pk}/edit/", data)
    assert stale.status_code == 200 and "Someone else changed this record" in \
        stale.content.decode()
    deal.refresh_from_db()
    assert deal.name == "本社 給茶機入替"
    data["version"] = deal.version
    assert client.post(f"/deals/{deal.pk}/edit/", data).status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.amount) == ("改名", 200_000)
    assert client.get(f"/deals/{deal.pk}/delete/").status_code == 200
    assert client.post(f"/deals/{deal.pk}/delete/", {"version": deal.version}).status_code == 302
    assert not Deal.objects.exists()


def test_access_rules_in_views(rep, account, make_user, team) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account)
    stranger, colleague = make_user(Role.MEMBER), make_user(Role.MEMBER, teams=[team])
    for path in (f"/deals/{deal.pk}/", f"/deals/{deal.pk}/edit/"):
        assert client_for(stranger).get(path).status_code == 404
    seen = client_for(colleague).get(f"/deals/{deal.pk}/")
    assert seen.status_code == 200 and 'data-testid="move-form"' not in seen.content.decode()
    assert client_for(colleague).get(f"/deals/{deal.pk}/edit/").status_code == 403
    move = {"to_stage": stage("hearing").pk, "version": deal.version}
    assert client_for(stranger).post(f"/deals/{deal.pk}/move/", move).status_code == 404
    assert client_for(colleague).post(f"/deals/{deal.pk}/move/", move).status_code == 403
    board = client_for(colleague).get("/deals/board/").content.decode()
    assert 'data-testid="deal-card"' in board and 'draggable="true"' not in board
    assert 'data-testid="deal-card"' not in client_for(stranger).get("/deals/board/") \
        .content.decode()
    viewer = make_user(Role.VIEWER, teams=[team])
    assert client_for(viewer).get("/deals/new/").status_code == 403


def test_kanban_board_and_its_move_form(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, "hearing", amount=300_000)
    new_deal(rep, account, "hearing", name="二件目", amount=100_000)
    client = client_for(rep)
    html = client.get("/deals/board/").content.decode()
    columns = re.findall(r'data-stage-code="(\w+)".*?data-testid="column-count">(\d+)<.*?'
                         r'data-testid="column-amount">([^<]+)<', html, re.S)
    assert columns[:3] == [("first_visit", "0", "¥0"), ("hearing", "2", "¥400,000"),
                           ("proposal", "0", "¥0")]
    assert 'data-testid="column-weighted">¥80,000<' in html
    assert "/static/pipeline/board.js" in html and 'draggable="true"' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # CSP: no inline script
    # The card's own form (what drag and drop submits, and what works without a script).
    moved = client.post(f"/deals/{deal.pk}/move/", {
        "to_stage": stage("proposal").pk, "version": deal.version, "next": "board"})
    assert moved.status_code == 302 and moved["Location"] == \
        f"/deals/board/?pipeline={deal.pipeline_id}"
    deal.refresh_from_db()
    assert deal.stage.code == "proposal" and deal.stage_changes.count() == 2
    # Lost without a reason: refused, told on the board.
    refused = client.post(f"/deals/{deal.pk}/move/", {
        "to_stage": stage("lost").pk, "version": deal.version, "next": "board"}, follow=True)
    assert "Choose why the deal was lost." in refused.content.decode()
    deal.refresh_from_db()
    assert deal.stage.code == "proposal"
    # A stale card (someone moved the deal since the board was drawn) is refused too.
    stale = client.post(f"/deals/{deal.pk}/move/", {
        "to_stage": stage("quote").pk, "version": deal.version - 1, "next": "board"},
        follow=True)
    assert "Someone else changed this record" in stale.content.decode()
    client.post(f"/deals/{deal.pk}/move/", {
        "to_stage": stage("lost").pk, "version": deal.version, "next": "board",
        "lost_reason": LostReason.objects.get(code="price").pk, "lost_note": "他社が安い"})
    deal.refresh_from_db()
    assert (deal.stage.code, deal.lost_reason.code, deal.lost_note) == ("lost", "price",
                                                                       "他社が安い")
    lost = client.get("/deals/board/").content.decode()
    assert re.search(r'data-stage-code="lost".*?data-testid="column-count">1<', lost, re.S)


def test_move_form_on_the_deal_page(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account)
    client = client_for(rep)
    refused = client.post(f"/deals/{deal.pk}/move/", {"to_stage": stage("lost").pk,
                                                      "version": deal.version})
    assert refused.status_code == 200
    assert re.search(r'has-error">\s*<label for="id_lost_reason"', refused.content.decode())
    done = client.post(f"/deals/{deal.pk}/move/", {"to_stage": stage("won").pk,
                                                   "version": deal.version})
    assert done["Location"] == f"/deals/{deal.pk}/"
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert page.count('data-testid="stage-change-row"') == 2 and "100%" in page


def test_buying_centre_and_activities_on_the_deal_page(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account)
    boss = create_contact(actor=rep, account=account, family_name="山田",
                          buying_role="decision_maker")
    client = client_for(rep)
    added = client.post(f"/deals/{deal.pk}/contacts/", {"contact": boss.pk, "role": "approver"})
    assert added.status_code == 302
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert page.count('data-testid="buying-centre-row"') == 1 and "Approver" in page
    link = deal.deal_contacts.get()
    assert client.post(f"/deals/{deal.pk}/contacts/{link.pk}/remove/").status_code == 302
    assert not deal.deal_contacts.exists()
    logged = client.post(f"/activities/new/?deal={deal.pk}", {
        "kind": "visit", "occurred_at": "2025-03-02T10:00", "subject": "ヒアリング訪問"})
    assert logged["Location"] == f"/deals/{deal.pk}/"
    assert Activity.objects.get().deal == deal
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="timeline-activity"' in page and "ヒアリング訪問" in page


def test_detail_query_count_does_not_grow_with_history(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, at=START)
    client = client_for(rep)
    client.get(f"/deals/{deal.pk}/")
    with CaptureQueriesContext(connection) as short:
        client.get(f"/deals/{deal.pk}/")
    for i, code in enumerate(["hearing", "proposal", "quote", "negotiation"]):
        deal.refresh_from_db()
        move_deal(actor=rep, deal=deal, to_stage=stage(code), expected_version=deal.version,
                  at=START + dt.timedelta(days=i + 1))
        create_contact(actor=rep, account=account, family_name=f"担当{i}")
    with CaptureQueriesContext(connection) as long:
        client.get(f"/deals/{deal.pk}/")
    assert len(long) == len(short)


def test_forecast_page(rep, account) -> None:  # type: ignore[no-untyped-def]
    new_deal(rep, account, "negotiation", amount=1_000_000,
             expected_close_date=dt.date(2030, 4, 10))
    won = new_deal(rep, account, "quote", amount=300_000, at=START,
                   expected_close_date=dt.date(2030, 4, 1))
    move_deal(actor=rep, deal=won, to_stage=stage("won"), expected_version=won.version,
              at=dt.datetime(2025, 4, 3, 10, tzinfo=TOKYO))
    client = client_for(rep)
    html = client.get("/deals/forecast/?start=2030-04&months=3").content.decode()
    row = re.search(r'data-testid="forecast-row" data-month="2030-04" data-group="青木">'
                    r'(.*?)</tr>', html, re.S)[1]
    cells = dict(re.findall(r'data-testid="([\w-]+)">([^<]*)<', row))
    assert cells == {"open-deals": "1", "open-amount": "¥1,000,000", "weighted": "¥800,000",
                     "commit": "¥1,000,000", "best-case": "¥0", "pipeline": "¥0",
                     "won": "¥0"}
    assert 'data-testid="forecast-month-total" data-month="2030-06"' in html
    past = client.get("/deals/forecast/?start=2025-04&months=1&by=team").content.decode()
    assert re.search(r'data-label="青木">.*?data-testid="by-count">100%<.*?'
                     r'data-testid="by-amount">100%<', past, re.S)
    assert "東京営業" in past
    assert client.get("/deals/forecast/").status_code == 200  # the default window


def test_d2c_deal_from_a_customer_page(rep) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_customer

    customer = create_customer(actor=rep, family_name="佐藤")
    client = client_for(rep)
    page = client.get(f"/deals/new/?customer={customer.pk}").content.decode()
    assert 'name="account"' not in page and f'name="customer" value="{customer.pk}"' in page
    created = client.post(f"/deals/new/?customer={customer.pk}", {
        "name": "定期便の法人ギフト", "stage": stage("proposal").pk, "amount": "50000",
        "expected_close_date": "2030-12-01", "lines-TOTAL_FORMS": 0, "lines-INITIAL_FORMS": 0})
    deal = Deal.objects.get()
    assert created.status_code == 302 and (deal.customer, deal.account) == (customer, None)
    edit = client.get(f"/deals/{deal.pk}/edit/").content.decode()
    assert 'name="account"' not in edit
    saved = client.post(f"/deals/{deal.pk}/edit/", {
        "name": "法人ギフト", "customer": customer.pk, "expected_close_date": "2030-12-15",
        "amount": "60000", "version": deal.version, "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0})
    assert saved.status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.customer) == ("法人ギフト", 60_000, customer)
    assert "佐藤" in client.get(f"/deals/{deal.pk}/").content.decode()
