"""Installed products (the installed base): services with their checks, registration from
equipment orders (local install day, returns, reruns), the account page section and forms,
the list page and the API, with the access rules of the account."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kizuna.commerce.models import InstalledProduct, InstallStatus, Product
from kizuna.commerce.services import (
    LineInput,
    create_installed_product,
    create_master,
    place_order,
    record_return,
    register_installs_from_orders,
    update_installed_product,
)
from kizuna.core.models import LedgerEntry, Role
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.services import create_account, create_customer, create_department
from tests.customers.test_api import assert_field_error, client_for

TOKYO = dt.timezone(dt.timedelta(hours=9))
EQUIPMENT = "業務用機器"


@pytest.fixture
def base(make_user):  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER, language="en")
    rep = make_user(Role.MEMBER, language="en")
    other = make_user(Role.MEMBER, language="en")
    machine = create_master(actor=manager, model=Product, code="KZ-100", name="業務用給茶機",
                            category=EQUIPMENT, list_price=480_000, unit_cost=288_000)
    filter_ = create_master(actor=manager, model=Product, code="CS-101", name="フィルター",
                            category="消耗品", list_price=8_800, unit_cost=3_100)
    account = create_account(actor=rep, name="山田製作所")
    plant = create_department(actor=rep, account=account, name="本社工場")
    foreign = create_account(actor=other, name="佐藤商事")
    return {"manager": manager, "rep": rep, "other": other, "machine": machine,
            "filter": filter_, "account": account, "plant": plant, "foreign": foreign}


def test_create_checks_department_dates_and_permission(base) -> None:  # type: ignore[no-untyped-def]
    rep, account, machine = base["rep"], base["account"], base["machine"]
    item = create_installed_product(actor=rep, account=account, product=machine,
                                    installed_on=dt.date(2021, 4, 1), department=base["plant"],
                                    serial_number="KZ1-0042",
                                    warranty_until=dt.date(2024, 3, 31))
    assert item.status == InstallStatus.IN_USE and item.quantity == 1
    assert LedgerEntry.objects.filter(model="commerce.installedproduct",
                                      object_id=str(item.pk), action="create").exists()
    other_department = create_department(actor=base["other"], account=base["foreign"],
                                          name="大阪支店")
    with pytest.raises(ValidationError) as error:
        create_installed_product(actor=rep, account=account, product=machine,
                                 installed_on=dt.date(2021, 4, 1), department=other_department)
    assert "department" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        create_installed_product(actor=rep, account=account, product=machine,
                                 installed_on=dt.date(2021, 4, 1),
                                 warranty_until=dt.date(2021, 3, 31))
    assert "warranty_until" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        create_installed_product(actor=rep, account=base["foreign"], product=machine,
                                 installed_on=dt.date(2021, 4, 1))
    assert InstalledProduct.objects.count() == 1


def test_retire_needs_a_date_and_a_stale_edit_is_refused(base) -> None:  # type: ignore[no-untyped-def]
    rep = base["rep"]
    item = create_installed_product(actor=rep, account=base["account"], product=base["machine"],
                                    installed_on=dt.date(2019, 6, 1))
    with pytest.raises(ValidationError) as error:
        update_installed_product(actor=rep, installed=item, expected_version=item.version,
                                 status=InstallStatus.RETIRED)
    assert "retired_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        update_installed_product(actor=rep, installed=item, expected_version=item.version,
                                 retired_on=dt.date(2025, 1, 1))  # still in use
    retired = update_installed_product(actor=rep, installed=item, expected_version=1,
                                       status=InstallStatus.RETIRED,
                                       retired_on=dt.date(2025, 1, 10))
    assert retired.version == 2
    with pytest.raises(ConcurrentEdit):
        update_installed_product(actor=rep, installed=item, expected_version=1, quantity=2)
    with pytest.raises(ValueError, match="account"):
        update_installed_product(actor=rep, installed=item, expected_version=2,
                                 account=base["foreign"])


def test_equipment_orders_become_installed_products(base) -> None:  # type: ignore[no-untyped-def]
    rep, account, machine = base["rep"], base["account"], base["machine"]
    # 16:00 UTC on 31 March is 1 April in Tokyo: the install day is the local day.
    first = place_order(actor=rep, account=account, department=base["plant"],
                        ordered_at=dt.datetime(2021, 3, 31, 16, 0, tzinfo=dt.UTC),
                        lines=[LineInput(machine, 3), LineInput(base["filter"], 10)])
    record_return(actor=rep, original=first, lines=[LineInput(machine, 1)],
                  returned_at=dt.datetime(2021, 4, 10, 10, 0, tzinfo=TOKYO))
    returned_all = place_order(actor=rep, account=account, lines=[LineInput(machine, 1)],
                               ordered_at=dt.datetime(2022, 5, 1, 10, 0, tzinfo=TOKYO))
    record_return(actor=rep, original=returned_all, lines=[LineInput(machine, 1)],
                  returned_at=dt.datetime(2022, 5, 2, 10, 0, tzinfo=TOKYO))
    create_customer(actor=rep, family_name="田中")  # D2C orders never install anything
    result = register_installs_from_orders(actor=None, categories=[EQUIPMENT])
    assert (result.created, result.skipped) == (1, 0)
    item = InstalledProduct.objects.get()
    assert (item.account, item.department, item.product) == (account, base["plant"], machine)
    assert item.quantity == 2 and item.installed_on == dt.date(2021, 4, 1)
    assert item.order_line.order == first
    # A new order later: only it is added on the next run.
    place_order(actor=rep, account=account, lines=[LineInput(machine, 1)],
                ordered_at=dt.datetime(2024, 8, 1, 10, 0, tzinfo=TOKYO))
    again = register_installs_from_orders(actor=None, categories=[EQUIPMENT])
    assert (again.created, again.skipped) == (1, 1)
    assert sorted(InstalledProduct.objects.values_list("installed_on", flat=True)) == [
        dt.date(2021, 4, 1), dt.date(2024, 8, 1)]
    assert LedgerEntry.objects.filter(model="commerce.installedproduct").count() == 2


def client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_account_section_and_forms(base) -> None:  # type: ignore[no-untyped-def]
    rep, account = base["rep"], base["account"]
    browser = client(rep)
    page = browser.get(f"/accounts/{account.pk}/").content.decode()
    assert f'hx-get="/accounts/{account.pk}/installed/"' in page
    section = browser.get(f"/accounts/{account.pk}/installed/").content.decode()
    assert "No installed products recorded." in section and "add-installed" in section
    form = {"product": base["machine"].pk, "department": base["plant"].pk, "quantity": 2,
            "serial_number": "KZ1-7", "installed_on": "2020-10-01", "status": "in_use"}
    response = browser.post(f"/accounts/{account.pk}/installed/new/", form)
    assert response.status_code == 302 and response["Location"] == f"/accounts/{account.pk}/"
    item = InstalledProduct.objects.get()
    section = browser.get(f"/accounts/{account.pk}/installed/").content.decode()
    assert "2020-10-01" in section and "本社工場" in section
    assert f"/installed/{item.pk}/edit/" in section
    # Retiring without a date: the form comes back with the message on the field.
    edit = browser.post(f"/installed/{item.pk}/edit/", {**form, "status": "retired",
                                                        "version": item.version})
    assert edit.status_code == 200 and "Say when it was retired." in edit.content.decode()
    # Someone saved in between: the stale form is refused.
    update_installed_product(actor=rep, installed=item, expected_version=1, quantity=3)
    stale = browser.post(f"/installed/{item.pk}/edit/", {**form, "version": 1})
    assert stale.status_code == 200 and "Someone else" in stale.content.decode()
    item.refresh_from_db()
    assert item.quantity == 3
    # Another member cannot see the account's products, nor add to it.
    outsider = client(base["other"])
    assert outsider.get(f"/accounts/{account.pk}/installed/").status_code == 404
    assert outsider.get(f"/installed/{item.pk}/edit/").status_code == 404
    assert outsider.post(f"/accounts/{account.pk}/installed/new/", form).status_code == 404


def test_list_page_is_the_visible_installed_base_oldest_first(base, make_user) -> None:  # type: ignore[no-untyped-def]
    for year, account in ((2018, base["account"]), (2015, base["account"]),
                          (2016, base["foreign"])):
        owner = base["rep"] if account == base["account"] else base["other"]
        create_installed_product(actor=owner, account=account, product=base["machine"],
                                 installed_on=dt.date(year, 5, 1))
    page = client(base["rep"]).get("/installed/").content.decode()
    assert re.findall(r"(\d{4})-05-01", page) == ["2015", "2018"]
    admin = client(make_user(Role.ADMINISTRATOR, language="en"))
    assert re.findall(r"(\d{4})-05-01", admin.get("/installed/").content.decode()) == [
        "2015", "2016", "2018"]
    older = admin.get("/installed/?installed_before=2017-01-01&sort=newest").content.decode()
    assert re.findall(r"(\d{4})-05-01", older) == ["2016", "2015"]
    found = admin.get("/installed/?q=佐藤").content.decode()
    assert re.findall(r"(\d{4})-05-01", found) == ["2016"]


def test_api_create_list_retire_delete(base) -> None:  # type: ignore[no-untyped-def]
    call = client_for(base["rep"])
    account, machine = base["account"], base["machine"]
    created = call("post", "/installed-products", {
        "account_id": account.pk, "product_id": machine.pk, "installed_on": "2020-04-01",
        "department_id": base["plant"].pk, "quantity": 2})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["product_code"] == "KZ-100" and body["status"] == "in_use"
    listed = call("get", f"/installed-products?account_id={account.pk}").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert_field_error(call("patch", f"/installed-products/{body['id']}",
                            {"version": body["version"], "status": "retired"}), "retired_on")
    retired = call("patch", f"/installed-products/{body['id']}",
                   {"version": body["version"], "status": "retired", "retired_on": "2025-03-31"})
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    stale = call("patch", f"/installed-products/{body['id']}",
                 {"version": body["version"], "quantity": 5})
    assert stale.status_code == 409
    outsider = client_for(base["other"])
    assert outsider("get", f"/installed-products/{body['id']}").status_code == 404
    assert outsider("post", "/installed-products", {
        "account_id": account.pk, "product_id": machine.pk,
        "installed_on": "2020-04-01"}).status_code == 404
    assert outsider("get", "/installed-products").json()["items"] == []
    gone = call("delete", f"/installed-products/{body['id']}?version=2")
    assert gone.status_code == 204 and not InstalledProduct.objects.exists()
