"""Department pages: add from the account page, detail (buying roles, sub-departments, timeline,
audit trail), edit with locking, delete, access rules and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kizuna.commerce.models import Product
from kizuna.commerce.services import LineInput, create_master, place_order
from kizuna.core.models import Role
from kizuna.customers.models import Contact, CustomFieldDefinition, Department
from kizuna.customers.services import (
    create_account,
    create_contact,
    create_department,
    define_custom_field,
    update_department,
)
from kizuna.pipeline.services import log_activity


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def build(user) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return build


def _product(admin_user, code: str = "P1", price: int = 1000) -> Product:  # type: ignore[no-untyped-def]
    return create_master(actor=admin_user, model=Product, code=code, name=f"商品{code}",
                         list_price=price)


def test_add_department_from_the_account_page(make_user, make_team, admin_user,
                                              client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    rep = make_user(teams=[team])
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.DEPARTMENT,
                        key="budget_month", label_ja="予算月", label_en="Budget month",
                        field_type="choice", choices=[str(m) for m in range(1, 13)])
    account = create_account(actor=rep, name="山田製作所", team=team)
    head_office = create_department(actor=rep, account=account, name="本社")
    other = create_account(actor=rep, name="他社")
    create_department(actor=rep, account=other, name="他社の部")
    client = client_for(rep)
    account_page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert f'href="/accounts/{account.pk}/departments/new/"' in account_page
    assert f'href="/departments/{head_office.pk}/"' in account_page  # the department list links

    form = client.get(f"/accounts/{account.pk}/departments/new/")
    html = form.content.decode()
    assert form.status_code == 200 and "<html" in html and "山田製作所" in html
    assert 'hx-get="/postal-code/"' in html and 'id="postal-hint"' in html  # address autofill
    assert "本社" in html and "他社の部" not in html  # parents of this account only
    assert f'<option value="{team.pk}" selected>' in html  # the account's team by default
    assert 'name="owner"' not in html  # a member owns what they create
    assert 'name="custom__budget_month"' in html and 'name="account"' not in html

    bad = client.post(f"/accounts/{account.pk}/departments/new/",
                      {"name": "工場", "postal_code": "123"})
    assert bad.status_code == 200 and "郵便番号は7桁です" in bad.content.decode()
    assert Department.objects.count() == 2
    response = client.post(f"/accounts/{account.pk}/departments/new/", {
        "parent": head_office.pk, "name": "名古屋工場", "name_kana": "なごやこうじょう",
        "phone": "052-123-4567", "postal_code": "〒４６０ー０００１", "prefecture": "愛知県",
        "city": "名古屋市中区", "address_line1": "三の丸", "team": team.pk,
        "custom__budget_month": "10"})
    plant = Department.objects.get(name="名古屋工場")
    assert response.status_code == 302 and response["Location"] == f"/departments/{plant.pk}/"
    assert (plant.account, plant.parent, plant.name_kana, plant.phone, plant.postal_code) == (
        account, head_office, "ナゴヤコウジョウ", "+81521234567", "4600001")
    assert (plant.owner, plant.team, plant.custom) == (rep, team, {"budget_month": "10"})
    assert "名古屋工場" in client.get(response["Location"]).content.decode()


def test_a_manager_may_choose_the_owner_defaulting_to_the_accounts(make_user, make_team,
                                                                   client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    manager, rep = make_user(Role.MANAGER, teams=[team]), make_user(teams=[team])
    account = create_account(actor=manager, name="担当者付き", owner=rep, team=team)
    client = client_for(manager)
    html = client.get(f"/accounts/{account.pk}/departments/new/").content.decode()
    assert f'<option value="{rep.pk}" selected>' in html
    client.post(f"/accounts/{account.pk}/departments/new/",
                {"name": "営業部", "owner": rep.pk, "team": team.pk})
    assert Department.objects.get().owner == rep


def test_parent_choices_exclude_other_accounts_and_cycles(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="階層社")
    top = create_department(actor=rep, account=account, name="本部")
    middle = create_department(actor=rep, account=account, name="中間部", parent=top)
    bottom = create_department(actor=rep, account=account, name="末端課", parent=middle)
    sibling = create_department(actor=rep, account=account, name="隣の部")
    foreign = create_department(actor=rep, account=create_account(actor=rep, name="別会社"),
                                name="別会社の部")
    client = client_for(rep)
    html = client.get(f"/departments/{top.pk}/edit/").content.decode()
    assert "隣の部" in html
    for name in ("中間部", "末端課", "別会社の部"):
        assert f">{name}</option>" not in html, name
    for parent in (bottom, top, foreign):  # a cycle, itself, another company
        response = client.post(f"/departments/{top.pk}/edit/",
                               {"name": "本部", "parent": parent.pk, "version": 1})
        assert response.status_code == 200 and 'class="error"' in response.content.decode()
    top.refresh_from_db()
    assert (top.parent, top.version) == (None, 1)
    moved = client.post(f"/departments/{top.pk}/edit/",
                        {"name": "本部", "parent": sibling.pk, "version": 1})
    assert moved.status_code == 302
    top.refresh_from_db()
    assert top.parent == sibling


def test_edit_refuses_a_stale_version(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    department = create_department(actor=rep, account=create_account(actor=rep, name="版社"),
                                   name="総務部")
    client = client_for(rep)
    page = client.get(f"/departments/{department.pk}/edit/").content.decode()
    assert 'name="version"' in page and 'value="総務部"' in page
    update_department(actor=rep, department=department, expected_version=1, phone="0312345678")
    stale = client.post(f"/departments/{department.pk}/edit/", {"name": "上書き", "version": 1})
    assert stale.status_code == 200 and "再読み込み" in stale.content.decode()
    department.refresh_from_db()
    assert (department.name, department.version) == ("総務部", 2)
    ok = client.post(f"/departments/{department.pk}/edit/",
                     {"name": "総務課", "phone": "03-1234-5678", "version": 2})
    assert ok.status_code == 302 and ok["Location"] == f"/departments/{department.pk}/"
    department.refresh_from_db()
    assert (department.name, department.version) == ("総務課", 3)


def test_detail_shows_contacts_by_role_children_timeline_and_keeps_queries_flat(
        make_user, admin_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="山田製作所")
    parent = create_department(actor=rep, account=account, name="生産本部")
    department = create_department(actor=rep, account=account, name="購買部", parent=parent,
                                   name_kana="コウバイブ", postal_code="1000001",
                                   phone="0312345678")
    create_department(actor=rep, account=account, name="第一購買課", parent=department)
    boss = create_contact(actor=rep, account=account, department=department,
                          family_name="部長", buying_role="decision_maker")
    create_contact(actor=rep, account=account, department=department, family_name="担当",
                   buying_role="purchaser", reports_to=boss)
    create_contact(actor=rep, account=account, family_name="他部署", buying_role="approver")
    now = timezone.now()
    log_activity(actor=rep, kind="visit", occurred_at=now - dt.timedelta(days=2),
                 subject="部長に訪問", contact=boss)
    log_activity(actor=rep, kind="call", occurred_at=now, subject="会社代表に電話",
                 account=account)
    product = _product(admin_user)
    place_order(actor=rep, account=account, department=department, number="D-1",
                ordered_at=now - dt.timedelta(days=1), lines=[LineInput(product, quantity=3)])
    place_order(actor=rep, account=account, number="A-1", ordered_at=now,
                lines=[LineInput(product, quantity=100)])
    client = client_for(rep)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/departments/{department.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "購買部</h1>" in html and ">コウバイブ</p>" in html
    assert "〒100-0001" in html and "03-1234-5678" in html
    assert f'href="/accounts/{account.pk}/"' in html and "生産本部" in html
    assert html.count('data-testid="buying-centre-contact"') == 2 and "他部署" not in html
    assert html.index("決裁者") < html.index("購買担当")  # in buying-role order
    assert html.count('data-testid="sub-department"') == 1 and "第一購買課" in html
    assert "部長に訪問" in html and "会社代表に電話" not in html  # its contacts' activities
    assert "D-1" in html and "A-1" not in html  # its own orders
    assert '<dd data-testid="order-count">1</dd>' in html and "¥3,000" in html
    assert html.index('data-testid="timeline-order"') < html.index(
        'data-testid="timeline-activity"')  # newest first
    assert 'data-testid="edit"' in html and 'data-testid="delete"' in html
    assert 'data-testid="ledger"' not in html  # audit trail for administrators only
    first = len(queries)
    for i in range(5):
        extra = create_contact(actor=rep, account=account, department=department,
                               family_name=f"追加{i}", buying_role="user", reports_to=boss)
        create_department(actor=rep, account=account, name=f"課{i}", parent=department)
        log_activity(actor=rep, kind="call", occurred_at=now, subject=f"電話{i}", contact=extra)
        place_order(actor=rep, account=account, department=department, ordered_at=now,
                    lines=[LineInput(_product(admin_user, code=f"X{i}"), quantity=1)])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/departments/{department.pk}/").content.decode()
    assert html.count('data-testid="buying-centre-contact"') == 7
    assert len(queries) == first, "N+1 on the department page"
    assert first <= 14, [q["sql"] for q in queries]
    admin_page = client_for(admin_user).get(f"/departments/{department.pk}/").content.decode()
    assert 'data-testid="ledger"' in admin_page and "/audit/customers.department/" in admin_page


def test_access_rules(make_user, make_team, client_for) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    alice, bob = make_user(teams=[team]), make_user(teams=[team])
    viewer = make_user(Role.VIEWER, teams=[team])
    shared_account = create_account(actor=alice, name="共有社", team=team)
    private_account = create_account(actor=alice, name="非公開社")
    shared = create_department(actor=alice, account=shared_account, name="共有部")
    private = create_department(actor=alice, account=private_account, name="非公開部")
    for user in (bob, viewer):
        client = client_for(user)
        page = client.get(f"/departments/{shared.pk}/")
        html = page.content.decode()
        assert page.status_code == 200
        assert 'data-testid="edit"' not in html and 'data-testid="delete"' not in html
        assert client.get(f"/departments/{shared.pk}/edit/").status_code == 403
        assert client.get(f"/departments/{shared.pk}/delete/").status_code == 403
        assert client.post(f"/departments/{shared.pk}/delete/", {"version": 1}).status_code == 403
        account_page = client.get(f"/accounts/{shared_account.pk}/").content.decode()
        assert 'data-testid="add-department"' not in account_page
        assert client.get(f"/accounts/{shared_account.pk}/departments/new/").status_code == 403
        assert client.post(f"/accounts/{shared_account.pk}/departments/new/",
                           {"name": "侵入"}).status_code == 403
        for url in (f"/departments/{private.pk}/", f"/departments/{private.pk}/edit/",
                    f"/departments/{private.pk}/delete/",
                    f"/accounts/{private_account.pk}/departments/new/"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/departments/{private.pk}/delete/",
                           {"version": 1}).status_code == 404
    assert set(Department.objects.values_list("name", flat=True)) == {"共有部", "非公開部"}
    assert client_for(alice).get(f"/departments/{shared.pk}/").status_code == 200


def test_add_contact_from_the_department_page_preselects_it(make_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="山田製作所")
    create_department(actor=rep, account=account, name="営業部")
    department = create_department(actor=rep, account=account, name="購買部")
    client = client_for(rep)
    url = f"/contacts/new/?account={account.pk}&amp;department={department.pk}"
    assert url in client.get(f"/departments/{department.pk}/").content.decode()
    form = client.get(url.replace("&amp;", "&")).content.decode()
    assert f'<option value="{department.pk}" selected>' in form


def test_delete_department(make_user, admin_user, client_for) -> None:  # type: ignore[no-untyped-def]
    rep = make_user(language="en")
    account = create_account(actor=rep, name="削除社")
    department = create_department(actor=rep, account=account, name="解散する部")
    child = create_department(actor=rep, account=account, name="残る課", parent=department)
    contact = create_contact(actor=rep, account=account, department=department,
                             family_name="残る人")
    client = client_for(rep)
    confirm = client.get(f"/departments/{department.pk}/delete/")
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "<html" in html
    assert "Delete “解散する部”?" in html and 'name="version" value="1"' in html
    assert f'href="/departments/{department.pk}/"' in html  # cancel

    update_department(actor=rep, department=department, expected_version=1, phone="0312345678")
    stale = client.post(f"/departments/{department.pk}/delete/", {"version": 1}, follow=True)
    assert stale.redirect_chain == [(f"/departments/{department.pk}/", 302)]
    assert "so it was not deleted" in stale.content.decode()
    assert Department.objects.filter(pk=department.pk).exists()
    garbage = client.post(f"/departments/{department.pk}/delete/", {"version": "x"})
    assert garbage.status_code == 302 and Department.objects.filter(pk=department.pk).exists()

    done = client.post(f"/departments/{department.pk}/delete/", {"version": 2}, follow=True)
    assert done.redirect_chain == [(f"/accounts/{account.pk}/", 302)]
    assert "The department “解散する部” was deleted." in done.content.decode()
    assert not Department.objects.filter(pk=department.pk).exists()
    child.refresh_from_db()
    contact.refresh_from_db()
    assert child.parent is None and contact.department is None  # both stay with the account

    ordered = create_department(actor=rep, account=account, name="注文した部")
    place_order(actor=rep, account=account, department=ordered, ordered_at=timezone.now(),
                lines=[LineInput(_product(admin_user), quantity=1)])
    refused = client.post(f"/departments/{ordered.pk}/delete/", {"version": 1}, follow=True)
    assert refused.redirect_chain == [(f"/departments/{ordered.pk}/", 302)]
    assert "still refer to it" in refused.content.decode()
    assert Department.objects.filter(pk=ordered.pk).exists()
    assert Contact.objects.filter(pk=contact.pk).exists()
